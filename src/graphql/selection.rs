//! Walking a parsed document the way the executor will: the selected operation, its
//! variables (with their defaults), and the fields a selection set collects once
//! fragments are expanded and `@skip` / `@include` are applied.
//!
//! Shared by the cost analysis (before execution) and the response normaliser (after).

use std::collections::HashMap;

use async_graphql::parser::types::{
    Directive, ExecutableDocument, Field, OperationDefinition, OperationType, Selection,
    SelectionSet,
};
use async_graphql::{Name, Positioned, Value as ConstValue, Variables};
use async_graphql_value::Value;

/// The operation a request runs, with its variables resolved.
pub struct Operation<'a> {
    pub definition: &'a OperationDefinition,
    pub document: &'a ExecutableDocument,
    pub variables: VariableValues,
}

impl<'a> Operation<'a> {
    /// The operation `name` selects (or the only one), if the document has it.
    pub fn select(
        document: &'a ExecutableDocument,
        name: Option<&str>,
        variables: &Variables,
    ) -> Option<Self> {
        let definition = match name {
            Some(name) => {
                document
                    .operations
                    .iter()
                    .find(|(n, _)| n.is_some_and(|n| n.as_str() == name))?
                    .1
            }
            None => {
                let mut all = document.operations.iter();
                let (_, only) = all.next()?;
                if all.next().is_some() {
                    return None;
                }
                only
            }
        };
        let definition = &definition.node;
        let mut values = HashMap::new();
        for var in &definition.variable_definitions {
            let name = &var.node.name.node;
            if let Some(value) = variables.get(name) {
                values.insert(name.clone(), value.clone());
            } else if let Some(default) = var.node.default_value() {
                values.insert(name.clone(), default.clone());
            }
        }
        Some(Operation {
            definition,
            document,
            variables: VariableValues(values),
        })
    }

    /// Whether the operation is a mutation.
    pub fn is_mutation(&self) -> bool {
        self.definition.ty == OperationType::Mutation
    }
}

/// The request's variables, defaults applied.
pub struct VariableValues(HashMap<Name, ConstValue>);

impl VariableValues {
    /// A literal or variable argument as a constant (`None` for an unknown variable).
    pub fn resolve(&self, value: &Value) -> Option<ConstValue> {
        value
            .clone()
            .into_const_with(|name| self.0.get(&name).cloned().ok_or(()))
            .ok()
    }

    /// An integer argument of a field.
    pub fn int_argument(&self, field: &Field, name: &str) -> Option<i64> {
        match self.resolve(&field.get_argument(name)?.node)? {
            ConstValue::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// Whether `@skip` / `@include` leave a selection in.
    pub fn included(&self, directives: &[Positioned<Directive>]) -> bool {
        directives.iter().all(|directive| {
            let directive = &directive.node;
            let condition = || {
                directive
                    .get_argument("if")
                    .and_then(|v| self.resolve(&v.node))
                    .map(|v| v == ConstValue::Boolean(true))
            };
            match directive.name.node.as_str() {
                "skip" => condition() != Some(true),
                "include" => condition() != Some(false),
                _ => true,
            }
        })
    }
}

/// The fields of one response key, in the order they appear.
pub struct Collected<'a> {
    pub key: &'a Name,
    pub fields: Vec<&'a Field>,
}

/// The fields selected by `sets` (merged, e.g. the sub-selections of one response key),
/// grouped by response key in first-appearance order, as GraphQL's CollectFields does.
/// `apply_directives` drops selections that `@skip` / `@include` leave out.
pub fn collect<'a>(
    document: &'a ExecutableDocument,
    sets: &[&'a SelectionSet],
    variables: Option<&VariableValues>,
) -> Vec<Collected<'a>> {
    let mut out: Vec<Collected<'a>> = Vec::new();
    let mut visited: Vec<&'a Name> = Vec::new();
    for set in sets {
        collect_into(document, set, variables, &mut out, &mut visited);
    }
    out
}

fn collect_into<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    variables: Option<&VariableValues>,
    out: &mut Vec<Collected<'a>>,
    visited: &mut Vec<&'a Name>,
) {
    for selection in &set.items {
        let selection = &selection.node;
        if let Some(variables) = variables
            && !variables.included(selection.directives())
        {
            continue;
        }
        match selection {
            Selection::Field(field) => {
                let key = &field.node.response_key().node;
                match out.iter_mut().find(|c| c.key == key) {
                    Some(existing) => existing.fields.push(&field.node),
                    None => out.push(Collected {
                        key,
                        fields: vec![&field.node],
                    }),
                }
            }
            Selection::InlineFragment(inline) => {
                collect_into(
                    document,
                    &inline.node.selection_set.node,
                    variables,
                    out,
                    visited,
                );
            }
            Selection::FragmentSpread(spread) => {
                let name = &spread.node.fragment_name.node;
                if visited.contains(&name) {
                    continue;
                }
                visited.push(name);
                if let Some(fragment) = document.fragments.get(name) {
                    collect_into(
                        document,
                        &fragment.node.selection_set.node,
                        variables,
                        out,
                        visited,
                    );
                }
            }
        }
    }
}
