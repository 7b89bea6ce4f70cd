//! GraphiQL is served with every asset from this server: it works offline.

use crate::helpers::spawn_app;

#[tokio::test]
async fn graphiql_is_served_with_its_assets_from_the_server_itself() {
    let app = spawn_app().await;
    let page = app
        .client
        .get(app.url("/graphql"))
        .header("Accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self'"));
    let html = page.text().await.unwrap();
    assert!(html.contains("id=\"graphiql\""));

    let mut assets = Vec::new();
    for marker in ["src=\"", "href=\""] {
        for piece in html.split(marker).skip(1) {
            assets.push(piece.split('"').next().unwrap().to_owned());
        }
    }
    assert!(
        assets.len() >= 5,
        "page loads its scripts and styles: {assets:?}"
    );
    // `data:` URIs (the empty favicon) load nothing from anywhere.
    assets.retain(|a| !a.starts_with("data:"));
    for asset in &assets {
        assert!(
            asset.starts_with('/'),
            "{asset} must be served by this server, not a CDN"
        );
        let response = app.client.get(app.url(asset)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{asset}");
        let bytes = response.bytes().await.unwrap();
        assert!(bytes.len() > 100, "{asset} has content");
    }
    let bundle = app
        .client
        .get(app.url("/graphiql/graphiql.min.js"))
        .send()
        .await
        .unwrap();
    assert!(
        bundle.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert!(bundle.text().await.unwrap().contains("createFetcher"));
}

#[tokio::test]
async fn non_browser_get_without_query_is_a_clear_error() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/graphql")).send().await.unwrap();
    assert_eq!(response.status(), 400);
    let missing = app
        .client
        .get(app.url("/graphiql/nope.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

/// The schema is the partners' documentation in GraphiQL: every type and every field
/// (input fields included) the server defines has a description. The
/// one exception is the `…Connection` types async-graphql generates, whose fields
/// (`edges`, `nodes`, `pageInfo`) it describes itself.
#[tokio::test]
async fn every_type_and_field_of_the_schema_has_a_description() {
    use clientgraph::auth::Role;
    use serde_json::json;
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let data = app
        .ok_as(
            &admin,
            "{ __schema { types { name kind description \
               fields(includeDeprecated: true) { name description } \
               inputFields { name description } } } }",
            json!({}),
        )
        .await;
    let described = |v: &serde_json::Value| v.as_str().is_some_and(|d| !d.trim().is_empty());
    let mut missing = Vec::new();
    let mut checked = 0;
    for ty in data["__schema"]["types"].as_array().unwrap() {
        let name = ty["name"].as_str().unwrap();
        if name.starts_with("__") || ty["kind"] == "SCALAR" {
            continue;
        }
        checked += 1;
        if !described(&ty["description"]) && !name.ends_with("Connection") {
            missing.push(name.to_owned());
        }
        for list in ["fields", "inputFields"] {
            for field in ty[list].as_array().into_iter().flatten() {
                checked += 1;
                if !described(&field["description"]) {
                    missing.push(format!("{name}.{}", field["name"].as_str().unwrap()));
                }
            }
        }
    }
    assert!(checked > 700, "checked only {checked} types and fields");
    assert!(missing.is_empty(), "undocumented: {missing:?}");
}

/// A stored enumeration is read as the enum it is (SeaORM active enums), so a field
/// backed by a NOT NULL column is a non-null enum, never a nullable one.
#[tokio::test]
async fn stored_enumerations_are_non_null_enums() {
    use clientgraph::auth::Role;
    use serde_json::json;
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let expected = [
        ("Client", "status"),
        ("Address", "kind"),
        ("Contact", "role"),
        ("Note", "format"),
        ("Note", "noteType"),
        ("Note", "priority"),
        ("Note", "status"),
        ("Communication", "communicationType"),
        ("Job", "employmentType"),
        ("Job", "status"),
        ("Application", "stage"),
        ("Document", "docType"),
        ("Document", "visibility"),
    ];
    for (ty, field) in expected {
        let data = app
            .ok_as(
                &admin,
                "query($t: String!) { __type(name: $t) { fields { name type { kind ofType { kind } } } } }",
                json!({ "t": ty }),
            )
            .await;
        let found = data["__type"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == field)
            .unwrap_or_else(|| panic!("{ty}.{field} missing"))
            .clone();
        assert_eq!(
            found["type"],
            json!({ "kind": "NON_NULL", "ofType": { "kind": "ENUM" } }),
            "{ty}.{field}"
        );
    }
}
