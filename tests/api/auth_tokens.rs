//! Credentials: every JWT attack is UNAUTHENTICATED; refresh rotation and reuse
//! detection; logout; API keys; brute-force back-off.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clientgraph::auth::Role;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::helpers::{
    TEST_JWT_SECRET, TEST_PASSWORD, TestApp, first_error_code, spawn_app, spawn_app_with,
};

const VIEWER: &str = "{ viewer { role user { email } tenant { slug } } }";

async fn status_and_code(app: &TestApp, token: &str) -> (u16, Option<String>) {
    let response = app.post_graphql_as(token, VIEWER, json!({})).await;
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    (status, first_error_code(&body).map(str::to_owned))
}

async fn assert_refused(app: &TestApp, token: &str, what: &str) {
    let (status, code) = status_and_code(app, token).await;
    assert_eq!(status, 401, "{what}");
    assert_eq!(code.as_deref(), Some("UNAUTHENTICATED"), "{what}");
}

fn sign(claims: &Value, header: Header, secret: &[u8]) -> String {
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap()
}

fn claims(tenant: uuid::Uuid, user: uuid::Uuid) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "sub": user, "tid": tenant, "sid": uuid::Uuid::now_v7(), "role": "admin",
        "jti": uuid::Uuid::new_v4(), "iat": now, "nbf": now, "exp": now + 600,
        "iss": "clientgraph", "aud": "clientgraph-api",
    })
}

#[tokio::test]
async fn every_forged_or_stale_access_token_is_unauthenticated() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let (user, _) = app.create_user(&tenant, Role::Admin).await;
    let secret = TEST_JWT_SECRET.as_bytes();

    // The control: a well-formed token of our own works.
    let good = sign(
        &claims(tenant.id, user),
        Header::new(Algorithm::HS256),
        secret,
    );
    let body = app.graphql_as(&good, VIEWER, json!({})).await;
    assert_eq!(body["data"]["viewer"]["role"], "ADMIN", "{body}");

    // alg: none, unsigned.
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims(tenant.id, user).to_string());
    assert_refused(&app, &format!("{header}.{payload}."), "alg none").await;

    // HS/RS confusion: a token claiming RS256 but HMAC-signed with the shared secret.
    let mut rs_header = Header::new(Algorithm::HS256);
    rs_header.alg = Algorithm::RS256;
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&rs_header).unwrap()),
        URL_SAFE_NO_PAD.encode(claims(tenant.id, user).to_string())
    );
    let hs = sign(
        &claims(tenant.id, user),
        Header::new(Algorithm::HS256),
        secret,
    );
    let signature = hs.rsplit('.').next().unwrap();
    assert_refused(
        &app,
        &format!("{signing_input}.{signature}"),
        "alg confusion",
    )
    .await;
    // And another HMAC size is not accepted either.
    assert_refused(
        &app,
        &sign(
            &claims(tenant.id, user),
            Header::new(Algorithm::HS512),
            secret,
        ),
        "HS512",
    )
    .await;

    let mut expired = claims(tenant.id, user);
    expired["exp"] = json!(chrono::Utc::now().timestamp() - 120);
    assert_refused(
        &app,
        &sign(&expired, Header::new(Algorithm::HS256), secret),
        "expired",
    )
    .await;

    let mut early = claims(tenant.id, user);
    early["nbf"] = json!(chrono::Utc::now().timestamp() + 3600);
    assert_refused(
        &app,
        &sign(&early, Header::new(Algorithm::HS256), secret),
        "not yet valid",
    )
    .await;

    for (claim, value) in [("iss", "someone-else"), ("aud", "another-api")] {
        let mut wrong = claims(tenant.id, user);
        wrong[claim] = json!(value);
        assert_refused(
            &app,
            &sign(&wrong, Header::new(Algorithm::HS256), secret),
            claim,
        )
        .await;
    }
    for claim in ["iss", "aud", "exp", "nbf"] {
        let mut missing = claims(tenant.id, user);
        missing.as_object_mut().unwrap().remove(claim);
        assert_refused(
            &app,
            &sign(&missing, Header::new(Algorithm::HS256), secret),
            claim,
        )
        .await;
    }

    // Tampered payload: role changed after signing.
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    let mut tampered = claims(tenant.id, user);
    tampered["tid"] = json!(uuid::Uuid::new_v4());
    parts[1] = URL_SAFE_NO_PAD.encode(tampered.to_string());
    assert_refused(&app, &parts.join("."), "tampered").await;

    // Signed with another secret; garbage; wrong scheme.
    assert_refused(
        &app,
        &sign(
            &claims(tenant.id, user),
            Header::new(Algorithm::HS256),
            b"another-secret-another-secret-xx",
        ),
        "other secret",
    )
    .await;
    assert_refused(&app, "not-a-token", "garbage").await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("Authorization", format!("Basic {good}"))
        .json(&json!({ "query": VIEWER }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
}

#[tokio::test]
async fn a_deactivated_users_tokens_stop_working_at_once() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let (member, _) = app.create_user(&tenant, Role::Member).await;
    let token = app.token_for(&tenant, member, Role::Member);
    assert_eq!(status_and_code(&app, &token).await, (200, None));

    let admin = app.token(&tenant, Role::Admin).await;
    let body = app
        .graphql_as(
            &admin,
            "mutation($id: ID!) { deactivateUser(id: $id) { isActive } }",
            json!({ "id": member }),
        )
        .await;
    assert_eq!(body["data"]["deactivateUser"]["isActive"], false, "{body}");
    assert_refused(&app, &token, "deactivated user").await;
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_revokes_the_family() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let login = app.login("acme", &tenant.admin_email, TEST_PASSWORD).await;
    let first = login["data"]["login"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        login["data"]["login"]["accessToken"]
            .as_str()
            .unwrap()
            .contains('.')
    );

    let refresh = |token: String| {
        let app = &app;
        async move {
            app.graphql(
                "mutation($r: String!) { refreshToken(refreshToken: $r) { accessToken refreshToken } }",
                json!({ "r": token }),
            )
            .await
        }
    };
    let rotated = refresh(first.clone()).await;
    let second = rotated["data"]["refreshToken"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let access = rotated["data"]["refreshToken"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(first, second);
    assert_eq!(status_and_code(&app, &access).await, (200, None));

    // Presenting the first token again: refused, and the family is gone.
    let reused = refresh(first).await;
    assert_eq!(
        first_error_code(&reused),
        Some("UNAUTHENTICATED"),
        "{reused}"
    );
    let after = refresh(second).await;
    assert_eq!(first_error_code(&after), Some("UNAUTHENTICATED"), "{after}");

    let unknown = refresh("cgr_nonsense".into()).await;
    assert_eq!(first_error_code(&unknown), Some("UNAUTHENTICATED"));
}

#[tokio::test]
async fn logout_revokes_the_access_token_and_the_refresh_family() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let login = app.login("acme", &tenant.admin_email, TEST_PASSWORD).await;
    let access = login["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let refresh = login["data"]["login"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();

    let body = app
        .graphql_as(&access, "mutation { logout }", json!({}))
        .await;
    assert_eq!(body["data"]["logout"], true, "{body}");
    assert_refused(&app, &access, "logged-out token").await;
    let body = app
        .graphql(
            "mutation($r: String!) { refreshToken(refreshToken: $r) { accessToken } }",
            json!({ "r": refresh }),
        )
        .await;
    assert_eq!(first_error_code(&body), Some("UNAUTHENTICATED"));

    // Another session of the same user is unaffected.
    let other = app.login("acme", &tenant.admin_email, TEST_PASSWORD).await;
    let other_access = other["data"]["login"]["accessToken"].as_str().unwrap();
    assert_eq!(status_and_code(&app, other_access).await, (200, None));
}

#[tokio::test]
async fn api_keys_work_like_tokens_until_revoked_or_expired() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let created = app
        .graphql_as(
            &admin,
            "mutation { createApiKey(name: \"partner\", role: VIEWER) { secret apiKey { id name role prefix } } }",
            json!({}),
        )
        .await;
    let secret = created["data"]["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let key_id = created["data"]["createApiKey"]["apiKey"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(secret.starts_with("cgk_"));
    assert!(
        secret.starts_with(
            created["data"]["createApiKey"]["apiKey"]["prefix"]
                .as_str()
                .unwrap()
        )
    );

    let body = app
        .graphql_as(
            &secret,
            "{ viewer { role user { id } apiKey { name } tenant { slug } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["viewer"]["role"], "VIEWER", "{body}");
    assert_eq!(body["data"]["viewer"]["user"], Value::Null);
    assert_eq!(body["data"]["viewer"]["apiKey"]["name"], "partner");
    assert_eq!(body["data"]["viewer"]["tenant"]["slug"], "acme");
    // The key's role applies: a viewer may not manage users.
    let body = app
        .graphql_as(&secret, "{ users { totalCount } }", json!({}))
        .await;
    assert_eq!(first_error_code(&body), Some("FORBIDDEN"));

    // Listing never shows the secret.
    let listed = app
        .post_graphql_as(
            &admin,
            "{ apiKeys { id name prefix role revokedAt } }",
            json!({}),
        )
        .await;
    let text = listed.text().await.unwrap();
    assert!(text.contains("partner") && !text.contains(&secret));

    let body = app
        .graphql_as(
            &admin,
            "mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }",
            json!({ "id": key_id }),
        )
        .await;
    assert!(
        body["data"]["revokeApiKey"]["revokedAt"].is_string(),
        "{body}"
    );
    assert_refused(&app, &secret, "revoked key").await;

    // An expired key is refused too.
    let created = app
        .graphql_as(&admin, "mutation { createApiKey(name: \"short\", role: ADMIN, expiresAt: \"2099-01-01T00:00:00Z\") { secret apiKey { id } } }", json!({}))
        .await;
    let secret = created["data"]["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(status_and_code(&app, &secret).await, (200, None));
    app.db
        .system("test inspection")
        .conn()
        .execute_unprepared(
            "UPDATE api_keys SET expires_at = '2000-01-01T00:00:00Z' WHERE name = 'short'",
        )
        .await
        .unwrap();
    assert_refused(&app, &secret, "expired key").await;

    // A past expiry is refused at creation.
    let body = app
        .graphql_as(&admin, "mutation { createApiKey(name: \"x\", role: ADMIN, expiresAt: \"2000-01-01T00:00:00Z\") { secret } }", json!({}))
        .await;
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"));
    assert_eq!(body["errors"][0]["extensions"]["field"], "expiresAt");
}

#[tokio::test]
async fn repeated_login_failures_are_rate_limited_per_account() {
    let app = spawn_app_with(|c| c.login_max_failures = 3).await;
    let tenant = app.create_tenant("acme").await;
    for _ in 0..3 {
        let body = app
            .login("acme", &tenant.admin_email, "wrong-password-1")
            .await;
        assert_eq!(first_error_code(&body), Some("UNAUTHENTICATED"));
    }
    // Now even the right password waits.
    let body = app.login("acme", &tenant.admin_email, TEST_PASSWORD).await;
    assert_eq!(first_error_code(&body), Some("RATE_LIMITED"), "{body}");
    assert!(
        body["errors"][0]["extensions"]["retryAfter"]
            .as_u64()
            .unwrap()
            >= 1
    );
    // Another account is not affected.
    let (_, email) = app.create_user(&tenant, Role::Viewer).await;
    let body = app.login("acme", &email, TEST_PASSWORD).await;
    assert!(body["data"]["login"]["accessToken"].is_string(), "{body}");
}

#[tokio::test]
async fn login_takes_as_long_for_an_unknown_email_as_for_a_wrong_password() {
    let app = spawn_app_with(|c| c.login_max_failures = 1000).await;
    let tenant = app.create_tenant("acme").await;
    let _timing = crate::helpers::TIMING.read().await;
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..7 {
        let started = std::time::Instant::now();
        let body = app
            .login("acme", &tenant.admin_email, "wrong-password-1")
            .await;
        known.push(started.elapsed());
        assert_eq!(first_error_code(&body), Some("UNAUTHENTICATED"));
        let started = std::time::Instant::now();
        let body = app
            .login("acme", "nobody@acme.test", "wrong-password-1")
            .await;
        unknown.push(started.elapsed());
        assert_eq!(first_error_code(&body), Some("UNAUTHENTICATED"));
        // Same message either way: no account enumeration.
        assert_eq!(
            body["errors"][0]["message"],
            "invalid tenant, email or password"
        );
    }
    known.sort();
    unknown.sort();
    let (k, u) = (known[3].as_secs_f64(), unknown[3].as_secs_f64());
    let ratio = k.max(u) / k.min(u);
    assert!(ratio < 3.0, "median known {k:.4}s vs unknown {u:.4}s");
}
