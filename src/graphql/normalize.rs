//! Puts an executed response into the shape the GraphQL spec ("Handling Field Errors")
//! and typed clients expect, whatever async-graphql 7.2 made of it:
//! - an errored field is present as `null` (async-graphql drops its key);
//! - a `null` in a non-null position makes the nearest nullable ancestor `null`
//!   (async-graphql drops the key and keeps the parent, or nulls an object all of whose
//!   fields failed even where it is non-null);
//! - keys follow the selection order (async-graphql orders them by completion).
//!
//! The errors themselves are already listed by the executor. This runs once per response
//! over the whole schema (not per field), guided by the document and the schema model;
//! an object whose keys are already complete and in order is left in place.

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{BaseType, SelectionSet, Type};
use async_graphql::{Name, PathSegment, ServerError, Value};

use super::model::SchemaModel;
use super::selection::{Operation, collect};

/// Normalises `data`, the result of running `operation` (see the module docs);
/// `errors` are the response's errors (their paths tell which objects existed).
pub fn response_data(
    model: &SchemaModel,
    operation: &Operation<'_>,
    errors: &[ServerError],
    data: &mut Value,
) {
    let root = model.root(operation.definition.ty);
    if matches!(data, Value::Null) {
        // Every root field failed: the root object itself is never null.
        *data = Value::Object(IndexMap::new());
    }
    let mut walker = Walker {
        model,
        operation,
        errors,
        path: Vec::new(),
    };
    if let Value::Object(map) = data
        && walker
            .object(root, &[&operation.definition.selection_set.node], map)
            .is_err()
    {
        *data = Value::Null;
    }
}

/// A `null` reached a non-null position: the enclosing value must become `null`.
struct NullBubble;

/// One step of the path to the value being completed.
#[derive(Clone, Copy)]
enum Step<'n> {
    Key(&'n str),
    Index(usize),
}

struct Walker<'m, 'o, 'a> {
    model: &'m SchemaModel,
    operation: &'o Operation<'a>,
    errors: &'o [ServerError],
    path: Vec<Step<'a>>,
}

impl<'a> Walker<'_, '_, 'a> {
    fn object(
        &mut self,
        ty: &str,
        sets: &[&'a SelectionSet],
        map: &mut IndexMap<Name, Value>,
    ) -> Result<(), NullBubble> {
        let collected = collect(
            self.operation.document,
            sets,
            Some(&self.operation.variables),
        );
        let in_order = map.len() == collected.len()
            && map
                .keys()
                .zip(&collected)
                .all(|(key, field)| key == field.key);
        if !in_order {
            let mut old = std::mem::take(map);
            for field in &collected {
                let value = old.shift_remove(field.key).unwrap_or(Value::Null);
                map.insert(field.key.clone(), value);
            }
            // Anything else the executor wrote stays, after the selected keys.
            map.extend(old);
        }
        let mut bubble = Ok(());
        for field in &collected {
            let name = field.fields[0].name.node.as_str();
            let Some(model) = self.model.field(ty, name) else {
                continue; // `__typename`, introspection: written by the executor
            };
            let Some(value) = map.get_mut(field.key) else {
                continue;
            };
            let sets: Vec<&'a SelectionSet> =
                field.fields.iter().map(|f| &f.selection_set.node).collect();
            self.path.push(Step::Key(field.key.as_str()));
            if self.value(&model.ty, &sets, value).is_err() {
                bubble = Err(NullBubble);
            }
            self.path.pop();
        }
        bubble
    }

    /// Completes a value of type `ty`; `Err` when it must be `null` but `ty` is non-null.
    fn value(
        &mut self,
        ty: &Type,
        sets: &[&'a SelectionSet],
        value: &mut Value,
    ) -> Result<(), NullBubble> {
        let result = self.complete(ty, sets, value);
        if result.is_err() && ty.nullable {
            *value = Value::Null;
            return Ok(());
        }
        result
    }

    fn complete(
        &mut self,
        ty: &Type,
        sets: &[&'a SelectionSet],
        value: &mut Value,
    ) -> Result<(), NullBubble> {
        match &ty.base {
            BaseType::List(inner) => match value {
                Value::Null if ty.nullable => Ok(()),
                Value::Null => Err(NullBubble),
                Value::List(items) => {
                    let mut result = Ok(());
                    for (index, item) in items.iter_mut().enumerate() {
                        self.path.push(Step::Index(index));
                        if self.value(inner, sets, item).is_err() {
                            result = Err(NullBubble);
                        }
                        self.path.pop();
                    }
                    result
                }
                _ => Ok(()),
            },
            BaseType::Named(name) => {
                let object = self.model.is_object(name);
                match value {
                    // async-graphql's `null` for an object none of whose fields
                    // succeeded: where it is non-null, or where an error under it shows
                    // it existed, rebuild it from the selection.
                    Value::Null if object && (!ty.nullable || self.errors_below()) => {
                        let mut map = IndexMap::new();
                        let result = self.object(name, sets, &mut map);
                        *value = Value::Object(map);
                        result
                    }
                    Value::Null if ty.nullable => Ok(()),
                    Value::Null => Err(NullBubble),
                    Value::Object(map) if object => self.object(name, sets, map),
                    _ => Ok(()),
                }
            }
        }
    }

    /// Whether an error was raised strictly below the current path.
    fn errors_below(&self) -> bool {
        self.errors.iter().any(|error| {
            error.path.len() > self.path.len()
                && error
                    .path
                    .iter()
                    .zip(&self.path)
                    .all(|(seg, step)| match (seg, step) {
                        (PathSegment::Field(a), Step::Key(b)) => a == b,
                        (PathSegment::Index(a), Step::Index(b)) => a == b,
                        _ => false,
                    })
        })
    }
}
