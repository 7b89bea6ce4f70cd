//! Events through GraphQL subscriptions (graphql-transport-ws on a real WebSocket):
//! a committed change reaches subscribers with the entity resolved, only within its
//! tenant and only with what the subscriber may read; credentials are checked at
//! `connection_init` and while subscribed; a reconnecting client replays what it
//! missed; limits hold.

use std::time::Duration;

use clientgraph::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use crate::ws::{Frame, Ws};

const EVENTS: &str = "subscription($c: ID, $t: [EventType!], $s: ID) { clientEvents(clientId: $c, types: $t, since: $s) { id type entityType entityId clientId actor { kind id } changedFields { field from to secret } client { name status } note { title } } }";
const UPDATE: &str = "mutation($id: ID!, $v: Int!, $input: UpdateClientInput!) { updateClient(id: $id, expectedVersion: $v, input: $input) { version } }";
const NOTE: &str =
    "mutation($c: ID!, $i: NoteInput!) { createNote(clientId: $c, input: $i) { id } }";

/// Subscribes once every earlier event is published (so the fixtures' events do not
/// arrive), and gives the server a moment to attach the subscription to the bus.
async fn subscribed(app: &TestApp, credential: &str, variables: Value) -> Ws {
    app.events_published().await;
    let mut ws = Ws::connect(app).await;
    ws.init(credential).await;
    ws.subscribe("events", EVENTS, variables).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    ws
}

async fn next_event(ws: &mut Ws) -> Value {
    ws.next_data("events").await["clientEvents"].clone()
}

fn changed(event: &Value) -> Vec<String> {
    event["changedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_committed_change_reaches_a_subscriber_with_the_entity_resolved() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let (admin_id, _) = app.create_user(&tenant, Role::Admin).await;
    let admin = app.token_for(&tenant, admin_id, Role::Admin);
    let mut ws = subscribed(&app, &admin, json!({})).await;

    let id = app.create_client(&admin, "Acme").await;
    let created = next_event(&mut ws).await;
    assert_eq!(created["type"], "CLIENT_CREATED", "{created}");
    assert_eq!(created["entityType"], "client");
    assert_eq!(created["entityId"], id);
    assert_eq!(created["clientId"], id);
    assert_eq!(
        created["actor"],
        json!({ "kind": "USER", "id": admin_id.to_string() })
    );
    assert_eq!(
        created["client"],
        json!({ "name": "Acme", "status": "ACTIVE" })
    );

    app.ok_as(
        &admin,
        UPDATE,
        json!({ "id": id, "v": 1, "input": { "name": "Acme Corp" } }),
    )
    .await;
    let updated = next_event(&mut ws).await;
    assert_eq!(updated["type"], "CLIENT_UPDATED");
    assert_eq!(
        updated["changedFields"],
        json!([{ "field": "name", "from": "Acme", "to": "Acme Corp", "secret": false }])
    );
    assert_eq!(updated["client"]["name"], "Acme Corp");
    assert_ne!(updated["id"], created["id"]);

    let note = app
        .ok_as(
            &admin,
            NOTE,
            json!({ "c": id, "i": { "title": "Kick-off", "body": "Agenda" } }),
        )
        .await;
    let noted = next_event(&mut ws).await;
    assert_eq!(noted["type"], "NOTE_CREATED");
    assert_eq!(noted["entityId"], note["createNote"]["id"]);
    assert_eq!(noted["clientId"], id);
    assert_eq!(noted["note"]["title"], "Kick-off");
    assert_eq!(noted["client"]["name"], "Acme Corp");
}

#[tokio::test]
async fn a_subscriber_never_receives_another_tenants_events() {
    let app = spawn_app().await;
    let acme = app.create_tenant("acme").await;
    let globex = app.create_tenant("globex").await;
    let acme_admin = app.token(&acme, Role::Admin).await;
    let globex_admin = app.token(&globex, Role::Admin).await;
    let mut watcher = subscribed(&app, &globex_admin, json!({})).await;

    let acme_client = app.create_client(&acme_admin, "Acme secret").await;
    app.ok_as(
        &acme_admin,
        UPDATE,
        json!({ "id": acme_client, "v": 1, "input": { "name": "Renamed" } }),
    )
    .await;
    let globex_client = app.create_client(&globex_admin, "Globex").await;
    // Events arrive in stream order: had Acme's reached Globex, they would come first.
    let first = next_event(&mut watcher).await;
    assert_eq!(first["entityId"], globex_client, "{first}");
    watcher
        .nothing_for("events", Duration::from_millis(500))
        .await;

    // Another tenant's client cannot be named either.
    let mut ws = Ws::connect(&app).await;
    ws.init(&globex_admin).await;
    ws.subscribe("x", EVENTS, json!({ "c": acme_client })).await;
    // As graphql-ws does, a subscription that fails to start is a result with errors,
    // then `complete`.
    let refused = ws.message_of("x").await;
    assert_eq!(refused["type"], "next", "{refused}");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"],
        "NOT_FOUND"
    );
    assert_eq!(ws.message_of("x").await["type"], "complete");
}

#[tokio::test]
async fn changed_billing_values_reach_only_callers_with_billing_read() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let viewer = app.token(&tenant, Role::Viewer).await;
    let accountant = app.token(&tenant, Role::Accountant).await;
    let id = app.create_client(&admin, "Acme").await;
    let mut viewer_ws = subscribed(&app, &viewer, json!({})).await;
    let mut accountant_ws = subscribed(&app, &accountant, json!({})).await;

    let input =
        json!({ "name": "Acme Corp", "outstandingBalance": 1250.5, "taxId": "DE-123456789" });
    app.ok_as(&admin, UPDATE, json!({ "id": id, "v": 1, "input": input }))
        .await;

    let seen = next_event(&mut viewer_ws).await;
    assert_eq!(seen["type"], "CLIENT_UPDATED");
    assert_eq!(changed(&seen), vec!["name"], "{seen}");
    assert!(!seen.to_string().contains("1250") && !seen.to_string().contains("123456789"));

    let seen = next_event(&mut accountant_ws).await;
    let mut fields = changed(&seen);
    fields.sort();
    assert_eq!(
        fields,
        vec!["name", "outstandingBalanceCents", "taxId"],
        "{seen}"
    );
    let field = |name: &str| {
        seen["changedFields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["field"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(field("outstandingBalanceCents")["to"], 125050);
    // The tax id is a secret: that it changed, never its value, even with billing:read.
    assert_eq!(
        field("taxId"),
        json!({ "field": "taxId", "from": null, "to": null, "secret": true })
    );
    assert!(!seen.to_string().contains("123456789"));
}

#[tokio::test]
async fn events_about_what_a_role_may_not_read_never_reach_it() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let viewer = app.token(&tenant, Role::Viewer).await;
    let id = app.create_client(&admin, "Acme").await;
    let mut viewer_ws = subscribed(&app, &viewer, json!({})).await;
    let mut admin_ws = subscribed(&app, &admin, json!({})).await;

    let ratings = json!({ "period": "2026-Q3", "feedbackOn": "2026-08-01", "responsivenessRating": 4,
        "communicationRating": 4, "requirementsClarityRating": 4, "decisionSpeedRating": 4, "overallSatisfaction": 4 });
    app.ok_as(
        &admin,
        "mutation($c: ID!, $i: FeedbackInput!) { submitFeedback(clientId: $c, input: $i) { id } }",
        json!({ "c": id, "i": ratings }),
    )
    .await;
    app.ok_as(
        &admin,
        UPDATE,
        json!({ "id": id, "v": 1, "input": { "name": "Acme Corp" } }),
    )
    .await;

    // feedback:read is the admin's, not the viewer's.
    assert_eq!(
        next_event(&mut admin_ws).await["type"],
        "FEEDBACK_SUBMITTED"
    );
    assert_eq!(next_event(&mut viewer_ws).await["type"], "CLIENT_UPDATED");
}

#[tokio::test]
async fn client_and_type_filters_narrow_the_stream() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let acme = app.create_client(&admin, "Acme").await;
    let globex = app.create_client(&admin, "Globex").await;
    let mut ws = subscribed(&app, &admin, json!({ "c": acme, "t": ["NOTE_CREATED"] })).await;

    app.ok_as(
        &admin,
        NOTE,
        json!({ "c": globex, "i": { "title": "Other client", "body": "x" } }),
    )
    .await;
    app.ok_as(
        &admin,
        UPDATE,
        json!({ "id": acme, "v": 1, "input": { "name": "Acme Corp" } }),
    )
    .await;
    app.ok_as(
        &admin,
        NOTE,
        json!({ "c": acme, "i": { "title": "This one", "body": "x" } }),
    )
    .await;
    let event = next_event(&mut ws).await;
    assert_eq!(event["type"], "NOTE_CREATED");
    assert_eq!(event["note"]["title"], "This one");
    ws.nothing_for("events", Duration::from_millis(300)).await;
}

#[tokio::test]
async fn bad_missing_or_late_credentials_close_the_socket_before_any_ack() {
    let app = spawn_app_with(|c| c.events.ws_init_timeout_secs = 1).await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;

    let mut ws = Ws::connect(&app).await;
    ws.send(json!({ "type": "connection_init" })).await;
    ws.expect_close(4403).await;

    let mut ws = Ws::connect(&app).await;
    ws.send(
        json!({ "type": "connection_init", "payload": { "authorization": "Bearer not-a-token" } }),
    )
    .await;
    ws.expect_close(4403).await;

    // A token of another signing key, and a revoked-looking API key.
    let mut ws = Ws::connect(&app).await;
    ws.send(json!({ "type": "connection_init", "payload": { "authorization": "Bearer cgk_0000000000000000000000000000000000000000" } }))
        .await;
    ws.expect_close(4403).await;

    let mut ws = Ws::connect(&app).await;
    let started = std::time::Instant::now();
    ws.expect_close(4408).await;
    assert!(started.elapsed() >= Duration::from_millis(900));

    let mut ws = Ws::connect(&app).await;
    ws.subscribe("early", EVENTS, json!({})).await;
    ws.expect_close(4401).await;

    let mut ws = Ws::connect(&app).await;
    ws.init(&admin).await;
    ws.send(json!({ "type": "connection_init" })).await;
    ws.expect_close(4429).await;

    let mut ws = Ws::connect(&app).await;
    ws.init(&admin).await;
    ws.subscribe("same", EVENTS, json!({})).await;
    ws.subscribe("same", EVENTS, json!({})).await;
    ws.expect_close(4409).await;

    // The Authorization header of the upgrade request counts too.
    let bearer = format!("Bearer {admin}");
    let mut ws = Ws::connect_with(&app, &[("authorization", &bearer)]).await;
    ws.send(json!({ "type": "connection_init" })).await;
    assert!(matches!(ws.recv().await, Frame::Json(m) if m["type"] == "connection_ack"));
    ws.send(json!({ "type": "ping", "payload": { "n": 1 } }))
        .await;
    assert!(
        matches!(ws.recv().await, Frame::Json(m) if m == json!({ "type": "pong", "payload": { "n": 1 } }))
    );
}

#[tokio::test]
async fn an_access_token_that_expires_while_subscribed_closes_the_socket() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let (user, _) = app.create_user(&tenant, Role::Member).await;
    let token = app
        .jwt_keys()
        .issue_with_ttl(
            user,
            tenant.id,
            uuid::Uuid::now_v7(),
            Role::Member,
            chrono::Duration::seconds(2),
        )
        .unwrap()
        .token;
    let mut ws = subscribed(&app, &token, json!({})).await;
    let reason = ws.expect_close(4403).await;
    assert!(reason.contains("expired"), "{reason}");
}

#[tokio::test]
async fn a_revoked_api_key_or_a_deactivated_user_stops_receiving() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let created = app
        .ok_as(
            &admin,
            "mutation { createApiKey(name: \"partner\", role: VIEWER) { secret apiKey { id } } }",
            json!({}),
        )
        .await;
    let secret = created["createApiKey"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let key_id = created["createApiKey"]["apiKey"]["id"].clone();
    let mut key_ws = subscribed(&app, &secret, json!({})).await;
    let (member_id, _) = app.create_user(&tenant, Role::Member).await;
    let member = app.token_for(&tenant, member_id, Role::Member);
    let mut member_ws = subscribed(&app, &member, json!({})).await;

    app.create_client(&admin, "Acme").await;
    assert_eq!(next_event(&mut key_ws).await["type"], "CLIENT_CREATED");
    assert_eq!(next_event(&mut member_ws).await["type"], "CLIENT_CREATED");

    app.ok_as(
        &admin,
        "mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }",
        json!({ "id": key_id }),
    )
    .await;
    key_ws.expect_close(4403).await;

    app.ok_as(
        &admin,
        "mutation($id: ID!) { deactivateUser(id: $id) { id } }",
        json!({ "id": member_id.to_string() }),
    )
    .await;
    member_ws.expect_close(4403).await;
}

#[tokio::test]
async fn a_client_reconnecting_with_since_receives_what_it_missed() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let other = app.create_tenant("globex").await;
    let other_admin = app.token(&other, Role::Admin).await;
    let mut ws = subscribed(&app, &admin, json!({})).await;
    let id = app.create_client(&admin, "Acme").await;
    let last_seen = next_event(&mut ws).await["id"].clone();
    drop(ws);

    // Missed while away: two changes here, one in another tenant.
    app.ok_as(
        &admin,
        UPDATE,
        json!({ "id": id, "v": 1, "input": { "name": "Acme 2" } }),
    )
    .await;
    app.create_client(&other_admin, "Not yours").await;
    app.ok_as(
        &admin,
        NOTE,
        json!({ "c": id, "i": { "title": "While away", "body": "x" } }),
    )
    .await;

    let mut ws = Ws::connect(&app).await;
    ws.init(&admin).await;
    ws.subscribe("events", EVENTS, json!({ "s": last_seen }))
        .await;
    let first = next_event(&mut ws).await;
    assert_eq!(first["type"], "CLIENT_UPDATED");
    let second = next_event(&mut ws).await;
    assert_eq!(second["type"], "NOTE_CREATED");
    // …and then live events, with nothing repeated.
    app.ok_as(
        &admin,
        UPDATE,
        json!({ "id": id, "v": 2, "input": { "name": "Acme 3" } }),
    )
    .await;
    let live = next_event(&mut ws).await;
    assert_eq!(live["changedFields"][0]["to"], "Acme 3", "{live}");

    // Another tenant's event id is unknown here.
    let mut other_ws = Ws::connect(&app).await;
    other_ws.init(&other_admin).await;
    other_ws
        .subscribe("x", EVENTS, json!({ "s": last_seen }))
        .await;
    let refused = other_ws.message_of("x").await;
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["field"], "since",
        "{refused}"
    );
}

#[tokio::test]
async fn subscriptions_are_capped_per_connection_and_per_credential() {
    let app = spawn_app_with(|c| {
        c.events.ws_max_subscriptions = 2;
        c.events.ws_max_subscriptions_per_credential = 3;
    })
    .await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let mut first = Ws::connect(&app).await;
    first.init(&admin).await;
    for id in ["a", "b", "c"] {
        first.subscribe(id, EVENTS, json!({})).await;
    }
    let refused = first.message_of("c").await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "RATE_LIMITED");

    let mut second = Ws::connect(&app).await;
    second.init(&admin).await;
    second.subscribe("d", EVENTS, json!({})).await;
    second.subscribe("e", EVENTS, json!({})).await;
    let refused = second.message_of("e").await;
    assert_eq!(
        refused["payload"][0]["extensions"]["code"], "RATE_LIMITED",
        "{refused}"
    );

    // Completing one frees its place.
    first.send(json!({ "type": "complete", "id": "a" })).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    second.subscribe("f", EVENTS, json!({})).await;
    second.nothing_for("f", Duration::from_millis(300)).await;
}

#[tokio::test]
async fn subscribe_is_held_to_the_request_limits_and_mutations_go_over_http() {
    let app = spawn_app_with(|c| c.max_aliases = 2).await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let mut ws = Ws::connect(&app).await;
    ws.init(&admin).await;
    ws.subscribe(
        "aliases",
        "subscription { a: clientEvents { id } }",
        json!({}),
    )
    .await;
    ws.subscribe(
        "many",
        "subscription { clientEvents { a: id b: id c: id } }",
        json!({}),
    )
    .await;
    let refused = ws.message_of("many").await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(
        refused["payload"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );

    ws.subscribe(
        "write",
        "mutation { createClient(input: {name: \"X\"}) { id } }",
        json!({}),
    )
    .await;
    let refused = ws.message_of("write").await;
    assert_eq!(refused["type"], "error", "{refused}");

    // A query is answered once, then completed.
    ws.subscribe("q", "{ viewer { role } }", json!({})).await;
    assert_eq!(ws.next_data("q").await["viewer"]["role"], "ADMIN");
    assert_eq!(ws.message_of("q").await["type"], "complete");

    // A viewer lacks nothing to subscribe, but an anonymous field guard still applies:
    // a guarded field in the event selection is an error on that field.
    let viewer = app.token(&tenant, Role::Viewer).await;
    let mut ws = subscribed(&app, &viewer, json!({})).await;
    ws.subscribe(
        "guarded",
        "subscription { clientEvents { client { outstandingBalance } } }",
        json!({}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.create_client(&admin, "Acme").await;
    let message = ws.message_of("guarded").await;
    assert_eq!(message["type"], "next", "{message}");
    assert_eq!(
        message["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{message}"
    );
}

#[tokio::test]
async fn graceful_shutdown_closes_sockets_with_1001() {
    let mut app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let mut ws = subscribed(&app, &admin, json!({})).await;
    app.stop();
    ws.expect_close(1001).await;
}

#[tokio::test]
async fn a_client_that_does_not_read_is_dropped_instead_of_buffered_for() {
    let app = spawn_app_with(|c| {
        c.events.ws_send_queue = 4;
        c.events.ws_send_timeout_ms = 300;
    })
    .await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let id = app.create_client(&admin, "Acme").await;
    app.events_published().await;
    let mut ws = Ws::connect_small_buffer(&app).await;
    ws.init(&admin).await;
    ws.subscribe(
        "events",
        "subscription { clientEvents { id note { body } } }",
        json!({}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    // ~10 MB of events (more than the kernel's largest socket buffers, 4 MB by
    // default) for a reader that takes none of them.
    const NOTES: usize = 100;
    let body = "word ".repeat(19_900);
    for n in 0..NOTES {
        app.ok_as(
            &admin,
            NOTE,
            json!({ "c": id, "i": { "title": format!("Note {n}"), "body": body } }),
        )
        .await;
    }
    app.events_published().await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    // Now read: what the buffers held arrives, then the end; never all of it.
    let mut received = 0;
    loop {
        match ws.recv_within(Duration::from_secs(5)).await {
            Some(Frame::Json(message)) if message["type"] == "next" => received += 1,
            Some(Frame::Json(_)) => {}
            Some(Frame::Close(..) | Frame::Gone) => break,
            None => panic!("the connection was kept open after {received} events"),
        }
    }
    assert!(received < NOTES, "received all {received} events");
    // The server is fine: a new connection works.
    let mut fresh = Ws::connect(&app).await;
    fresh.init(&admin).await;
}

/// A raw outbox row, as a mutation's transaction writes it.
fn outbox_row(tenant: uuid::Uuid, client: &Value, name: &str) -> sea_orm::Statement {
    let client = uuid::Uuid::parse_str(client.as_str().unwrap()).unwrap();
    let payload = json!({ "type": "client.updated", "entityType": "client", "entityId": client,
        "actorKind": "SYSTEM", "data": {}, "changes": { "name": { "from": null, "to": name } } });
    sea_orm::Statement::from_sql_and_values(
        sea_orm::DbBackend::Postgres,
        "INSERT INTO event_outbox (id, tenant_id, event_type, entity_type, entity_id, payload, created_at, client_id) \
         VALUES ($1, $2, 'client.updated', 'client', $3, $4, now(), $3)",
        [
            uuid::Uuid::now_v7().into(),
            tenant.into(),
            client.into(),
            payload.into(),
        ],
    )
}

#[tokio::test]
async fn an_event_whose_transaction_commits_late_is_still_delivered() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let app = spawn_app().await;
    if !app.database.is_postgres() {
        return; // SQLite has one writer at a time: commits cannot cross.
    }
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let id = app.create_client(&admin, "Acme").await;
    let mut ws = subscribed(&app, &admin, json!({})).await;
    let conn = app.db.system("test: two crossing transactions").conn();

    // The first transaction takes the earlier id and timestamp…
    let early = conn.begin().await.unwrap();
    early
        .execute_raw(outbox_row(tenant.id, &id, "written first"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let late = conn.begin().await.unwrap();
    late.execute_raw(outbox_row(tenant.id, &id, "written second"))
        .await
        .unwrap();
    // …but commits after the second, which is published on its own first.
    late.commit().await.unwrap();
    let first = next_event(&mut ws).await;
    assert_eq!(first["changedFields"][0]["to"], "written second");
    tokio::time::sleep(Duration::from_millis(300)).await;
    early.commit().await.unwrap();
    let second = next_event(&mut ws).await;
    assert_eq!(second["changedFields"][0]["to"], "written first");
}

#[tokio::test]
async fn a_change_on_one_instance_reaches_a_subscriber_on_another() {
    let slow_poll = |c: &mut clientgraph::Config| c.events.poll_ms = 60_000;
    let one = spawn_app_with(slow_poll).await;
    if !one.database.is_postgres() {
        return; // several instances share PostgreSQL, not a SQLite file
    }
    let other = crate::helpers::spawn_app_on(
        crate::helpers::TestDatabase::Shared,
        &one.database_url,
        slow_poll,
    )
    .await;
    let tenant = one.create_tenant("acme").await;
    let admin = one.token(&tenant, Role::Admin).await;
    one.events_published().await;
    let mut on_one = subscribed(&one, &admin, json!({})).await;
    let mut on_other = subscribed(&other, &admin, json!({})).await;

    // Polling is a minute here: only NOTIFY can bring it across this quickly.
    let started = std::time::Instant::now();
    let id = one.create_client(&admin, "Acme").await;
    let there = tokio::time::timeout(Duration::from_secs(5), next_event(&mut on_other))
        .await
        .expect("the other instance's subscriber is told within 5 s");
    assert_eq!(there["entityId"], id);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(next_event(&mut on_one).await["entityId"], id);

    // And the other way round.
    other
        .ok_as(
            &admin,
            UPDATE,
            json!({ "id": id, "v": 1, "input": { "name": "Acme Corp" } }),
        )
        .await;
    assert_eq!(next_event(&mut on_one).await["type"], "CLIENT_UPDATED");
    assert_eq!(next_event(&mut on_other).await["type"], "CLIENT_UPDATED");
}

#[tokio::test]
async fn a_private_documents_events_reach_only_its_creator_and_admins() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let creator = app.token(&tenant, Role::Member).await;
    let colleague = app.token(&tenant, Role::Member).await;
    let id = app.create_client(&admin, "Acme").await;
    let mut admin_ws = subscribed(&app, &admin, json!({})).await;
    let mut creator_ws = subscribed(&app, &creator, json!({})).await;
    let mut colleague_ws = subscribed(&app, &colleague, json!({})).await;

    app.upload_document(
        &creator,
        &id,
        "salary-review.txt",
        b"private\n",
        json!({ "name": "Salary review", "visibility": "PRIVATE" }),
    )
    .await;
    app.ok_as(
        &admin,
        UPDATE,
        json!({ "id": id, "v": 1, "input": { "name": "Acme Corp" } }),
    )
    .await;

    assert_eq!(next_event(&mut admin_ws).await["type"], "DOCUMENT_UPLOADED");
    assert_eq!(
        next_event(&mut creator_ws).await["type"],
        "DOCUMENT_UPLOADED"
    );
    let seen = next_event(&mut colleague_ws).await;
    assert_eq!(seen["type"], "CLIENT_UPDATED", "{seen}");
}
