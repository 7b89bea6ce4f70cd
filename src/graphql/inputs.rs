//! Bounds on input values, checked on every argument (literal or variable) before the
//! operation runs, guided by the schema's argument and input-object types:
//! - no list argument or list inside an input object may hold more than
//!   [`MAX_INPUT_LIST`] items, except the few documented in [`LARGER_LISTS`] (without it
//!   a filter with 40,000 statuses reached the database and failed there, on SQLite's
//!   limit of bound parameters, as an internal error);
//! - every `NaiveDate` / `DateTime` lies in the years [`YEARS`] (1900-2200).
//!
//! Services keep their own, often tighter, rules (e.g. 50 ids per bulk update); this is
//! the floor every list shares, with an error naming the argument.

use async_graphql::parser::types::{BaseType, Field, SelectionSet, Type};
use async_graphql::{ServerError, Value};

use super::model::{FieldModel, SchemaModel, named};
use super::selection::{Operation, collect};

/// Most items of one input list.
pub const MAX_INPUT_LIST: usize = 100;

/// Input lists allowed to be longer: `(field, argument, most items)`.
pub const LARGER_LISTS: &[(&str, &str, usize)] = &[("bulkCreateClients", "inputs", 500)];

/// Earliest and latest year a date or instant argument may name: outside it a date is
/// a typo or an attack on date arithmetic, never a client's real data.
pub const YEARS: std::ops::RangeInclusive<i64> = 1900..=2200;

/// Refuses the first over-long input list, or date out of [`YEARS`], of `operation`,
/// naming where it is.
pub fn check(model: &SchemaModel, operation: &Operation<'_>) -> Result<(), ServerError> {
    let root = model.root(operation.definition.ty);
    check_sets(
        model,
        operation,
        root,
        &[&operation.definition.selection_set.node],
    )
}

fn check_sets(
    model: &SchemaModel,
    operation: &Operation<'_>,
    ty: &str,
    sets: &[&SelectionSet],
) -> Result<(), ServerError> {
    for collected in collect(operation.document, sets, None) {
        let definition = model.field(ty, collected.fields[0].name.node.as_str());
        for field in &collected.fields {
            check_field(model, operation, definition, field)?;
        }
        let Some(definition) = definition else {
            continue;
        };
        let children: Vec<&SelectionSet> = collected
            .fields
            .iter()
            .map(|f| &f.selection_set.node)
            .collect();
        check_sets(model, operation, definition.named_type(), &children)?;
    }
    Ok(())
}

fn check_field(
    model: &SchemaModel,
    operation: &Operation<'_>,
    definition: Option<&FieldModel>,
    field: &Field,
) -> Result<(), ServerError> {
    let name = field.name.node.as_str();
    for (argument, value) in &field.arguments {
        let ty = definition.and_then(|d| d.arg_types.get(&argument.node));
        let argument = argument.node.as_str();
        let Some(value) = operation.variables.resolve(&value.node) else {
            continue; // an unknown variable: validation reports it
        };
        let top = LARGER_LISTS
            .iter()
            .find(|(f, a, _)| *f == name && *a == argument)
            .map_or(MAX_INPUT_LIST, |(_, _, most)| *most);
        let checker = Checker { model };
        checker
            .value(&value, ty, argument, top)
            .map_err(|(path, message)| {
                let mut error = ServerError::new(message, Some(field.name.pos));
                let mut extensions = async_graphql::ErrorExtensionValues::default();
                extensions.set("code", crate::error::code::BAD_USER_INPUT);
                extensions.set("field", path);
                error.extensions = Some(extensions);
                error
            })?;
    }
    Ok(())
}

struct Checker<'m> {
    model: &'m SchemaModel,
}

impl Checker<'_> {
    /// `most` applies to `value` itself when it is a list; nested lists get the
    /// default. `ty`, when known, guides into input objects and finds dates.
    fn value(
        &self,
        value: &Value,
        ty: Option<&Type>,
        path: &str,
        most: usize,
    ) -> Result<(), (String, String)> {
        let inner = ty.and_then(|t| match &t.base {
            BaseType::List(inner) => Some(inner.as_ref()),
            BaseType::Named(_) => None,
        });
        match value {
            Value::List(items) => {
                if items.len() > most {
                    return Err((
                        path.to_owned(),
                        format!("`{path}` holds {} items; the limit is {most}", items.len()),
                    ));
                }
                for (index, item) in items.iter().enumerate() {
                    self.value(item, inner, &format!("{path}[{index}]"), MAX_INPUT_LIST)?;
                }
            }
            Value::Object(fields) => {
                let input = ty.map(named);
                for (key, item) in fields {
                    let field_ty = input.and_then(|i| self.model.input_field(i, key.as_str()));
                    self.value(item, field_ty, &format!("{path}.{key}"), MAX_INPUT_LIST)?;
                }
            }
            Value::String(text)
                if ty.is_some_and(|t| matches!(named(t), "NaiveDate" | "DateTime")) =>
            {
                if let Some(year) = leading_year(text)
                    && !YEARS.contains(&year)
                {
                    return Err((
                        path.to_owned(),
                        format!(
                            "`{path}` is in the year {year}; dates must lie between {} and {}",
                            YEARS.start(),
                            YEARS.end()
                        ),
                    ));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// The year a date or RFC 3339 instant starts with (`2026-12-01…`, `+12026-…`,
/// `-0044-…`); `None` when it does not look like one (the scalar then refuses it).
fn leading_year(text: &str) -> Option<i64> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => (1, text),
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if digits.len() < 4 || !rest[digits.len()..].starts_with('-') {
        return None;
    }
    digits.parse::<i64>().ok().map(|y| sign * y)
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
        check(SchemaModel::shared(), &operation)
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
    fn dates_outside_1900_to_2200_are_refused_wherever_they_are() {
        let error = run(
            "query($d: DateTime) { communications(filter: {from: $d}) { totalCount } }",
            serde_json::json!({ "d": "9999-12-31T00:00:00Z" }),
        )
        .unwrap_err();
        assert!(error.message.contains("year 9999"), "{}", error.message);
        let literal =
            r#"mutation { createClient(input: {name: "x", foundedOn: "1066-10-14"}) { id } }"#;
        assert!(run(literal, serde_json::json!({})).is_err());
        let fine =
            r#"mutation { createClient(input: {name: "x", foundedOn: "1999-10-14"}) { id } }"#;
        assert!(run(fine, serde_json::json!({})).is_ok());
        assert_eq!(leading_year("+12026-01-01"), Some(12026));
        assert_eq!(leading_year("-0044-03-15"), Some(-44));
        assert_eq!(leading_year("tomorrow"), None);
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
