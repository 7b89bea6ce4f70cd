//! GraphQL over HTTP: POST and GET, content negotiation, batching, CSRF refusal.

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{first_error_code, spawn_app, spawn_app_with};

#[tokio::test]
async fn server_info_answers_over_post() {
    let app = spawn_app().await;
    let response = app
        .post_graphql(json!({"query": "{ serverInfo { version database schemaVersion } }"}))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: Value = response.json().await.unwrap();
    let info = &body["data"]["serverInfo"];
    // The version is only for signed-in callers.
    assert!(info["version"].is_null(), "{body}");
    let expected = if app.database.is_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(info["database"], expected);
    assert!(info["schemaVersion"].as_str().unwrap().starts_with('m'));
    assert!(body.get("errors").is_none());
}

#[tokio::test]
async fn queries_run_over_get() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[
            ("query", "query Info { serverInfo { database } }"),
            ("operationName", "Info"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert!(body["data"]["serverInfo"]["database"].is_string(), "{body}");
}

#[tokio::test]
async fn mutations_over_get_are_refused_with_405() {
    let app = spawn_app().await;
    for (query, operation) in [
        ("mutation { anything }", None),
        (
            "query A { serverInfo { version } } mutation B { anything }",
            Some("B"),
        ),
        ("subscription { anything }", None),
    ] {
        let mut params = vec![("query", query)];
        if let Some(op) = operation {
            params.push(("operationName", op));
        }
        let response = app
            .client
            .get(app.url("/graphql"))
            .query(&params)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405, "{query}");
        assert_eq!(response.headers()["allow"], "POST");
        let body: Value = response.json().await.unwrap();
        assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"));
    }
}

#[tokio::test]
async fn the_graphql_response_media_type_is_honoured() {
    let app = spawn_app().await;
    let send = |accept: &'static str, query: &'static str| {
        app.client
            .post(app.url("/graphql"))
            .header("Accept", accept)
            .json(&json!({ "query": query }))
            .send()
    };
    // Valid request, new media type.
    let ok = send(
        "application/graphql-response+json",
        "{ serverInfo { version } }",
    )
    .await
    .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(
        ok.headers()["content-type"],
        "application/graphql-response+json"
    );

    // A request error under the new media type is a 400 ...
    let bad = send("application/graphql-response+json", "{ serverInfo { ")
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"));

    // ... and a 200 under the legacy application/json.
    let legacy = send("application/json", "{ nosuchfield }").await.unwrap();
    assert_eq!(legacy.status(), 200);
    assert_eq!(legacy.headers()["content-type"], "application/json");
    let body: Value = legacy.json().await.unwrap();
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"));

    // Nothing acceptable: 406.
    let none = send("text/xml", "{ serverInfo { version } }")
        .await
        .unwrap();
    assert_eq!(none.status(), 406);
}

#[tokio::test]
async fn batches_are_bounded() {
    let app = spawn_app_with(|c| c.max_batch = 3).await;
    let one = json!({"query": "{ serverInfo { database } }"});
    let ok = app.post_graphql(json!([one, one])).await;
    assert_eq!(ok.status(), 200);
    let body: Value = ok.json().await.unwrap();
    assert_eq!(body.as_array().unwrap().len(), 2);
    assert!(
        body[1]["data"]["serverInfo"]["database"].is_string(),
        "{body}"
    );

    let too_many = app.post_graphql(json!([one, one, one, one])).await;
    assert_eq!(too_many.status(), 400);
    let body: Value = too_many.json().await.unwrap();
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"));

    let off = spawn_app_with(|c| c.max_batch = 0).await;
    let refused = off.post_graphql(json!([one])).await;
    assert_eq!(refused.status(), 400);
}

#[tokio::test]
async fn posts_a_browser_form_could_send_are_refused() {
    let app = spawn_app().await;
    let body = r#"{"query":"mutation { anything }"}"#;
    for content_type in [
        Some("text/plain"),
        Some("text/plain;charset=UTF-8"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let mut request = app.client.post(app.url("/graphql")).body(body);
        if let Some(ct) = content_type {
            request = request.header("Content-Type", ct);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 400, "{content_type:?}");
        let json: Value = response.json().await.unwrap();
        assert_eq!(first_error_code(&json), Some("BAD_USER_INPUT"));
        assert!(
            json["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("cross-site")
        );
        assert!(json.get("data").is_none(), "nothing executed");
    }
    // With a preflight header the request is no longer a CSRF risk, but it must still
    // be JSON.
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("Content-Type", "text/plain")
        .header("GraphQL-Require-Preflight", "1")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
}

#[tokio::test]
async fn csrf_prevention_can_be_switched_off() {
    let app = spawn_app_with(|c| c.csrf_prevention = false).await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("Content-Type", "text/plain")
        .body(r#"{"query":"{ serverInfo { database } }"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert!(body["data"]["serverInfo"]["database"].is_string(), "{body}");
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_payload_too_large() {
    let app = spawn_app_with(|c| c.body_limit_bytes = 1024).await;
    let padding = " ".repeat(2000);
    let response = app
        .post_graphql(json!({"query": format!("{{ serverInfo {{ version {padding} }} }}")}))
        .await;
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(first_error_code(&body), Some("PAYLOAD_TOO_LARGE"));

    // Without Content-Length (chunked), reading stops at the limit all the same.
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = "POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
                Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = "x".repeat(600);
    for _ in 0..4 {
        let framed = format!("{:x}\r\n{chunk}\r\n", chunk.len());
        if stream.write_all(framed.as_bytes()).await.is_err() {
            break; // the server may already have answered and closed
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("PAYLOAD_TOO_LARGE"));
}

#[tokio::test]
async fn malformed_json_is_a_clear_400() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"));
}
