//! What reaches the database is bounded and sane: User-Agents capped on every route,
//! invisible direction overrides removed from names, dates within 1900-2200, no hire
//! past a job's openings, and search text taken literally.

use clientgraph::auth::Role;
use serde_json::json;

use crate::helpers::{first_error_code, spawn_app};

#[tokio::test]
async fn user_agents_are_capped_in_every_audit_row_exports_included() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    app.create_client(&admin, "Alpha").await;
    let long = "x".repeat(60_000);
    let data = app
        .ok_as(
            &admin,
            "mutation { exportClients(format: CSV) { url } }",
            json!({}),
        )
        .await;
    let url = data["exportClients"]["url"].as_str().unwrap().to_owned();
    let response = app
        .client
        .get(app.url(&url))
        .header("user-agent", &long)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let data = app
        .ok_as(
            &admin,
            "{ auditEvents(first: 1, filter: {action: \"client.exported\"}) { edges { node { userAgent } } } }",
            json!({}),
        )
        .await;
    let stored = data["auditEvents"]["edges"][0]["node"]["userAgent"]
        .as_str()
        .unwrap();
    assert_eq!(stored.chars().count(), 512, "{}", stored.len());
}

#[tokio::test]
async fn direction_overrides_and_zero_width_characters_are_removed_from_names() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let member = app.token(&tenant, Role::Member).await;
    let data = app
        .ok_as(
            &member,
            "mutation($n: String!) { createClient(input: {name: $n}) { name } }",
            json!({ "n": "Acme\u{202E}gnp.exe\u{200B} Ltd" }),
        )
        .await;
    assert_eq!(data["createClient"]["name"], "Acmegnp.exe Ltd");
}

#[tokio::test]
async fn dates_must_lie_between_1900_and_2200() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let member = app.token(&tenant, Role::Member).await;
    let body = app
        .graphql_as(
            &member,
            "mutation { createClient(input: {name: \"Old Co\", foundedOn: \"1066-10-14\"}) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.foundedOn");
    let id = app.create_client(&member, "Alpha").await;
    let body = app
        .graphql_as(
            &member,
            "mutation($c: ID!, $at: DateTime!) { logCommunication(clientId: $c, input: {communicationType: CALL, subject: \"s\", communicationAt: $at}) { id } }",
            json!({ "c": id, "at": "9999-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        "input.communicationAt"
    );
}

#[tokio::test]
async fn a_filled_job_takes_no_further_hire() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let member = app.token(&tenant, Role::Member).await;
    let job = app
        .ok_as(
            &member,
            "mutation { createJob(input: {title: \"Nurse\", openings: 1, status: OPEN}) { id } }",
            json!({}),
        )
        .await["createJob"]["id"]
        .clone();
    let add = "mutation($j: ID!, $n: String!) { addApplication(jobId: $j, input: {candidateName: $n}) { id } }";
    let first = app
        .ok_as(&member, add, json!({ "j": job, "n": "Ann" }))
        .await["addApplication"]["id"]
        .clone();
    let second = app
        .ok_as(&member, add, json!({ "j": job, "n": "Bob" }))
        .await["addApplication"]["id"]
        .clone();
    let hire = "mutation($id: ID!) { moveApplication(id: $id, stage: HIRED) { stage } }";
    app.ok_as(&member, hire, json!({ "id": first })).await;
    let data = app
        .ok_as(
            &member,
            "query($id: ID!) { job(id: $id) { status } }",
            json!({ "id": job }),
        )
        .await;
    assert_eq!(data["job"]["status"], "FILLED");
    // Moving another candidate to OFFERED is fine; a second hire is not.
    app.ok_as(
        &member,
        "mutation($id: ID!) { moveApplication(id: $id, stage: OFFERED) { stage } }",
        json!({ "id": second }),
    )
    .await;
    let body = app.graphql_as(&member, hire, json!({ "id": second })).await;
    assert_eq!(first_error_code(&body), Some("CONFLICT"), "{body}");
    let data = app
        .ok_as(
            &member,
            "query($id: ID!) { job(id: $id) { pipeline { hired offered } } }",
            json!({ "id": job }),
        )
        .await;
    assert_eq!(data["job"]["pipeline"]["hired"], 1);
}

#[tokio::test]
async fn user_search_takes_percent_and_underscore_literally() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    for (email, name) in [
        ("ann_lee@acme.test", "Ann Lee"),
        ("annXlee@acme.test", "Ann X"),
        ("bob@acme.test", "Bob 100% Sure"),
    ] {
        app.ok_as(
            &admin,
            "mutation($e: String!, $n: String!) { createUser(input: {email: $e, fullName: $n, role: VIEWER, password: \"long-enough-pass\"}) { id } }",
            json!({ "e": email, "n": name }),
        )
        .await;
    }
    let search = |term: &'static str| {
        let (app, admin) = (&app, admin.clone());
        async move {
            let data = app
                .ok_as(&admin, "query($s: String) { users(filter: {search: $s}) { edges { node { email } } } }", json!({ "s": term }))
                .await;
            let mut emails: Vec<String> = data["users"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["email"].as_str().unwrap().to_owned())
                .collect();
            emails.sort();
            emails
        }
    };
    assert_eq!(search("ann_").await, vec!["ann_lee@acme.test"]);
    assert_eq!(search("100%").await, vec!["bob@acme.test"]);
    assert_eq!(search("%").await, vec!["bob@acme.test"]);
}
