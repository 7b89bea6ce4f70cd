//! What browsers and production deployments need: CORS for apps on other origins,
//! introspection and suggestions for authenticated callers only, JSON error bodies on
//! every route (timeouts included), and writes that are never cut in half.

use std::time::{Duration, Instant};

use clientgraph::auth::Role;
use clientgraph::config::Exposure;
use serde_json::{Value, json};

use crate::helpers::{TestApp, first_error_code, spawn_app, spawn_app_with};

const APP_ORIGIN: &str = "https://app.example.com";

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(reqwest::Method::OPTIONS, app.url("/graphql"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_app_on_an_allowed_origin_passes_the_preflight_and_reads_the_request_id() {
    let app =
        spawn_app_with(|c| c.cors_origins = format!("{APP_ORIGIN},http://localhost:5173")).await;
    let response = preflight(&app, APP_ORIGIN).await;
    assert!(response.status().is_success(), "{}", response.status());
    let headers = response.headers();
    assert_eq!(headers["access-control-allow-origin"], APP_ORIGIN);
    let allowed = headers["access-control-allow-headers"].to_str().unwrap();
    assert!(
        allowed.contains("authorization") && allowed.contains("content-type"),
        "{allowed}"
    );
    assert!(
        headers["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    assert_eq!(headers["access-control-max-age"], "600");
    assert!(headers.get("access-control-allow-credentials").is_none());

    let response = app
        .client
        .post(app.url("/graphql"))
        .header("origin", APP_ORIGIN)
        .json(&json!({ "query": "{ serverInfo { database } }" }))
        .send()
        .await
        .unwrap();
    let headers = response.headers();
    assert_eq!(headers["access-control-allow-origin"], APP_ORIGIN);
    let exposed = headers["access-control-expose-headers"].to_str().unwrap();
    assert!(exposed.contains("x-request-id"), "{exposed}");
    assert!(headers.get("x-request-id").is_some());
}

#[tokio::test]
async fn an_origin_not_listed_gets_no_cors_permission() {
    let app = spawn_app_with(|c| c.cors_origins = APP_ORIGIN.into()).await;
    let response = preflight(&app, "https://evil.example").await;
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("origin", "https://evil.example")
        .json(&json!({ "query": "{ serverInfo { database } }" }))
        .send()
        .await
        .unwrap();
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    // Without configured origins nothing cross-origin is allowed.
    let closed = spawn_app().await;
    let response = preflight(&closed, APP_ORIGIN).await;
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn introspection_and_suggestions_can_be_kept_to_authenticated_callers() {
    let app = spawn_app_with(|c| {
        c.introspection = Some(Exposure::Authenticated);
        c.suggestions = Some(Exposure::Authenticated);
    })
    .await;
    let tenant = app.create_tenant("acme").await;
    let viewer = app.token(&tenant, Role::Viewer).await;
    let introspect = "{ __schema { queryType { name } } }";
    let body = app.graphql(introspect, json!({})).await;
    assert_eq!(first_error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = app.graphql_as(&viewer, introspect, json!({})).await;
    assert_eq!(
        body["data"]["__schema"]["queryType"]["name"], "Query",
        "{body}"
    );

    let typo = "{ serverInf { database } }";
    let anonymous = app.graphql(typo, json!({})).await;
    assert!(
        !anonymous.to_string().contains("Did you mean"),
        "{anonymous}"
    );
    let signed_in = app.graphql_as(&viewer, typo, json!({})).await;
    assert!(
        signed_in.to_string().contains("Did you mean"),
        "{signed_in}"
    );

    // The version is for signed-in callers only.
    let body = app
        .graphql("{ serverInfo { version database } }", json!({}))
        .await;
    assert!(body["data"]["serverInfo"]["version"].is_null(), "{body}");
    let body = app
        .graphql_as(&viewer, "{ serverInfo { version } }", json!({}))
        .await;
    assert!(body["data"]["serverInfo"]["version"].is_string(), "{body}");

    // Each can be switched off for everyone.
    let off = spawn_app_with(|c| c.introspection = Some(Exposure::Nobody)).await;
    let tenant = off.create_tenant("acme").await;
    let viewer = off.token(&tenant, Role::Viewer).await;
    let body = off.graphql_as(&viewer, introspect, json!({})).await;
    assert_eq!(first_error_code(&body), Some("FORBIDDEN"), "{body}");
    let body = off.graphql_as(&viewer, typo, json!({})).await;
    assert!(!body.to_string().contains("Did you mean"), "{body}");
}

#[tokio::test]
async fn production_mode_keeps_introspection_and_suggestions_to_authenticated_callers() {
    let mut config = clientgraph::Config::with_database("sqlite::memory:");
    config.auth.environment = clientgraph::config::Environment::Production;
    assert_eq!(config.introspection(), Exposure::Authenticated);
    assert_eq!(config.suggestions(), Exposure::Authenticated);
    config.introspection = Some(Exposure::Nobody);
    config.suggestions = Some(Exposure::Everyone);
    assert_eq!(
        config.suggestions(),
        Exposure::Nobody,
        "never more than introspection"
    );
}

#[tokio::test]
async fn every_error_body_is_json_with_a_code_on_every_route() {
    let app = spawn_app_with(|c| c.request_timeout_secs = 0).await;
    let checks = [
        ("/exports/clients", 400, "BAD_USER_INPUT"),
        ("/exports/clients?token=forged", 403, "FORBIDDEN"),
        ("/files/a/b/c?by=x&exp=1&sig=forged", 403, "FORBIDDEN"),
        ("/no/such/route", 404, "NOT_FOUND"),
    ];
    for (path, status, code) in checks {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), status, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(first_error_code(&body), Some(code), "{path}: {body}");
    }
    let response = app.client.put(app.url("/graphql")).send().await.unwrap();
    assert_eq!(response.status(), 405);
    let body: Value = response.json().await.unwrap();
    assert!(first_error_code(&body).is_some(), "{body}");
}

#[tokio::test]
async fn a_query_past_the_time_limit_gets_a_json_408_and_a_mutation_runs_to_its_end() {
    // A limit of 0 s: every query is over it.
    let app = spawn_app_with(|c| c.request_timeout_secs = 0).await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let inputs: Vec<Value> = (0..50)
        .map(|i| json!({ "name": format!("Client {i}") }))
        .collect();
    app.ok_as(
        &admin,
        "mutation($i: [CreateClientInput!]!) { bulkCreateClients(inputs: $i) { succeeded } }",
        json!({ "i": inputs }),
    )
    .await;
    let slow = "{ clients(first: 50) { totalCount nodes { name contacts(first: 5) { totalCount } notes(first: 5) { totalCount } communications(first: 5) { totalCount } healthScore { score } } } }";
    let response = app.post_graphql_as(&admin, slow, json!({})).await;
    assert_eq!(response.status(), 408);
    let body: Value = response.json().await.unwrap();
    assert_eq!(first_error_code(&body), Some("TIMEOUT"), "{body}");

    let response = app
        .post_graphql_as(
            &admin,
            "mutation { a: createClient(input: {name: \"Alpha\"}) { id } b: createClient(input: {name: \"Beta\"}) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["data"]["a"]["id"].is_string() && body["data"]["b"]["id"].is_string(),
        "{body}"
    );

    // The number of writes in one request is bounded instead.
    let eleven: String = (0..11)
        .map(|i| format!("c{i}: createClient(input: {{name: \"Client {i}\"}}) {{ id }} "))
        .collect();
    let response = app
        .post_graphql_as(&admin, &format!("mutation {{ {eleven} }}"), json!({}))
        .await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 10"),
        "{body}"
    );
}

const BULK: &str = "mutation($i: [CreateClientInput!]!) { bulkCreateClients(inputs: $i) { succeeded failed results { code } } }";
const NOTE: &str =
    "mutation($c: ID!) { createNote(clientId: $c, input: {title: \"t\", body: \"b\"}) { id } }";

#[tokio::test]
async fn one_tenants_big_write_is_rolled_back_whole_instead_of_blocking_the_others() {
    let app = spawn_app_with(|c| c.write_budget_ms = Some(150)).await;
    let acme = app.create_tenant("acme").await;
    let globex = app.create_tenant("globex").await;
    let admin = app.token(&acme, Role::Admin).await;
    let other = app.token(&globex, Role::Member).await;
    let client = app.create_client(&other, "Globex Client").await;
    let inputs: Vec<Value> = (0..500)
        .map(|i| json!({ "name": format!("Bulk client {i}"), "website": format!("bulk{i}.example"), "tags": ["a", "b"] }))
        .collect();

    let _timing = crate::helpers::TIMING.read().await;
    let bulk = {
        let (app_url, client, admin, inputs) = (
            app.url("/graphql"),
            app.client.clone(),
            admin.clone(),
            inputs.clone(),
        );
        tokio::spawn(async move {
            let started = Instant::now();
            let response = client
                .post(app_url)
                .bearer_auth(admin)
                .json(&json!({ "query": BULK, "variables": { "i": inputs } }))
                .send()
                .await
                .unwrap();
            (started.elapsed(), response.json::<Value>().await.unwrap())
        })
    };
    let mut latencies = Vec::new();
    for _ in 0..15 {
        let started = Instant::now();
        app.ok_as(&other, NOTE, json!({ "c": client })).await;
        latencies.push(started.elapsed());
    }
    let (_, body) = bulk.await.unwrap();
    assert_eq!(first_error_code(&body), Some("PAYLOAD_TOO_LARGE"), "{body}");
    let data = app
        .ok_as(&admin, "{ clients { totalCount } }", json!({}))
        .await;
    assert_eq!(data["clients"]["totalCount"], 0, "rolled back whole");
    latencies.sort();
    let worst = *latencies.last().unwrap();
    eprintln!("other tenant's createNote during the bulk write: worst {worst:?}");
    assert!(
        worst < Duration::from_millis(600),
        "the other tenant waited {worst:?}"
    );
}
