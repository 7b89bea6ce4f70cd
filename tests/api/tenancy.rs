//! Tenant isolation for users, API keys and the audit log: another tenant's rows cannot
//! be read, listed, counted, searched, changed or revoked, and their ids are NOT_FOUND.

use clientgraph::auth::Role;
use serde_json::json;

use crate::helpers::{first_error_code, spawn_app};

#[tokio::test]
async fn a_tenant_never_sees_or_touches_another_tenants_users_keys_or_audit_events() {
    let app = spawn_app().await;
    let acme = app.create_tenant("acme").await;
    let globex = app.create_tenant("globex").await;
    let (their_user, their_email) = app.create_user(&globex, Role::Member).await;
    let theirs = app.token(&globex, Role::Admin).await;
    let key = app
        .graphql_as(
            &theirs,
            "mutation { createApiKey(name: \"globex-partner\", role: VIEWER) { apiKey { id } } }",
            json!({}),
        )
        .await;
    let their_key = key["data"]["createApiKey"]["apiKey"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let ours = app.token(&acme, Role::Admin).await;
    // List, count, search.
    let body = app
        .graphql_as(
            &ours,
            "{ users(first: 100) { totalCount edges { node { email } } } }",
            json!({}),
        )
        .await;
    let emails: Vec<&str> = body["data"]["users"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["email"].as_str().unwrap())
        .collect();
    // Never vacuous: acme's own admin is listed.
    assert!(!emails.is_empty(), "{body}");
    assert!(
        emails.iter().all(|e| e.ends_with("acme.test")),
        "{emails:?}"
    );
    assert_eq!(body["data"]["users"]["totalCount"], emails.len());
    let body = app
        .graphql_as(&ours, "query($s: String) { users(filter: {search: $s}) { totalCount edges { node { id } } } }", json!({ "s": their_email }))
        .await;
    assert_eq!(body["data"]["users"]["totalCount"], 0, "{body}");

    // Read, update, deactivate by id: NOT_FOUND, never FORBIDDEN.
    for operation in [
        "query($id: ID!) { user(id: $id) { email } }",
        "mutation($id: ID!) { updateUser(id: $id, input: {fullName: \"Hijacked\"}) { id } }",
        "mutation($id: ID!) { deactivateUser(id: $id) { id } }",
    ] {
        let body = app
            .graphql_as(&ours, operation, json!({ "id": their_user }))
            .await;
        assert_eq!(
            first_error_code(&body),
            Some("NOT_FOUND"),
            "{operation}: {body}"
        );
    }
    let body = app
        .graphql_as(
            &ours,
            "mutation($id: ID!) { revokeApiKey(id: $id) { id } }",
            json!({ "id": their_key }),
        )
        .await;
    assert_eq!(first_error_code(&body), Some("NOT_FOUND"));

    // Keys and audit events of the other tenant are absent.
    let body = app
        .graphql_as(&ours, "{ apiKeys { name } }", json!({}))
        .await;
    assert_eq!(body["data"]["apiKeys"], json!([]));
    let body = app
        .graphql_as(
            &ours,
            "query($id: ID!) { auditEvents(filter: {entityId: $id}) { totalCount } }",
            json!({ "id": their_user }),
        )
        .await;
    assert_eq!(body["data"]["auditEvents"]["totalCount"], 0);
    let body = app
        .graphql_as(
            &ours,
            "{ auditEvents(first: 100) { edges { node { entityId action } } } }",
            json!({}),
        )
        .await;
    // An error response would pass the next check vacuously: it must be a real list.
    assert!(body["errors"].is_null(), "{body}");
    assert!(body["data"]["auditEvents"]["edges"].is_array(), "{body}");
    assert!(!body.to_string().contains(&their_user.to_string()));

    // Their user is untouched.
    let body = app
        .graphql_as(
            &theirs,
            "query($id: ID!) { user(id: $id) { fullName isActive } }",
            json!({ "id": their_user }),
        )
        .await;
    assert_eq!(body["data"]["user"]["isActive"], true);
    assert_ne!(body["data"]["user"]["fullName"], "Hijacked");
    // And their key still works.
    let body = app
        .graphql_as(&theirs, "{ apiKeys { name revokedAt } }", json!({}))
        .await;
    assert_eq!(
        body["data"]["apiKeys"][0]["revokedAt"],
        serde_json::Value::Null
    );
}

#[tokio::test]
async fn a_token_minted_for_one_tenant_cannot_claim_another() {
    let app = spawn_app().await;
    let acme = app.create_tenant("acme").await;
    let globex = app.create_tenant("globex").await;
    let (acme_user, _) = app.create_user(&acme, Role::Admin).await;
    // A validly signed token naming acme's user in globex's tenant resolves to nobody.
    let forged = app
        .jwt_keys()
        .issue(acme_user, globex.id, uuid::Uuid::now_v7(), Role::Admin)
        .unwrap()
        .token;
    let response = app
        .post_graphql_as(&forged, "{ viewer { role } }", json!({}))
        .await;
    assert_eq!(response.status(), 401);
}
