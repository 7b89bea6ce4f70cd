//! User administration and the change record (audit + outbox in one transaction).

use clientgraph::auth::Role;
use entity::{audit_event, event_outbox, user};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::helpers::{TEST_PASSWORD, first_error_code, spawn_app};

const CREATE: &str = "mutation($input: CreateUserInput!) { createUser(input: $input) { id email role version isActive } }";

#[tokio::test]
async fn admins_create_users_who_can_then_sign_in() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let body = app
        .graphql_as(&admin, CREATE, json!({ "input": { "email": " Ann@Acme.TEST ", "fullName": "Ann", "role": "MANAGER", "password": "a-long-password" } }))
        .await;
    assert_eq!(
        body["data"]["createUser"]["email"], "ann@acme.test",
        "{body}"
    );
    assert_eq!(body["data"]["createUser"]["role"], "MANAGER");

    let login = app.login("acme", "ann@acme.test", "a-long-password").await;
    let token = login["data"]["login"]["accessToken"].as_str().unwrap();
    let me = app
        .graphql_as(
            token,
            "{ viewer { role permissions user { email } tenant { slug } } }",
            json!({}),
        )
        .await;
    assert_eq!(me["data"]["viewer"]["role"], "MANAGER");
    let permissions = me["data"]["viewer"]["permissions"].as_array().unwrap();
    assert!(permissions.contains(&json!("feedback:finalize")));
    assert!(!permissions.contains(&json!("users:manage")));

    // Duplicate email → CONFLICT; bad input → BAD_USER_INPUT naming the field.
    let dup = app
        .graphql_as(&admin, CREATE, json!({ "input": { "email": "ann@acme.test", "fullName": "Ann 2", "role": "VIEWER", "password": "a-long-password" } }))
        .await;
    assert_eq!(first_error_code(&dup), Some("CONFLICT"));
    for (input, field) in [
        (
            json!({ "email": "not-an-email", "fullName": "X", "role": "VIEWER", "password": "a-long-password" }),
            "email",
        ),
        (
            json!({ "email": "x@acme.test", "fullName": "X", "role": "VIEWER", "password": "short" }),
            "password",
        ),
        (
            json!({ "email": "x@acme.test", "fullName": "  ", "role": "VIEWER", "password": "a-long-password" }),
            "fullName",
        ),
    ] {
        let body = app
            .graphql_as(&admin, CREATE, json!({ "input": input }))
            .await;
        assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field);
    }
    let body = app
        .graphql_as(&admin, CREATE, json!({ "input": { "email": "x@acme.test", "fullName": "X", "role": "OWNER", "password": "a-long-password" } }))
        .await;
    assert_eq!(
        first_error_code(&body),
        Some("BAD_USER_INPUT"),
        "unknown enum value"
    );
}

#[tokio::test]
async fn updates_use_optimistic_locking_and_the_last_admin_stays() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin =
        app.login("acme", &tenant.admin_email, TEST_PASSWORD).await["data"]["login"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned();
    let (member, _) = app.create_user(&tenant, Role::Member).await;
    let update = "mutation($id: ID!, $v: Int, $input: UpdateUserInput!) { updateUser(id: $id, input: $input, expectedVersion: $v) { role version fullName } }";
    let body = app
        .graphql_as(
            &admin,
            update,
            json!({ "id": member, "v": 1, "input": { "role": "MANAGER" } }),
        )
        .await;
    assert_eq!(body["data"]["updateUser"]["version"], 2, "{body}");
    let stale = app
        .graphql_as(
            &admin,
            update,
            json!({ "id": member, "v": 1, "input": { "fullName": "Lost update" } }),
        )
        .await;
    assert_eq!(first_error_code(&stale), Some("CONFLICT"), "{stale}");

    // The tenant's only admin cannot be demoted or deactivated.
    let me = app
        .graphql_as(&admin, "{ viewer { user { id } } }", json!({}))
        .await;
    let my_id = me["data"]["viewer"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = app
        .graphql_as(
            &admin,
            update,
            json!({ "id": my_id, "input": { "role": "VIEWER" } }),
        )
        .await;
    assert_eq!(first_error_code(&body), Some("CONFLICT"), "{body}");
    let body = app
        .graphql_as(
            &admin,
            "mutation($id: ID!) { deactivateUser(id: $id) { id } }",
            json!({ "id": my_id }),
        )
        .await;
    assert_eq!(first_error_code(&body), Some("CONFLICT"));

    // Unknown or malformed ids.
    let body = app
        .graphql_as(
            &admin,
            update,
            json!({ "id": uuid::Uuid::new_v4(), "input": { "role": "VIEWER" } }),
        )
        .await;
    assert_eq!(first_error_code(&body), Some("NOT_FOUND"));
    let body = app
        .graphql_as(&admin, update, json!({ "id": "nope", "input": {} }))
        .await;
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn every_change_is_audited_with_its_request_and_no_secret_is_recorded() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&admin)
        .header("X-Request-Id", "req-create-bob")
        .header("User-Agent", "audit-test/1.0")
        .json(&json!({ "query": CREATE, "variables": { "input": { "email": "bob@acme.test", "fullName": "Bob", "role": "VIEWER", "password": "bobs-secret-password" } } }))
        .send()
        .await
        .unwrap();
    let created: Value = response.json().await.unwrap();
    let bob = created["data"]["createUser"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.graphql_as(
        &admin,
        "mutation($id: ID!) { updateUser(id: $id, input: {role: MEMBER}) { id } }",
        json!({ "id": bob }),
    )
    .await;
    let key = app
        .graphql_as(
            &admin,
            "mutation { createApiKey(name: \"k\", role: VIEWER) { secret } }",
            json!({}),
        )
        .await;
    let secret = key["data"]["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();

    let log = app
        .post_graphql_as(
            &admin,
            "query($id: ID!) { auditEvents(filter: {entityId: $id}) { totalCount edges { node { action changes requestId userAgent actorKind actor { email } } } } }",
            json!({ "id": bob }),
        )
        .await
        .text()
        .await
        .unwrap();
    let body: Value = serde_json::from_str(&log).unwrap();
    let events = &body["data"]["auditEvents"];
    assert_eq!(events["totalCount"], 2, "{log}");
    let updated = &events["edges"][0]["node"];
    assert_eq!(updated["action"], "user.updated");
    assert_eq!(
        updated["changes"]["role"],
        json!({ "from": "viewer", "to": "member" })
    );
    let created = &events["edges"][1]["node"];
    assert_eq!(created["action"], "user.created");
    assert_eq!(created["requestId"], "req-create-bob");
    assert_eq!(created["userAgent"], "audit-test/1.0");
    assert_eq!(created["actorKind"], "USER");
    assert_eq!(created["changes"]["password"], json!({ "changed": true }));
    assert!(
        created["actor"]["email"]
            .as_str()
            .unwrap()
            .ends_with("acme.test")
    );

    // No password, hash or key secret anywhere in the audit log or the outbox.
    let all_audit = serde_json::to_string(
        &audit_event::Entity::find()
            .all(app.db.system("test inspection").conn())
            .await
            .unwrap()
            .iter()
            .map(|e| e.changes.clone())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let all_outbox = serde_json::to_string(
        &event_outbox::Entity::find()
            .all(app.db.system("test inspection").conn())
            .await
            .unwrap()
            .iter()
            .map(|e| e.payload.clone())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    for text in [&log, &all_audit, &all_outbox] {
        for secret_text in [
            "bobs-secret-password",
            "argon2",
            secret.as_str(),
            TEST_PASSWORD,
        ] {
            assert!(!text.contains(secret_text), "{secret_text} leaked");
        }
    }
    // Each change produced its outbox event.
    let events = event_outbox::Entity::find()
        .all(app.db.system("test inspection").conn())
        .await
        .unwrap();
    for kind in ["user.created", "user.updated", "api_key.created"] {
        assert!(
            events.iter().any(|e| e.event_type == kind),
            "{kind} in outbox"
        );
    }
    // A user list never carries a hash either.
    let users = app
        .post_graphql_as(&admin, "{ users { edges { node { email } } } }", json!({}))
        .await
        .text()
        .await
        .unwrap();
    assert!(!users.contains("argon2"));
}

#[tokio::test]
async fn a_mutation_that_fails_after_its_audit_write_leaves_nothing_behind() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let conn = app.db.system("test inspection").conn();
    let users_before = user::Entity::find().count(conn).await.unwrap();
    let audit_before = audit_event::Entity::find().count(conn).await.unwrap();
    let outbox_before = event_outbox::Entity::find().count(conn).await.unwrap();

    // The outbox insert comes after the user insert and the audit insert in the same
    // transaction; make it fail.
    if app.database.is_postgres() {
        conn.execute_unprepared(
            "CREATE FUNCTION fail_outbox() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'outbox unavailable'; END $$ LANGUAGE plpgsql;
             CREATE TRIGGER fail_outbox BEFORE INSERT ON event_outbox FOR EACH ROW EXECUTE FUNCTION fail_outbox();",
        )
        .await
        .unwrap();
    } else {
        conn.execute_unprepared(
            "CREATE TRIGGER fail_outbox BEFORE INSERT ON event_outbox BEGIN SELECT RAISE(ABORT, 'outbox unavailable'); END;",
        )
        .await
        .unwrap();
    }
    let body = app
        .graphql_as(&admin, CREATE, json!({ "input": { "email": "carol@acme.test", "fullName": "Carol", "role": "VIEWER", "password": "a-long-password" } }))
        .await;
    assert_eq!(
        first_error_code(&body),
        Some("INTERNAL_SERVER_ERROR"),
        "{body}"
    );
    assert!(!body.to_string().contains("outbox unavailable"));

    assert_eq!(
        user::Entity::find().count(conn).await.unwrap(),
        users_before
    );
    assert_eq!(
        audit_event::Entity::find().count(conn).await.unwrap(),
        audit_before
    );
    assert_eq!(
        event_outbox::Entity::find().count(conn).await.unwrap(),
        outbox_before
    );
}

#[tokio::test]
async fn concurrent_duplicate_users_all_get_the_same_field_level_conflict() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let input = json!({ "input": { "email": "twin@acme.test", "fullName": "Twin", "role": "MEMBER", "password": "a-long-password" } });
    let bodies = futures_util::future::join_all(
        (0..8).map(|_| app.graphql_as(&admin, CREATE, input.clone())),
    )
    .await;
    let created = bodies.iter().filter(|b| b["errors"].is_null()).count();
    assert_eq!(created, 1, "{bodies:?}");
    for body in bodies.iter().filter(|b| !b["errors"].is_null()) {
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "CONFLICT",
            "{body}"
        );
        assert_eq!(body["errors"][0]["extensions"]["field"], "email", "{body}");
    }
}
