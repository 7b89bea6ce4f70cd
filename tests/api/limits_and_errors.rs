//! Query limits and error masking.

use clientgraph::config::Exposure;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::helpers::{first_error_code, spawn_app, spawn_app_with};

#[tokio::test]
async fn internal_errors_do_not_leak_sql_or_details() {
    let app = spawn_app().await;
    // Remove the table `serverInfo.schemaVersion` reads, so the resolver hits a real
    // database error ("no such table", with SQL in its text).
    app.db
        .system("test inspection")
        .conn()
        .execute_unprepared("DROP TABLE seaql_migrations")
        .await
        .unwrap();

    let response = app
        .post_graphql(json!({"query": "{ serverInfo { database schemaVersion } }"}))
        .await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        first_error_code(&body),
        Some("INTERNAL_SERVER_ERROR"),
        "{text}"
    );
    assert_eq!(body["errors"][0]["message"], "Internal server error");
    // The rest of the response still resolves.
    assert!(body["data"]["serverInfo"]["database"].is_string(), "{text}");
    for leak in [
        "seaql",
        "SELECT",
        "no such table",
        "relation",
        "sqlx",
        "Query",
        ".rs",
    ] {
        assert!(!text.contains(leak), "response leaks {leak:?}: {text}");
    }
}

#[tokio::test]
async fn every_error_carries_a_code() {
    let app = spawn_app().await;
    for query in [
        "{",                                          // parse error
        "{ noSuchField }",                            // validation error
        "query($v: Int!) { serverInfo { version } }", // missing variable
    ] {
        let body = app.graphql(query, json!({})).await;
        assert_eq!(
            first_error_code(&body),
            Some("BAD_USER_INPUT"),
            "{query}: {body}"
        );
    }
}

#[tokio::test]
async fn depth_and_complexity_are_limited() {
    let app = spawn_app_with(|c| {
        c.max_depth = 1;
    })
    .await;
    let body = app.graphql("{ serverInfo { version } }", json!({})).await;
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"));
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nested too deep"),
        "{body}"
    );

    let app = spawn_app_with(|c| c.max_cost = 2).await;
    let body = app
        .graphql(
            "{ serverInfo { version database schemaVersion } }",
            json!({}),
        )
        .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("query cost 4 exceeds the limit of 2"),
        "{body}"
    );
}

#[tokio::test]
async fn fragment_fan_out_is_refused_before_validation() {
    let app = spawn_app().await;
    let mut query = String::from("fragment F0 on ServerInfo { version database }\n");
    for level in 1..=10 {
        let spreads = format!("...F{} ", level - 1).repeat(8);
        query.push_str(&format!(
            "fragment F{level} on ServerInfo {{ {spreads} }}\n"
        ));
    }
    query.push_str("{ serverInfo { ...F10 } }");
    let started = std::time::Instant::now();
    let body = app.graphql(&query, json!({})).await;
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"));
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("fields"),
        "{body}"
    );
}

#[tokio::test]
async fn aliases_are_limited() {
    let app = spawn_app_with(|c| c.max_aliases = 2).await;
    let body = app
        .graphql(
            "{ a: serverInfo { version } b: serverInfo { version } c: serverInfo { version } }",
            json!({}),
        )
        .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("aliases"),
        "{body}"
    );
}

#[tokio::test]
async fn introspection_can_be_switched_off() {
    let on = spawn_app().await;
    let body = on
        .graphql("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");

    let off = spawn_app_with(|c| c.introspection = Some(Exposure::Nobody)).await;
    let body = off
        .graphql("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(first_error_code(&body), Some("FORBIDDEN"));
    // No "did you mean" hints either.
    let body = off.graphql("{ serverInf { version } }", json!({})).await;
    assert!(
        !body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Did you mean")
    );
}

#[tokio::test]
async fn fragment_cycles_are_refused_without_recursing() {
    let app = spawn_app().await;
    let body = app
        .graphql(
            "fragment A on ServerInfo { ...B } fragment B on ServerInfo { ...A } { serverInfo { ...A } }",
            json!({}),
        )
        .await;
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"));
}
