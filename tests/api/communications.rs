//! Communications: logging refreshes the contact's engagement score and last contact,
//! follow-ups and the "due" view, per-client pages, relation filters on clients,
//! tenant isolation and permissions.

use clientgraph::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, days_ago, first_error_code, spawn_app};

const LOG: &str = "mutation($c: ID!, $i: CommunicationInput!) { logCommunication(clientId: $c, input: $i) { id subject version communicationType isImportant followUpRequired followUpOn followUpDoneAt participants } }";

async fn log(app: &TestApp, token: &str, client: &Value, input: Value) -> Value {
    let data = app
        .ok_as(token, LOG, json!({ "c": client, "i": input }))
        .await;
    data["logCommunication"].clone()
}

async fn contact(app: &TestApp, token: &str, client: &Value, first: &str) -> Value {
    let data = app
        .ok_as(
            token,
            "mutation($c: ID!, $f: String!) { addContact(clientId: $c, input: {firstName: $f, lastName: \"Doe\"}) { id } }",
            json!({ "c": client, "f": first }),
        )
        .await;
    data["addContact"]["id"].clone()
}

async fn engagement(app: &TestApp, token: &str, contact: &Value) -> (i64, Value) {
    let data = app
        .ok_as(
            token,
            "query($id: ID!) { contact(id: $id) { engagementScore lastContactedAt } }",
            json!({ "id": contact }),
        )
        .await;
    (
        data["contact"]["engagementScore"].as_i64().unwrap(),
        data["contact"]["lastContactedAt"].clone(),
    )
}

fn subjects(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{connection}"))
        .iter()
        .map(|e| e["node"]["subject"].as_str().unwrap().to_owned())
        .collect()
}

/// Equal to the millisecond (PostgreSQL keeps microseconds, the test clock nanoseconds).
fn same_instant(a: &Value, b: &str) -> bool {
    let parse = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
    a.as_str()
        .is_some_and(|a| (parse(a) - parse(b)).num_milliseconds().abs() < 1)
}

#[tokio::test]
async fn logging_with_a_contact_updates_its_engagement_and_last_contact() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let member = app.token(&tenant, Role::Member).await;
    let acme = app.create_client(&member, "Acme").await;
    let ann = contact(&app, &member, &acme, "Ann").await;
    let bob = contact(&app, &member, &acme, "Bob").await;
    assert_eq!(engagement(&app, &member, &ann).await, (0, Value::Null));

    // SPEC §6: min(100, round(10 · Σ weight · e^(−days/30))).
    let three_days = days_ago(3);
    let email = log(&app, &member, &acme, json!({ "communicationType": "EMAIL", "subject": "Proposal", "communicationAt": three_days, "contactId": ann, "participants": ["ann@acme.example", "Me"] })).await;
    assert_eq!(email["participants"], json!(["ann@acme.example", "Me"]));
    let (score, last) = engagement(&app, &member, &ann).await;
    assert_eq!(score, 36, "10 · 4 · e^(−0.1) = 36.19");
    assert!(same_instant(&last, &three_days), "{last}");

    // An older chat adds its decayed weight; the last contact stays the newest.
    let chat = log(&app, &member, &acme, json!({ "communicationType": "CHAT", "subject": "Ping", "communicationAt": days_ago(15), "contactId": ann })).await;
    let (score, last) = engagement(&app, &member, &ann).await;
    assert_eq!(score, 48, "36.19 + 10 · 2 · e^(−0.5) = 48.32");
    assert!(same_instant(&last, &three_days), "{last}");

    // A scheduled (future) meeting does not count yet.
    log(&app, &member, &acme, json!({ "communicationType": "MEETING", "subject": "Next week", "communicationAt": days_ago(-7), "contactId": ann })).await;
    assert_eq!(engagement(&app, &member, &ann).await.0, 48);

    // Moving the chat to Bob recomputes both contacts.
    app.ok_as(
        &member,
        "mutation($id: ID!, $b: ID!) { updateCommunication(id: $id, expectedVersion: 1, input: {contactId: $b}) { version } }",
        json!({ "id": chat["id"], "b": bob }),
    )
    .await;
    assert_eq!(engagement(&app, &member, &ann).await.0, 36);
    assert_eq!(
        engagement(&app, &member, &bob).await.0,
        12,
        "10 · 2 · e^(−0.5)"
    );
    let stale = app
        .graphql_as(
            &member,
            "mutation($id: ID!) { updateCommunication(id: $id, expectedVersion: 1, input: {subject: \"x\"}) { version } }",
            json!({ "id": chat["id"] }),
        )
        .await;
    assert_eq!(first_error_code(&stale), Some("CONFLICT"), "{stale}");

    // Many recent meetings cap the score at 100.
    for i in 0..3 {
        log(&app, &member, &acme, json!({ "communicationType": "MEETING", "subject": format!("M{i}"), "communicationAt": days_ago(1), "contactId": bob })).await;
    }
    assert_eq!(engagement(&app, &member, &bob).await.0, 100);

    for (input, field) in [
        (json!({ "subject": "no type" }), "communicationType"),
        (
            json!({ "communicationType": "CALL", "subject": "" }),
            "subject",
        ),
        (
            json!({ "communicationType": "CALL", "subject": "s", "followUpRequired": true }),
            "followUpOn",
        ),
        (
            json!({ "communicationType": "CALL", "subject": "s", "participants": vec!["p"; 51] }),
            "participants",
        ),
    ] {
        let body = app
            .graphql_as(&member, LOG, json!({ "c": acme, "i": input }))
            .await;
        assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
}

#[tokio::test]
async fn follow_ups_are_due_until_completed() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let acme = app.create_client(&admin, "Acme").await;
    let globo = app.create_client(&admin, "Globo").await;
    let today = chrono::Utc::now().date_naive();
    let day = |offset: i64| (today + chrono::Duration::days(offset)).to_string();
    let overdue = log(
        &app,
        &admin,
        &acme,
        json!({ "communicationType": "CALL", "subject": "Overdue", "followUpOn": day(-2) }),
    )
    .await;
    assert_eq!(
        overdue["followUpRequired"], true,
        "a date asks for a follow-up"
    );
    log(
        &app,
        &admin,
        &globo,
        json!({ "communicationType": "EMAIL", "subject": "Due today", "followUpOn": day(0) }),
    )
    .await;
    log(
        &app,
        &admin,
        &acme,
        json!({ "communicationType": "EMAIL", "subject": "Later", "followUpOn": day(5) }),
    )
    .await;
    log(
        &app,
        &admin,
        &acme,
        json!({ "communicationType": "EMAIL", "subject": "No follow-up" }),
    )
    .await;

    let due = || {
        let (app, admin) = (&app, admin.clone());
        async move {
            let data = app
                .ok_as(
                    &admin,
                    "{ communications(filter: {followUpDue: true}) { totalCount edges { node { subject } } } open: communications(filter: {followUpOpen: true}) { totalCount } }",
                    json!({}),
                )
                .await;
            let mut s = subjects(&data["communications"]);
            s.sort();
            assert_eq!(data["communications"]["totalCount"], s.len());
            (s, data["open"]["totalCount"].as_u64().unwrap())
        }
    };
    assert_eq!(due().await, (vec!["Due today".into(), "Overdue".into()], 3));

    let complete = "mutation($id: ID!) { completeFollowUp(id: $id) { followUpDoneAt version } }";
    let done = app
        .ok_as(&admin, complete, json!({ "id": overdue["id"] }))
        .await;
    assert!(done["completeFollowUp"]["followUpDoneAt"].is_string());
    assert_eq!(due().await, (vec!["Due today".into()], 2));
    let twice = app
        .graphql_as(&admin, complete, json!({ "id": overdue["id"] }))
        .await;
    assert_eq!(first_error_code(&twice), Some("CONFLICT"), "{twice}");

    // Setting a follow-up again reopens it.
    let reopened = app
        .ok_as(
            &admin,
            "mutation($id: ID!, $on: NaiveDate!) { setFollowUp(id: $id, on: $on) { followUpOn followUpDoneAt } }",
            json!({ "id": overdue["id"], "on": day(-1) }),
        )
        .await;
    assert_eq!(
        reopened["setFollowUp"],
        json!({ "followUpOn": day(-1), "followUpDoneAt": null })
    );
    assert_eq!(due().await, (vec!["Due today".into(), "Overdue".into()], 3));

    // The client's own view, and marking important.
    app.ok_as(
        &admin,
        "mutation($id: ID!) { markCommunicationImportant(id: $id) { isImportant } }",
        json!({ "id": overdue["id"] }),
    )
    .await;
    let data = app
        .ok_as(
            &admin,
            "query($id: ID!) { client(id: $id) { due: communications(filter: {followUpDue: true}) { totalCount } important: communications(filter: {importantOnly: true}) { edges { node { subject } } } } }",
            json!({ "id": acme }),
        )
        .await;
    assert_eq!(data["client"]["due"]["totalCount"], 1);
    assert_eq!(subjects(&data["client"]["important"]), ["Overdue"]);
}

#[tokio::test]
async fn each_client_gets_its_own_newest_communications() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    for (name, count) in [("A", 6), ("B", 2)] {
        let id = app.create_client(&admin, &format!("{name} Client")).await;
        for d in 0..count {
            let kind = if d < 2 { "MEETING" } else { "EMAIL" };
            log(&app, &admin, &id, json!({ "communicationType": kind, "subject": format!("{name}{d}"), "communicationAt": days_ago(d * 10) })).await;
        }
    }
    let query = "query($f: CommunicationFilter) { clients(orderBy: [{field: NAME}]) { edges { node { communications(first: 5, filter: $f) { totalCount pageInfo { hasNextPage } edges { node { subject } } } } } } }";
    let pages = |data: &Value| -> Vec<(Vec<String>, u64, bool)> {
        data["clients"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let c = &e["node"]["communications"];
                (
                    subjects(c),
                    c["totalCount"].as_u64().unwrap(),
                    c["pageInfo"]["hasNextPage"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    let all = app.ok_as(&admin, query, json!({ "f": null })).await;
    assert_eq!(
        pages(&all),
        [
            (
                vec![
                    "A0".into(),
                    "A1".into(),
                    "A2".into(),
                    "A3".into(),
                    "A4".into()
                ],
                6,
                true
            ),
            (vec!["B0".into(), "B1".into()], 2, false),
        ]
    );
    let meetings = app
        .ok_as(
            &admin,
            query,
            json!({ "f": { "type": ["MEETING"], "from": days_ago(15) } }),
        )
        .await;
    assert_eq!(
        pages(&meetings),
        [
            (vec!["A0".into(), "A1".into()], 2, false),
            (vec!["B0".into(), "B1".into()], 2, false)
        ]
    );
}

#[tokio::test]
async fn clients_filter_by_their_notes_and_communications() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let recent = app.create_client(&admin, "Recent").await;
    let stale = app.create_client(&admin, "Stale").await;
    let _silent = app.create_client(&admin, "Silent").await;
    log(&app, &admin, &recent, json!({ "communicationType": "MEETING", "subject": "Met", "communicationAt": days_ago(10) })).await;
    log(
        &app,
        &admin,
        &stale,
        json!({ "communicationType": "EMAIL", "subject": "Old", "communicationAt": days_ago(200) }),
    )
    .await;
    app.ok_as(
        &admin,
        "mutation($c: ID!) { createNote(clientId: $c, input: {title: \"Risk\", body: \"budget cut\", tags: [\"risk\"], noteType: TASK}) { id } }",
        json!({ "c": stale }),
    )
    .await;
    let names = |filter: Value| {
        let (app, admin) = (&app, admin.clone());
        async move {
            let data = app
                .ok_as(
                    &admin,
                    "query($f: ClientFilter) { clients(filter: $f, orderBy: [{field: NAME}]) { totalCount edges { node { name } } } }",
                    json!({ "f": filter }),
                )
                .await;
            let names: Vec<String> = data["clients"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["name"].as_str().unwrap().to_owned())
                .collect();
            assert_eq!(data["clients"]["totalCount"], names.len());
            names
        }
    };
    assert_eq!(
        names(json!({ "communications": { "none": { "from": days_ago(90) } } })).await,
        ["Silent", "Stale"],
        "no communication in 90 days"
    );
    assert_eq!(
        names(json!({ "communications": { "some": {} } })).await,
        ["Recent", "Stale"]
    );
    assert_eq!(
        names(json!({ "communications": { "some": { "type": ["MEETING"] } } })).await,
        ["Recent"]
    );
    assert_eq!(
        names(json!({ "notes": { "some": { "tags": ["risk"], "noteType": ["TASK"] } } })).await,
        ["Stale"]
    );
    assert_eq!(
        names(json!({ "notes": { "none": {} } })).await,
        ["Recent", "Silent"]
    );
    assert_eq!(
        names(
            json!({ "notes": { "some": { "search": "budget" } }, "communications": { "some": {} } })
        )
        .await,
        ["Stale"]
    );
}

#[tokio::test]
async fn another_tenants_communications_are_not_found_anywhere() {
    let app = spawn_app().await;
    let acme = app.create_tenant("acme").await;
    let globex = app.create_tenant("globex").await;
    let ours = app.token(&acme, Role::Admin).await;
    let theirs = app.token(&globex, Role::Admin).await;
    let their_client = app.create_client(&theirs, "Their Client").await;
    let their_contact = contact(&app, &theirs, &their_client, "Spy").await;
    let theirs_logged = log(&app, &theirs, &their_client, json!({ "communicationType": "CALL", "subject": "Secret", "contactId": their_contact, "followUpOn": "2020-01-01" })).await;
    let our_client = app.create_client(&ours, "Our Client").await;

    for (operation, vars) in [
        (
            "query($id: ID!) { communication(id: $id) { subject } }",
            json!({ "id": theirs_logged["id"] }),
        ),
        (
            "mutation($id: ID!) { updateCommunication(id: $id, expectedVersion: 1, input: {subject: \"x\"}) { id } }",
            json!({ "id": theirs_logged["id"] }),
        ),
        (
            "mutation($id: ID!) { markCommunicationImportant(id: $id) { id } }",
            json!({ "id": theirs_logged["id"] }),
        ),
        (
            "mutation($id: ID!) { setFollowUp(id: $id, on: \"2030-01-01\") { id } }",
            json!({ "id": theirs_logged["id"] }),
        ),
        (
            "mutation($id: ID!) { completeFollowUp(id: $id) { id } }",
            json!({ "id": theirs_logged["id"] }),
        ),
        (
            "mutation($c: ID!) { logCommunication(clientId: $c, input: {communicationType: CALL, subject: \"x\"}) { id } }",
            json!({ "c": their_client }),
        ),
        // Their contact on our client.
        (
            "mutation($c: ID!, $p: ID!) { logCommunication(clientId: $c, input: {communicationType: CALL, subject: \"x\", contactId: $p}) { id } }",
            json!({ "c": our_client, "p": their_contact }),
        ),
    ] {
        let body = app.graphql_as(&ours, operation, vars).await;
        assert_eq!(
            first_error_code(&body),
            Some("NOT_FOUND"),
            "{operation}: {body}"
        );
    }
    let data = app
        .ok_as(
            &ours,
            "query($c: ID!, $p: ID!) { due: communications(filter: {followUpDue: true}) { totalCount } byContact: communications(filter: {contactId: $p}) { totalCount } byClient: communications(clientId: $c) { totalCount } filtered: clients(filter: {communications: {some: {}}}) { totalCount } }",
            json!({ "c": their_client, "p": their_contact }),
        )
        .await;
    assert_eq!(
        data,
        json!({ "due": { "totalCount": 0 }, "byContact": { "totalCount": 0 }, "byClient": { "totalCount": 0 }, "filtered": { "totalCount": 0 } })
    );
    let untouched = app
        .ok_as(
            &theirs,
            "query($id: ID!) { communication(id: $id) { subject version followUpDoneAt } }",
            json!({ "id": theirs_logged["id"] }),
        )
        .await;
    assert_eq!(
        untouched["communication"],
        json!({ "subject": "Secret", "version": 1, "followUpDoneAt": null })
    );
}

#[tokio::test]
async fn everyone_reads_communications_but_only_writers_log_them() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let acme = app.create_client(&admin, "Acme").await;
    let logged = log(
        &app,
        &admin,
        &acme,
        json!({ "communicationType": "CALL", "subject": "Hello", "followUpOn": "2020-01-01" }),
    )
    .await;
    for role in [Role::Viewer, Role::Accountant] {
        let token = app.token(&tenant, role).await;
        let read = app
            .ok_as(
                &token,
                "query($id: ID!) { client(id: $id) { communications { totalCount } } }",
                json!({ "id": acme }),
            )
            .await;
        assert_eq!(
            read["client"]["communications"]["totalCount"], 1,
            "{role:?} reads"
        );
        for (operation, vars) in [
            (
                LOG,
                json!({ "c": acme, "i": { "communicationType": "CALL", "subject": "No" } }),
            ),
            (
                "mutation($id: ID!) { updateCommunication(id: $id, expectedVersion: 1, input: {subject: \"x\"}) { id } }",
                json!({ "id": logged["id"] }),
            ),
            (
                "mutation($id: ID!) { markCommunicationImportant(id: $id) { id } }",
                json!({ "id": logged["id"] }),
            ),
            (
                "mutation($id: ID!) { setFollowUp(id: $id, on: \"2030-01-01\") { id } }",
                json!({ "id": logged["id"] }),
            ),
            (
                "mutation($id: ID!) { completeFollowUp(id: $id) { id } }",
                json!({ "id": logged["id"] }),
            ),
        ] {
            let body = app.graphql_as(&token, operation, vars).await;
            assert_eq!(
                first_error_code(&body),
                Some("FORBIDDEN"),
                "{role:?} {operation}"
            );
        }
    }
    for role in [Role::Member, Role::Technician, Role::Manager] {
        let token = app.token(&tenant, role).await;
        log(
            &app,
            &token,
            &acme,
            json!({ "communicationType": "EMAIL", "subject": format!("{role:?}") }),
        )
        .await;
    }
}
