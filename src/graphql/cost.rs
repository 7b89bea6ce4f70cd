//! The cost of an operation, computed before it executes, as Apollo's demand control and
//! GraphQL Armor's cost limit do: every field costs 1, and a list multiplies the cost of
//! what is selected in each item by how many items it may hold.
//!
//! How many items a list may hold:
//! - a connection's `edges` / `nodes`: the connection field's `first` or `last`, or the
//!   largest page ([`MAX_PAGE_SIZE`]) when neither is given;
//! - a plain list with a `first` argument: that argument, or its maximum when omitted;
//! - any other list of objects: its documented maximum in [`LIST_BOUNDS`] (a unit test
//!   fails when a list of objects has neither page arguments nor an entry there, so no
//!   list is unbounded);
//! - lists of scalars and enums cost 1 (their items are values, not resolvers).
//!
//! Mutation root fields cost [`MUTATION_COST`] more: each runs a write transaction.
//! The walk needs the document to have passed the expanded-field limit first (it visits
//! every expanded field once).

use async_graphql::parser::types::SelectionSet;

use super::model::SchemaModel;
use super::selection::{Operation, collect};
use crate::service::page::MAX_PAGE_SIZE;

/// The largest number of items of the lists that take no page arguments (the server
/// never returns more; each is documented on its field).
pub const LIST_BOUNDS: &[(&str, &str, u64)] = &[
    ("BulkResult", "results", 500),
    ("Client", "analytics", 366),
    (
        "Client",
        "addresses",
        crate::service::clients::MAX_ADDRESSES as u64,
    ),
    ("ClientSummary", "byStatus", 4),
    (
        "ClientEvent",
        "changedFields",
        crate::graphql::subscription::MAX_CHANGED_FIELDS as u64,
    ),
    (
        "Communication",
        "attachments",
        crate::graphql::types::MAX_LISTED as u64,
    ),
    (
        "Document",
        "versions",
        crate::graphql::types::MAX_LISTED as u64,
    ),
    (
        "FeedbackSummary",
        "trend",
        crate::graphql::types::MAX_LISTED as u64,
    ),
    ("Mutation", "bulkLinkJobs", 50),
    ("Query", "apiKeys", crate::graphql::types::MAX_LISTED as u64),
];

/// The extra cost of each mutation root field.
pub const MUTATION_COST: u64 = 10;

/// What `__schema` / `__type` cost (the schema's introspection is static and bounded).
const INTROSPECTION_COST: u64 = 1_000;

/// The cost of `operation` against `model`.
pub fn of_operation(model: &SchemaModel, operation: &Operation<'_>) -> u64 {
    let walker = Walker { model, operation };
    let root = model.root(operation.definition.ty);
    walker.set_cost(
        root,
        &[&operation.definition.selection_set.node],
        None,
        operation.is_mutation(),
    )
}

struct Walker<'m, 'o, 'a> {
    model: &'m SchemaModel,
    operation: &'o Operation<'a>,
}

impl<'a> Walker<'_, '_, 'a> {
    /// `page`: set on a connection type, the size of its `edges` / `nodes`.
    fn set_cost(
        &self,
        ty: &str,
        sets: &[&'a SelectionSet],
        page: Option<u64>,
        is_mutation_root: bool,
    ) -> u64 {
        let mut total: u64 = 0;
        for collected in collect(self.operation.document, sets, None) {
            let field = collected.fields[0];
            let name = field.name.node.as_str();
            if name == "__typename" {
                total = total.saturating_add(1);
                continue;
            }
            if name.starts_with("__") {
                total = total.saturating_add(INTROSPECTION_COST);
                continue;
            }
            let Some(model) = self.model.field(ty, name) else {
                continue; // validation reports the unknown field
            };
            let child = model.named_type();
            let vars = &self.operation.variables;
            let requested = || {
                vars.int_argument(field, "first")
                    .or_else(|| vars.int_argument(field, "last"))
                    .map(|n| n.clamp(0, MAX_PAGE_SIZE as i64) as u64)
            };
            let items = if page.is_some() && matches!(name, "edges" | "nodes") {
                page.unwrap_or(1)
            } else if model.is_list() && self.model.is_object(child) {
                if has_page_args(model) {
                    requested().unwrap_or(MAX_PAGE_SIZE as u64)
                } else {
                    list_bound(ty, name).unwrap_or(MAX_PAGE_SIZE as u64)
                }
            } else {
                1
            };
            let children = if self.model.is_object(child) {
                let sets: Vec<&'a SelectionSet> = collected
                    .fields
                    .iter()
                    .map(|f| &f.selection_set.node)
                    .collect();
                let child_page = child
                    .ends_with("Connection")
                    .then(|| requested().unwrap_or(MAX_PAGE_SIZE as u64));
                self.set_cost(child, &sets, child_page, false)
            } else {
                0
            };
            let base = if is_mutation_root {
                1 + MUTATION_COST
            } else {
                1
            };
            total = total.saturating_add(items.saturating_mul(children.saturating_add(base)));
        }
        total
    }
}

fn has_page_args(field: &super::model::FieldModel) -> bool {
    field
        .args
        .keys()
        .any(|name| matches!(name.as_str(), "first" | "last"))
}

fn list_bound(ty: &str, field: &str) -> Option<u64> {
    LIST_BOUNDS
        .iter()
        .find(|(t, f, _)| *t == ty && *f == field)
        .map(|(_, _, bound)| *bound)
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::Variables;
    use async_graphql::parser::parse_query;

    fn cost(query: &str) -> u64 {
        cost_with(query, Variables::default())
    }

    fn cost_with(query: &str, variables: Variables) -> u64 {
        let model = SchemaModel::of_schema();
        let document = parse_query(query).unwrap();
        let operation = Operation::select(&document, None, &variables).unwrap();
        of_operation(&model, &operation)
    }

    #[test]
    fn every_list_of_objects_is_bounded() {
        let model = SchemaModel::of_schema();
        let mut unbounded = Vec::new();
        for (ty, name, field) in model.all_fields() {
            let connection_list = ty.ends_with("Connection") && matches!(name, "edges" | "nodes");
            if field.is_list()
                && model.is_object(field.named_type())
                && !connection_list
                && !has_page_args(field)
                && list_bound(ty, name).is_none()
            {
                unbounded.push(format!("{ty}.{name}"));
            }
        }
        assert!(
            unbounded.is_empty(),
            "lists without page arguments or an entry in LIST_BOUNDS: {unbounded:?}"
        );
        for (ty, name, _) in LIST_BOUNDS {
            assert!(
                model.field(ty, name).is_some(),
                "{ty}.{name} is not in the schema"
            );
        }
    }

    #[test]
    fn lists_multiply_what_each_item_selects() {
        // 1 (clients) + 10 × (1 edge + 1 node + 1 name)
        assert_eq!(
            cost("{ clients(first: 10) { edges { node { name } } } }"),
            31
        );
        // Without `first` a connection is charged at its largest page.
        assert_eq!(cost("{ clients { nodes { id } } }"), 1 + 100 * 2);
        // `last` counts like `first`; variables are resolved, defaults included.
        assert_eq!(cost("{ clients(last: 5) { nodes { id } } }"), 1 + 5 * 2);
        let vars = Variables::from_json(serde_json::json!({ "n": 3 }));
        assert_eq!(
            cost_with(
                "query Q($n: Int) { clients(first: $n) { nodes { id } } }",
                vars
            ),
            1 + 3 * 2
        );
        assert_eq!(
            cost("query Q($n: Int = 4) { clients(first: $n) { nodes { id } } }"),
            1 + 4 * 2
        );
        // Scalars and lists of scalars cost 1; totals are not multiplied.
        assert_eq!(cost("{ clients(first: 10) { totalCount } }"), 2);
    }

    #[test]
    fn the_nested_subsidiaries_query_costs_millions() {
        let query = r#"{client(id:"00000000-0000-0000-0000-000000000000"){subsidiaries{parent{subsidiaries{parent{subsidiaries{id}}}}}}}"#;
        assert!(cost(query) > 1_000_000, "{}", cost(query));
    }

    #[test]
    fn fragments_and_repeated_keys_count_once_per_response_key() {
        let plain = cost("{ clients(first: 2) { nodes { id name } } }");
        let fragmented =
            cost("{ clients(first: 2) { nodes { ...F id } } } fragment F on Client { id name }");
        assert_eq!(plain, fragmented);
    }

    #[test]
    fn every_readme_example_fits_the_default_budget() {
        let readme = include_str!("../../README.md");
        let model = SchemaModel::of_schema();
        let mut checked = 0;
        for block in readme.split("```graphql").skip(1) {
            let block = block.split("```").next().unwrap_or_default();
            // A block may hold several one-line documents.
            let documents: Vec<&str> = if block.trim_start().starts_with("{ ") {
                block.lines().filter(|l| !l.trim().is_empty()).collect()
            } else {
                vec![block]
            };
            for document in documents {
                let document = document.split("  #").next().unwrap_or_default();
                let Ok(parsed) = parse_query(document) else {
                    panic!("README example does not parse: {document}");
                };
                let variables = Variables::default();
                let Some(operation) = Operation::select(&parsed, None, &variables) else {
                    continue;
                };
                let cost = of_operation(&model, &operation);
                assert!(cost <= 50_000, "README example costs {cost}: {document}");
                checked += 1;
            }
        }
        assert!(checked >= 10, "only {checked} README examples found");
    }

    #[test]
    fn mutations_cost_more() {
        assert_eq!(cost("mutation { logout }"), 1 + MUTATION_COST);
    }
}
