//! Health, readiness and request ids.

use crate::helpers::spawn_app;

#[tokio::test]
async fn health_answers_ok() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn ready_turns_503_when_the_database_is_gone() {
    let app = spawn_app().await;
    let ready = app.client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 200);

    app.db
        .system("test inspection")
        .conn()
        .close_by_ref()
        .await
        .unwrap();

    let ready = app.client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["database"], "unreachable");
    // Liveness does not depend on the database.
    let health = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn a_client_request_id_is_echoed_and_a_missing_one_is_generated() {
    let app = spawn_app().await;
    let given = app
        .client
        .get(app.url("/health"))
        .header("X-Request-Id", "trace-abc_123")
        .send()
        .await
        .unwrap();
    assert_eq!(given.headers()["x-request-id"], "trace-abc_123");

    let generated = app.client.get(app.url("/health")).send().await.unwrap();
    let id = generated.headers()["x-request-id"].to_str().unwrap();
    assert!(
        uuid::Uuid::parse_str(id).is_ok(),
        "generated id {id} is a UUID"
    );

    // A hostile id (log injection, oversize) is replaced, not echoed.
    let hostile = app
        .client
        .post(app.url("/graphql"))
        .header("X-Request-Id", "x".repeat(500))
        .json(&serde_json::json!({"query": "{ serverInfo { version } }"}))
        .send()
        .await
        .unwrap();
    let id = hostile.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok());
}

#[tokio::test]
async fn unknown_routes_are_404() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/nope")).send().await.unwrap();
    assert_eq!(response.status(), 404);
}
