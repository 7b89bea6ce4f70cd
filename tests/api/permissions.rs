//! The permission matrix, discovered from the schema itself: every root field whose doc
//! says "Requires `resource:action`" is called as every role, and each role must be
//! refused (FORBIDDEN) exactly when the role table denies it that permission. A field
//! guarded without saying so, or saying so without a guard, fails this test; so does a
//! new field, without anyone having to list it here.

use std::collections::HashMap;

use clientgraph::auth::{Permission, Role};
use serde_json::{Value, json};

use crate::helpers::{error_codes, multipart, part, spawn_app};

const TYPE_REF: &str = "fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

/// Root fields anyone may call without a credential.
const PUBLIC_FIELDS: [&str; 3] = ["login", "refreshToken", "serverInfo"];

struct Schema {
    types: HashMap<String, Value>,
}

/// The named type under NON_NULL / LIST wrappers, and whether it is required.
fn named(type_ref: &Value) -> (&str, &str, bool) {
    let required = type_ref["kind"] == "NON_NULL";
    let mut t = type_ref;
    while t["name"].is_null() {
        t = &t["ofType"];
    }
    (
        t["kind"].as_str().unwrap(),
        t["name"].as_str().unwrap(),
        required,
    )
}

impl Schema {
    /// A literal of `type_ref` for an argument or input field called `name`.
    fn literal(&self, name: &str, type_ref: &Value) -> String {
        let (kind, type_name, _) = named(type_ref);
        let is_list = {
            let mut t = type_ref;
            if t["kind"] == "NON_NULL" {
                t = &t["ofType"];
            }
            t["kind"] == "LIST"
        };
        if is_list {
            return "[]".into();
        }
        let lower = name.to_lowercase();
        match (kind, type_name) {
            ("SCALAR", "ID") => format!("\"{}\"", uuid::Uuid::new_v4()),
            ("SCALAR", "Int") => "1".into(),
            ("SCALAR", "Float") => "1.0".into(),
            ("SCALAR", "Boolean") => "false".into(),
            ("SCALAR", "DateTime") => "\"2099-01-01T00:00:00Z\"".into(),
            ("SCALAR", "NaiveDate") => "\"2099-01-01\"".into(),
            ("SCALAR", "JSON") => "{}".into(),
            // Files only travel in multipart requests, through a variable.
            ("SCALAR", "Upload") => "$upload".into(),
            ("SCALAR", _) if lower.contains("email") => "\"probe@example.com\"".into(),
            ("SCALAR", _) if lower.contains("password") => "\"probe-password-123\"".into(),
            ("SCALAR", _) => "\"probe\"".into(),
            ("ENUM", _) => self.types[type_name]["enumValues"][0]["name"]
                .as_str()
                .unwrap()
                .into(),
            ("INPUT_OBJECT", _) => {
                let fields: Vec<String> = self.types[type_name]["inputFields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|f| named(&f["type"]).2)
                    .map(|f| {
                        let field = f["name"].as_str().unwrap();
                        format!("{field}: {}", self.literal(field, &f["type"]))
                    })
                    .collect();
                format!("{{ {} }}", fields.join(", "))
            }
            other => panic!("no literal for {other:?}"),
        }
    }

    /// `mutation { field(requiredArgs…) { __typename } }`.
    fn operation(&self, root: &str, field: &Value) -> String {
        let args: Vec<String> = field["args"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| named(&a["type"]).2)
            .map(|a| {
                let name = a["name"].as_str().unwrap();
                format!("{name}: {}", self.literal(name, &a["type"]))
            })
            .collect();
        let args = if args.is_empty() {
            String::new()
        } else {
            format!("({})", args.join(", "))
        };
        let (kind, _, _) = named(&field["type"]);
        let selection = if matches!(kind, "OBJECT" | "INTERFACE" | "UNION") {
            " { __typename }"
        } else {
            ""
        };
        let variables = if args.contains("$upload") {
            "($upload: Upload!)"
        } else {
            ""
        };
        format!(
            "{root}{variables} {{ {}{args}{selection} }}",
            field["name"].as_str().unwrap()
        )
    }
}

/// `Requires \`x:y\`.` in a field's description.
fn required_permission(field: &Value) -> Option<Permission> {
    let description = field["description"]
        .as_str()?
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let start = description.find("Requires `")? + "Requires `".len();
    let end = description[start..].find('`')? + start;
    let name = &description[start..end];
    Some(Permission::parse(name).unwrap_or_else(|| panic!("unknown permission {name} in docs")))
}

#[tokio::test]
async fn every_guarded_root_field_refuses_exactly_the_roles_the_table_denies() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let query = format!(
        "{{ __schema {{ queryType {{ fields {{ name description args {{ name type {{ ...T }} }} type {{ ...T }} }} }}
           mutationType {{ fields {{ name description args {{ name type {{ ...T }} }} type {{ ...T }} }} }}
           types {{ name kind enumValues {{ name }} inputFields {{ name type {{ ...T }} }} }} }} }} {TYPE_REF}"
    );
    let introspection = app.graphql(&query, json!({})).await;
    let schema_json = &introspection["data"]["__schema"];
    let schema = Schema {
        types: schema_json["types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["name"].as_str().unwrap().to_owned(), t.clone()))
            .collect(),
    };
    let mut roots = Vec::new();
    for (root, key) in [("query", "queryType"), ("mutation", "mutationType")] {
        for field in schema_json[key]["fields"].as_array().unwrap() {
            roots.push((
                field["name"].as_str().unwrap().to_owned(),
                schema.operation(root, field),
                required_permission(field),
            ));
        }
    }
    assert!(
        roots.iter().filter(|(_, _, p)| p.is_some()).count() >= 8,
        "guarded fields found"
    );

    let mut checked = 0;
    for role in Role::ALL {
        let (user_id, _) = app.create_user(&tenant, role).await;
        for (name, operation, permission) in &roots {
            // A fresh token per call: `logout` revokes the one it is called with.
            let token = app.token_for(&tenant, user_id, role);
            let body = if operation.contains("$upload") {
                let file = [part("variables.upload", "probe.txt", b"probe\n")];
                app.upload(&token, operation, json!({ "upload": null }), &file)
                    .await
            } else {
                app.graphql_as(&token, operation, json!({})).await
            };
            let codes = error_codes(&body);
            assert!(
                !codes
                    .iter()
                    .any(|c| c == "UNAUTHENTICATED" && *name != "login" && *name != "refreshToken"),
                "{role:?} {operation}: {body}"
            );
            let refused = codes.iter().any(|c| c == "FORBIDDEN");
            let expected = permission.is_some_and(|p| !role.has(p));
            assert_eq!(
                refused,
                expected,
                "{role:?} calling {operation} (needs {:?}): {body}",
                permission.map(|p| p.as_str())
            );
            checked += 1;
        }
    }
    assert_eq!(checked, roots.len() * Role::ALL.len());

    // Without a credential only the public fields answer; the rest are UNAUTHENTICATED.
    for (name, operation, _) in &roots {
        let body: Value = if operation.contains("$upload") {
            let file = [part("variables.upload", "probe.txt", b"probe\n")];
            let (content_type, body) = multipart(operation, json!({ "upload": null }), &file);
            app.client
                .post(app.url("/graphql"))
                .header("content-type", content_type)
                .header("graphql-require-preflight", "1")
                .body(body)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        } else {
            app.graphql(operation, json!({})).await
        };
        let unauthenticated = error_codes(&body).iter().any(|c| c == "UNAUTHENTICATED");
        let public = PUBLIC_FIELDS.contains(&name.as_str());
        if public {
            assert!(
                name == "login" || name == "refreshToken" || !unauthenticated,
                "{operation}: {body}"
            );
        } else {
            assert!(unauthenticated, "anonymous {operation}: {body}");
        }
    }
}
