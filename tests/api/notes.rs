//! Notes: writing with word counts and optimistic locking, per-client newest-first pages
//! computed in SQL, filters and orders, full-text search, tenant isolation, permissions.

use clientgraph::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, days_ago, first_error_code, spawn_app};

const CREATE: &str = "mutation($c: ID!, $i: NoteInput!) { createNote(clientId: $c, input: $i) { id title wordCount version noteType tags pinned interactionAt } }";

async fn note(app: &TestApp, token: &str, client: &Value, input: Value) -> Value {
    let data = app
        .ok_as(token, CREATE, json!({ "c": client, "i": input }))
        .await;
    data["createNote"].clone()
}

fn titles(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{connection}"))
        .iter()
        .map(|e| e["node"]["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn notes_keep_their_word_count_and_refuse_stale_or_invalid_writes() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let acme = app.create_client(&admin, "Acme").await;
    let other = app.create_client(&admin, "Other").await;
    let created = note(
        &app,
        &admin,
        &acme,
        json!({ "title": "Kick-off", "body": "# Agenda\n- scope the *renewal*\n- budget 2027", "tags": [" Renewal ", "renewal", "Q4"] }),
    )
    .await;
    assert_eq!(created["wordCount"], 6, "{created}");
    assert_eq!(created["version"], 1);
    assert_eq!(created["noteType"], "GENERAL");
    assert_eq!(created["tags"], json!(["renewal", "q4"]));

    let update = "mutation($id: ID!, $v: Int!, $i: NoteInput!) { updateNote(id: $id, expectedVersion: $v, input: $i) { body wordCount version pinned } }";
    let updated = app
        .ok_as(
            &admin,
            update,
            json!({ "id": created["id"], "v": 1, "i": { "body": "Two words", "pinned": true } }),
        )
        .await;
    assert_eq!(
        updated["updateNote"],
        json!({ "body": "Two words", "wordCount": 2, "version": 2, "pinned": true })
    );
    let stale = app
        .graphql_as(
            &admin,
            update,
            json!({ "id": created["id"], "v": 1, "i": { "title": "Lost update" } }),
        )
        .await;
    assert_eq!(first_error_code(&stale), Some("CONFLICT"), "{stale}");

    for (input, field) in [
        (json!({ "title": "", "body": "x" }), "title"),
        (json!({ "title": "t", "body": "   " }), "body"),
        (json!({ "body": "no title" }), "title"),
        (json!({ "title": "t", "body": "x".repeat(100_001) }), "body"),
        (json!({ "title": "t", "body": "x", "tags": [""] }), "tags"),
    ] {
        let body = app
            .graphql_as(&admin, CREATE, json!({ "c": acme, "i": input }))
            .await;
        assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    // A contact of another client is not this client's contact.
    let contact = app
        .ok_as(
            &admin,
            "mutation($c: ID!) { addContact(clientId: $c, input: {firstName: \"Oz\", lastName: \"Other\"}) { id } }",
            json!({ "c": other }),
        )
        .await;
    let body = app
        .graphql_as(
            &admin,
            CREATE,
            json!({ "c": acme, "i": { "title": "t", "body": "b", "contactId": contact["addContact"]["id"] } }),
        )
        .await;
    assert_eq!(first_error_code(&body), Some("NOT_FOUND"), "{body}");

    // Deleted notes leave the client's list and the search.
    app.ok_as(
        &admin,
        "mutation($id: ID!) { deleteNote(id: $id) { id } }",
        json!({ "id": created["id"] }),
    )
    .await;
    let data = app
        .ok_as(
            &admin,
            "query($id: ID!) { client(id: $id) { notes { totalCount } } notes(search: \"words\") { totalCount } }",
            json!({ "id": acme }),
        )
        .await;
    assert_eq!(data["client"]["notes"]["totalCount"], 0, "{data}");
    assert_eq!(data["notes"]["totalCount"], 0, "{data}");
    let again = app
        .graphql_as(
            &admin,
            "mutation($id: ID!) { deleteNote(id: $id) { id } }",
            json!({ "id": created["id"] }),
        )
        .await;
    assert_eq!(first_error_code(&again), Some("NOT_FOUND"));

    // Restoring brings it back as a new version, once.
    let restore = "mutation($id: ID!) { restoreNote(id: $id) { title version } }";
    let restored = app
        .ok_as(&admin, restore, json!({ "id": created["id"] }))
        .await;
    assert_eq!(
        restored["restoreNote"],
        json!({ "title": "Kick-off", "version": 4 })
    );
    let data = app
        .ok_as(
            &admin,
            "query($id: ID!, $note: ID!) { client(id: $id) { notes { totalCount } } auditEvents(filter: {entityId: $note, action: \"note.restored\"}) { totalCount } }",
            json!({ "id": acme, "note": created["id"] }),
        )
        .await;
    assert_eq!(data["client"]["notes"]["totalCount"], 1, "{data}");
    assert_eq!(data["auditEvents"]["totalCount"], 1, "{data}");
    let twice = app
        .graphql_as(&admin, restore, json!({ "id": created["id"] }))
        .await;
    assert_eq!(first_error_code(&twice), Some("NOT_FOUND"), "{twice}");
}

#[tokio::test]
async fn each_client_gets_its_own_newest_notes_filtered_and_ordered_in_sql() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let mut ids = Vec::new();
    for (name, count) in [("A", 7), ("B", 3), ("C", 0)] {
        let id = app.create_client(&admin, &format!("{name} Client")).await;
        for day in 0..count {
            let kind = if day % 2 == 0 { "MEETING" } else { "CALL" };
            note(
                &app,
                &admin,
                &id,
                json!({ "title": format!("{name}{day}"), "body": "b", "noteType": kind,
                        "interactionAt": days_ago(day), "pinned": day == 5, "tags": [format!("t{}", day % 3)] }),
            )
            .await;
        }
        ids.push(id);
    }
    let query = "query($f: NoteFilter, $o: NoteOrderBy) { clients(first: 10, orderBy: [{field: NAME}]) { edges { node { name notes(first: 5, filter: $f, orderBy: $o) { totalCount pageInfo { hasNextPage } edges { cursor node { title } } } } } } }";
    let data = app
        .ok_as(&admin, query, json!({ "f": null, "o": null }))
        .await;
    let lists: Vec<(Vec<String>, u64, bool)> = data["clients"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let n = &e["node"]["notes"];
            (
                titles(n),
                n["totalCount"].as_u64().unwrap(),
                n["pageInfo"]["hasNextPage"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lists,
        [
            (
                vec![
                    "A0".into(),
                    "A1".into(),
                    "A2".into(),
                    "A3".into(),
                    "A4".into()
                ],
                7,
                true
            ),
            (vec!["B0".into(), "B1".into(), "B2".into()], 3, false),
            (vec![], 0, false),
        ],
        "newest first, each client its own page"
    );
    // The next page of one client continues after its cursor.
    let cursor = data["clients"]["edges"][0]["node"]["notes"]["edges"][4]["cursor"].clone();
    let next = app
        .ok_as(
            &admin,
            "query($id: ID!, $a: String) { client(id: $id) { notes(first: 5, after: $a) { totalCount pageInfo { hasNextPage hasPreviousPage } edges { node { title } } } } }",
            json!({ "id": ids[0], "a": cursor }),
        )
        .await;
    let notes = &next["client"]["notes"];
    assert_eq!(titles(notes), ["A5", "A6"]);
    assert_eq!(notes["totalCount"], 7, "counted apart when paging on");
    assert_eq!(notes["pageInfo"]["hasNextPage"], false);
    assert_eq!(notes["pageInfo"]["hasPreviousPage"], true);

    // Filters: type, tags, date range; orders: oldest, pinned first.
    let first_of = |data: &Value| titles(&data["clients"]["edges"][0]["node"]["notes"]);
    let meetings = app
        .ok_as(
            &admin,
            query,
            json!({ "f": { "noteType": ["MEETING"] }, "o": null }),
        )
        .await;
    assert_eq!(first_of(&meetings), ["A0", "A2", "A4", "A6"]);
    let tagged = app
        .ok_as(&admin, query, json!({ "f": { "tags": ["T1"] }, "o": null }))
        .await;
    assert_eq!(first_of(&tagged), ["A1", "A4"]);
    let window = app
        .ok_as(
            &admin,
            query,
            json!({ "f": { "from": days_ago(4) , "to": days_ago(1) }, "o": "OLDEST" }),
        )
        .await;
    assert_eq!(first_of(&window), ["A3", "A2", "A1"]);
    let pinned = app
        .ok_as(&admin, query, json!({ "f": null, "o": "PINNED_FIRST" }))
        .await;
    assert_eq!(first_of(&pinned), ["A5", "A0", "A1", "A2", "A3"]);
    let bad = app
        .graphql_as(
            &admin,
            "query($id: ID!) { client(id: $id) { notes(after: \"bm90LWEtY3Vyc29y\") { totalCount } } }",
            json!({ "id": ids[0] }),
        )
        .await;
    assert_eq!(first_error_code(&bad), Some("BAD_USER_INPUT"), "{bad}");
}

#[tokio::test]
async fn note_search_matches_words_of_title_and_body_across_clients() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let acme = app.create_client(&admin, "Acme").await;
    let globo = app.create_client(&admin, "Globo").await;
    note(
        &app,
        &admin,
        &acme,
        json!({ "title": "Renewal call", "body": "Discussed pricing for the 2027 contract." }),
    )
    .await;
    note(&app, &admin, &globo, json!({ "title": "Quarterly review", "body": "They want a renewal discount and faster hiring." })).await;
    note(
        &app,
        &admin,
        &globo,
        json!({ "title": "Lunch", "body": "Nothing about contracts." }),
    )
    .await;
    let search = |term: &'static str| {
        let (app, admin) = (&app, admin.clone());
        async move {
            let data = app
                .ok_as(
                    &admin,
                    "query($s: String) { notes(search: $s) { totalCount edges { node { title client { name } } } } }",
                    json!({ "s": term }),
                )
                .await;
            let mut t = titles(&data["notes"]);
            t.sort();
            assert_eq!(data["notes"]["totalCount"], t.len(), "{data}");
            t
        }
    };
    assert_eq!(
        search("renewal").await,
        ["Quarterly review", "Renewal call"]
    );
    assert_eq!(
        search("RENEW").await,
        ["Quarterly review", "Renewal call"],
        "prefix, any case"
    );
    assert_eq!(
        search("renewal pricing").await,
        ["Renewal call"],
        "all words"
    );
    assert_eq!(search("contract").await, ["Lunch", "Renewal call"]);
    assert_eq!(search("hiring!!! \"(*)\" OR").await, Vec::<String>::new());
    assert_eq!(
        search("faster \"hiring\"").await,
        ["Quarterly review"],
        "syntax characters are only separators"
    );
    assert_eq!(search("zebra").await, Vec::<String>::new());
    // A deleted client's notes leave the cross-client list.
    app.ok_as(
        &admin,
        "mutation($id: ID!) { deleteClient(id: $id) { id } }",
        json!({ "id": globo }),
    )
    .await;
    assert_eq!(search("renewal").await, ["Renewal call"]);
}

#[tokio::test]
async fn another_tenants_notes_are_not_found_anywhere() {
    let app = spawn_app().await;
    let acme = app.create_tenant("acme").await;
    let globex = app.create_tenant("globex").await;
    let ours = app.token(&acme, Role::Admin).await;
    let theirs = app.token(&globex, Role::Admin).await;
    let their_client = app.create_client(&theirs, "Their Client").await;
    let their_note = note(
        &app,
        &theirs,
        &their_client,
        json!({ "title": "Secret plan", "body": "merger talks", "tags": ["secret"] }),
    )
    .await;
    let our_client = app.create_client(&ours, "Our Client").await;
    note(
        &app,
        &ours,
        &our_client,
        json!({ "title": "Ours", "body": "plain" }),
    )
    .await;

    for (operation, vars) in [
        (
            "query($id: ID!) { note(id: $id) { title } }",
            json!({ "id": their_note["id"] }),
        ),
        (
            "mutation($id: ID!) { updateNote(id: $id, expectedVersion: 1, input: {title: \"x\"}) { id } }",
            json!({ "id": their_note["id"] }),
        ),
        (
            "mutation($id: ID!) { deleteNote(id: $id) { id } }",
            json!({ "id": their_note["id"] }),
        ),
        (
            "mutation($c: ID!) { createNote(clientId: $c, input: {title: \"x\", body: \"y\"}) { id } }",
            json!({ "c": their_client }),
        ),
        (
            "query($c: ID!) { client(id: $c) { notes { totalCount } } }",
            json!({ "c": their_client }),
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
            "query($c: ID!) { search: notes(search: \"merger\") { totalCount } tagged: notes(filter: {tags: [\"secret\"]}) { totalCount } byClient: notes(clientId: $c) { totalCount } all: notes { totalCount } withNotes: clients(filter: {notes: {some: {search: \"merger\"}}}) { totalCount } }",
            json!({ "c": their_client }),
        )
        .await;
    assert_eq!(
        data,
        json!({ "search": { "totalCount": 0 }, "tagged": { "totalCount": 0 }, "byClient": { "totalCount": 0 },
                "all": { "totalCount": 1 }, "withNotes": { "totalCount": 0 } })
    );
    let untouched = app
        .ok_as(
            &theirs,
            "query($id: ID!) { note(id: $id) { title version } }",
            json!({ "id": their_note["id"] }),
        )
        .await;
    assert_eq!(
        untouched["note"],
        json!({ "title": "Secret plan", "version": 1 })
    );

    // Another tenant's deleted note cannot be restored from here; its tenant can.
    let restore = "mutation($id: ID!) { restoreNote(id: $id) { version } }";
    app.ok_as(
        &theirs,
        "mutation($id: ID!) { deleteNote(id: $id) { id } }",
        json!({ "id": their_note["id"] }),
    )
    .await;
    let body = app
        .graphql_as(&ours, restore, json!({ "id": their_note["id"] }))
        .await;
    assert_eq!(first_error_code(&body), Some("NOT_FOUND"), "{body}");
    let restored = app
        .ok_as(&theirs, restore, json!({ "id": their_note["id"] }))
        .await;
    assert_eq!(restored["restoreNote"]["version"], 3);
}

#[tokio::test]
async fn everyone_reads_notes_but_only_writers_write_them() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let acme = app.create_client(&admin, "Acme").await;
    let existing = note(
        &app,
        &admin,
        &acme,
        json!({ "title": "First", "body": "b" }),
    )
    .await;
    for role in [Role::Viewer, Role::Accountant] {
        let token = app.token(&tenant, role).await;
        let read = app
            .ok_as(
                &token,
                "query($id: ID!) { client(id: $id) { notes { totalCount } } }",
                json!({ "id": acme }),
            )
            .await;
        assert_eq!(read["client"]["notes"]["totalCount"], 1, "{role:?} reads");
        for (operation, vars) in [
            (
                CREATE,
                json!({ "c": acme, "i": { "title": "No", "body": "way" } }),
            ),
            (
                "mutation($id: ID!) { updateNote(id: $id, expectedVersion: 1, input: {title: \"x\"}) { id } }",
                json!({ "id": existing["id"] }),
            ),
            (
                "mutation($id: ID!) { deleteNote(id: $id) { id } }",
                json!({ "id": existing["id"] }),
            ),
            (
                "mutation($id: ID!) { restoreNote(id: $id) { id } }",
                json!({ "id": existing["id"] }),
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
        note(
            &app,
            &token,
            &acme,
            json!({ "title": format!("{role:?}"), "body": "yes" }),
        )
        .await;
    }
}

#[tokio::test]
async fn a_deleted_clients_contacts_and_notes_are_hidden_everywhere() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let gone = app.create_client(&admin, "Gone").await;
    let contact = app
        .ok_as(
            &admin,
            "mutation($c: ID!) { addContact(clientId: $c, input: {firstName: \"Ann\", lastName: \"Gone\"}) { id } }",
            json!({ "c": gone }),
        )
        .await["addContact"]["id"]
        .clone();
    let kept = note(&app, &admin, &gone, json!({ "title": "Kept", "body": "b" })).await;
    let deleted = note(
        &app,
        &admin,
        &gone,
        json!({ "title": "Deleted", "body": "b" }),
    )
    .await;
    app.ok_as(
        &admin,
        "mutation($id: ID!) { deleteNote(id: $id) { id } }",
        json!({ "id": deleted["id"] }),
    )
    .await;
    app.ok_as(
        &admin,
        "mutation($id: ID!) { deleteClient(id: $id) { id } }",
        json!({ "id": gone }),
    )
    .await;
    for (operation, vars) in [
        (
            "query($id: ID!) { contact(id: $id) { id } }",
            json!({ "id": contact }),
        ),
        (
            "mutation($id: ID!) { removeContact(id: $id) { id } }",
            json!({ "id": contact }),
        ),
        (
            "query($id: ID!) { note(id: $id) { id } }",
            json!({ "id": kept["id"] }),
        ),
        (
            "mutation($id: ID!) { updateNote(id: $id, expectedVersion: 1, input: {title: \"x\"}) { id } }",
            json!({ "id": kept["id"] }),
        ),
        (
            "mutation($id: ID!) { deleteNote(id: $id) { id } }",
            json!({ "id": kept["id"] }),
        ),
        (
            "mutation($id: ID!) { restoreNote(id: $id) { id } }",
            json!({ "id": deleted["id"] }),
        ),
    ] {
        let body = app.graphql_as(&admin, operation, vars).await;
        assert_eq!(
            first_error_code(&body),
            Some("NOT_FOUND"),
            "{operation}: {body}"
        );
    }
    let lists = app
        .ok_as(
            &admin,
            "{ contacts { totalCount edges { node { id } } } notes { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        lists,
        json!({ "contacts": { "totalCount": 0, "edges": [] }, "notes": { "totalCount": 0 } })
    );
}
