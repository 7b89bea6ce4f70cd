//! Bounds on input lists, checked on every argument (literal or variable) before the
//! operation runs: no list argument or list inside an input object may hold more than
//! [`MAX_INPUT_LIST`] items, except the few documented in [`LARGER_LISTS`]. Without it a
//! filter with 40,000 statuses reached the database and failed there (SQLite's limit
//! on bound parameters) as an internal error.
//!
//! Services keep their own, often tighter, rules (e.g. 50 ids per bulk update); this is
//! the floor every list shares, with an error naming the argument.

use async_graphql::parser::types::{Field, SelectionSet};
use async_graphql::{ServerError, Value};

use super::selection::{Operation, collect};

/// Most items of one input list.
pub const MAX_INPUT_LIST: usize = 100;

/// Input lists allowed to be longer: `(field, argument, most items)`.
pub const LARGER_LISTS: &[(&str, &str, usize)] = &[("bulkCreateClients", "inputs", 500)];

/// Refuses the first over-long input list of `operation`, naming where it is.
pub fn check(operation: &Operation<'_>) -> Result<(), ServerError> {
    check_sets(operation, &[&operation.definition.selection_set.node])
}

fn check_sets(operation: &Operation<'_>, sets: &[&SelectionSet]) -> Result<(), ServerError> {
    for collected in collect(operation.document, sets, None) {
        for field in &collected.fields {
            check_field(operation, field)?;
        }
        let children: Vec<&SelectionSet> = collected
            .fields
            .iter()
            .map(|f| &f.selection_set.node)
            .collect();
        check_sets(operation, &children)?;
    }
    Ok(())
}

fn check_field(operation: &Operation<'_>, field: &Field) -> Result<(), ServerError> {
    let name = field.name.node.as_str();
    for (argument, value) in &field.arguments {
        let argument = argument.node.as_str();
        let Some(value) = operation.variables.resolve(&value.node) else {
            continue; // an unknown variable: validation reports it
        };
        let top = LARGER_LISTS
            .iter()
            .find(|(f, a, _)| *f == name && *a == argument)
            .map_or(MAX_INPUT_LIST, |(_, _, most)| *most);
        check_value(&value, argument, top).map_err(|(path, len, most)| {
            let mut error = ServerError::new(
                format!("`{path}` holds {len} items; the limit is {most}"),
                Some(field.name.pos),
            );
            let mut extensions = async_graphql::ErrorExtensionValues::default();
            extensions.set("code", crate::error::code::BAD_USER_INPUT);
            extensions.set("field", path);
            error.extensions = Some(extensions);
            error
        })?;
    }
    Ok(())
}

/// `most` applies to `value` itself when it is a list; nested lists get the default.
fn check_value(value: &Value, path: &str, most: usize) -> Result<(), (String, usize, usize)> {
    match value {
        Value::List(items) => {
            if items.len() > most {
                return Err((path.to_owned(), items.len(), most));
            }
            for (index, item) in items.iter().enumerate() {
                check_value(item, &format!("{path}[{index}]"), MAX_INPUT_LIST)?;
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                check_value(item, &format!("{path}.{key}"), MAX_INPUT_LIST)?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::Variables;
    use async_graphql::parser::parse_query;

    fn run(query: &str, variables: serde_json::Value) -> Result<(), ServerError> {
        let document = parse_query(query).unwrap();
        let variables = Variables::from_json(variables);
        let operation = Operation::select(&document, None, &variables).unwrap();
        check(&operation)
    }

    #[test]
    fn long_lists_are_refused_with_their_path_literal_or_variable() {
        let statuses = vec!["ACTIVE"; 101];
        let error = run(
            "query($s: [ClientStatus!]) { clients(filter: {status: $s}) { totalCount } }",
            serde_json::json!({ "s": statuses }),
        )
        .unwrap_err();
        assert_eq!(
            error.message,
            "`filter.status` holds 101 items; the limit is 100"
        );
        let literal = format!("{{ a(list: [{}]) }}", "1,".repeat(150));
        assert!(run(&literal, serde_json::json!({})).is_err());
        assert!(
            run(
                "{ a(list: [1, 2, 3]) { b(x: [[1]]) } }",
                serde_json::json!({})
            )
            .is_ok()
        );
    }

    #[test]
    fn bulk_create_takes_up_to_500_inputs() {
        let inputs = vec![serde_json::json!({ "name": "x" }); 500];
        let query =
            "mutation($i: [NewClientInput!]!) { bulkCreateClients(inputs: $i) { created } }";
        assert!(run(query, serde_json::json!({ "i": inputs })).is_ok());
        let inputs = vec![serde_json::json!({ "name": "x" }); 501];
        assert!(run(query, serde_json::json!({ "i": inputs })).is_err());
    }
}
