//! Revoking a session revokes every access token of it; an API key never outlives its
//! creator's account or role; the login throttle locks guessers, not owners; the
//! client's address comes from forwarding headers only through a trusted proxy.

use clientgraph::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{TEST_PASSWORD, TestApp, first_error_code, spawn_app, spawn_app_with};

const VIEWER: &str = "{ viewer { role } }";

async fn status(app: &TestApp, token: &str) -> u16 {
    app.post_graphql_as(token, VIEWER, json!({}))
        .await
        .status()
        .as_u16()
}

fn field(body: &Value, path: &[&str]) -> String {
    let mut value = body;
    for key in path {
        value = &value[*key];
    }
    value
        .as_str()
        .unwrap_or_else(|| panic!("{path:?}: {body}"))
        .to_owned()
}

async fn refresh(app: &TestApp, token: &str) -> Value {
    app.graphql(
        "mutation($r: String!) { refreshToken(refreshToken: $r) { accessToken refreshToken } }",
        json!({ "r": token }),
    )
    .await
}

#[tokio::test]
async fn logout_ends_every_access_token_of_the_session_not_only_the_one_presented() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let login = app.login("acme", &tenant.admin_email, TEST_PASSWORD).await;
    let first_access = field(&login, &["data", "login", "accessToken"]);
    let rotated = refresh(&app, &field(&login, &["data", "login", "refreshToken"])).await;
    let second_access = field(&rotated, &["data", "refreshToken", "accessToken"]);
    assert_eq!(status(&app, &first_access).await, 200);
    assert_eq!(status(&app, &second_access).await, 200);

    let body = app
        .graphql_as(&second_access, "mutation { logout }", json!({}))
        .await;
    assert_eq!(body["data"]["logout"], true, "{body}");
    assert_eq!(status(&app, &second_access).await, 401);
    assert_eq!(
        status(&app, &first_access).await,
        401,
        "an earlier token of the session"
    );

    let other = app.login("acme", &tenant.admin_email, TEST_PASSWORD).await;
    assert_eq!(
        status(&app, &field(&other, &["data", "login", "accessToken"])).await,
        200
    );
}

#[tokio::test]
async fn refresh_token_reuse_ends_the_access_tokens_minted_from_the_stolen_token() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let login = app.login("acme", &tenant.admin_email, TEST_PASSWORD).await;
    let stolen = field(&login, &["data", "login", "refreshToken"]);
    // The attacker rotates first and gets a working access token.
    let attacker = refresh(&app, &stolen).await;
    let attacker_access = field(&attacker, &["data", "refreshToken", "accessToken"]);
    assert_eq!(status(&app, &attacker_access).await, 200);
    // The victim presents the same (now rotated) token: reuse is detected.
    let reused = refresh(&app, &stolen).await;
    assert_eq!(
        first_error_code(&reused),
        Some("UNAUTHENTICATED"),
        "{reused}"
    );
    assert_eq!(status(&app, &attacker_access).await, 401);
    assert_eq!(
        status(&app, &field(&login, &["data", "login", "accessToken"])).await,
        401
    );
}

async fn create_key(app: &TestApp, token: &str, role: &str) -> String {
    let data = app
        .ok_as(
            token,
            &format!("mutation {{ createApiKey(name: \"partner\", role: {role}) {{ secret }} }}"),
            json!({}),
        )
        .await;
    field(&data, &["createApiKey", "secret"])
}

#[tokio::test]
async fn an_api_key_never_outlives_its_creators_account_or_role() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let first_admin = app.token(&tenant, Role::Admin).await;
    let (second_id, _) = app.create_user(&tenant, Role::Admin).await;
    let second_admin = app.token_for(&tenant, second_id, Role::Admin);
    let (third_id, _) = app.create_user(&tenant, Role::Admin).await;
    let third_admin = app.token_for(&tenant, third_id, Role::Admin);

    // A key of a deactivated admin stops working (and cannot create admins).
    let admin_key = create_key(&app, &second_admin, "ADMIN").await;
    assert_eq!(status(&app, &admin_key).await, 200);
    app.ok_as(
        &first_admin,
        "mutation($id: ID!) { deactivateUser(id: $id) { id } }",
        json!({ "id": second_id }),
    )
    .await;
    assert_eq!(status(&app, &admin_key).await, 401);
    let body = app
        .post_graphql_as(
            &admin_key,
            "mutation { createUser(input: {email: \"x@acme.test\", fullName: \"X\", role: ADMIN, password: \"long-enough-pass\"}) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(body.status(), 401);

    // Demoting a creator revokes the keys its new role does not cover, not the others.
    let admin_key = create_key(&app, &third_admin, "ADMIN").await;
    let viewer_key = create_key(&app, &third_admin, "VIEWER").await;
    app.ok_as(
        &first_admin,
        "mutation($id: ID!) { updateUser(id: $id, input: {role: MANAGER}) { id } }",
        json!({ "id": third_id }),
    )
    .await;
    assert_eq!(status(&app, &admin_key).await, 401);
    assert_eq!(status(&app, &viewer_key).await, 200);

    // Both revocations are audited with their reasons.
    let data = app
        .ok_as(
            &first_admin,
            "{ auditEvents(first: 50, filter: {action: \"api_key.revoked\"}) { edges { node { action } } totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(data["auditEvents"]["totalCount"], 2, "{data}");
}

#[tokio::test]
async fn failed_logins_lock_the_guesser_not_the_owner_nor_other_tenants() {
    let app = spawn_app_with(|c| {
        c.trusted_proxies = "127.0.0.1".parse().unwrap();
    })
    .await;
    let acme = app.create_tenant("acme").await;
    let globex = app.create_tenant("globex").await;
    let login_from = |ip: &'static str, tenant: String, email: String, password: &'static str| {
        let app = &app;
        async move {
            let response = app
                .client
                .post(app.url("/graphql"))
                .header("x-forwarded-for", ip)
                .json(&json!({
                    "query": "mutation($t: String!, $e: String!, $p: String!) { login(tenant: $t, email: $e, password: $p) { accessToken } }",
                    "variables": { "t": tenant, "e": email, "p": password },
                }))
                .send()
                .await
                .unwrap();
            response.json::<Value>().await.unwrap()
        }
    };

    // 60 failures against accounts that do not exist, from one address...
    for i in 0..60 {
        let body = login_from(
            "198.51.100.7",
            "acme".into(),
            format!("nobody{i}@acme.test"),
            "wrong-password",
        )
        .await;
        assert_eq!(first_error_code(&body), Some("UNAUTHENTICATED"));
    }
    // ...do not lock another tenant's admin with the right password from that address.
    let body = login_from(
        "198.51.100.7",
        "globex".into(),
        globex.admin_email.clone(),
        TEST_PASSWORD,
    )
    .await;
    assert!(body["data"]["login"]["accessToken"].is_string(), "{body}");

    // Five wrong passwords from one address lock that address out of the account...
    for _ in 0..5 {
        login_from(
            "203.0.113.5",
            "acme".into(),
            acme.admin_email.clone(),
            "wrong-password",
        )
        .await;
    }
    let body = login_from(
        "203.0.113.5",
        "acme".into(),
        acme.admin_email.clone(),
        TEST_PASSWORD,
    )
    .await;
    assert_eq!(first_error_code(&body), Some("RATE_LIMITED"), "{body}");
    // ...but the owner, elsewhere, signs in.
    let body = login_from(
        "192.0.2.44",
        "acme".into(),
        acme.admin_email.clone(),
        TEST_PASSWORD,
    )
    .await;
    assert!(body["data"]["login"]["accessToken"].is_string(), "{body}");

    // The audit log records the forwarded address of a trusted proxy's request.
    let admin = app.token(&acme, Role::Admin).await;
    let data = app
        .ok_as(
            &admin,
            "{ auditEvents(first: 1, filter: {action: \"user.logged_in\"}) { edges { node { ip } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["auditEvents"]["edges"][0]["node"]["ip"], "192.0.2.44",
        "{data}"
    );
}

#[tokio::test]
async fn forwarding_headers_from_an_untrusted_peer_are_ignored() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("x-forwarded-for", "192.0.2.99")
        .header("forwarded", "for=192.0.2.98")
        .json(&json!({
            "query": "mutation($t: String!, $e: String!, $p: String!) { login(tenant: $t, email: $e, password: $p) { accessToken } }",
            "variables": { "t": "acme", "e": tenant.admin_email, "p": TEST_PASSWORD },
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let admin = app.token(&tenant, Role::Admin).await;
    let data = app
        .ok_as(
            &admin,
            "{ auditEvents(first: 1, filter: {action: \"user.logged_in\"}) { edges { node { ip } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["auditEvents"]["edges"][0]["node"]["ip"], "127.0.0.1",
        "{data}"
    );
}
