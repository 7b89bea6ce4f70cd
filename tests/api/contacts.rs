//! Contacts: invariants (one primary, unique email), upsert, optimistic locking,
//! per-client pages computed in SQL, a constant number of statements per request,
//! tenant isolation and permissions.

use std::sync::Arc;

use clientgraph::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, first_error_code, spawn_app};

const ADD: &str = "mutation($c: ID!, $i: ContactInput!) { addContact(clientId: $c, input: $i) { id fullName email isPrimary version } }";

async fn client(app: &TestApp, token: &str, name: &str) -> Value {
    let body = app
        .graphql_as(
            token,
            "mutation($n: String!) { createClient(input: {name: $n}) { id } }",
            json!({ "n": name }),
        )
        .await;
    body["data"]["createClient"]["id"].clone()
}

async fn add(app: &TestApp, token: &str, client: &Value, input: Value) -> Value {
    app.graphql_as(token, ADD, json!({ "c": client, "i": input }))
        .await
}

async fn add_ok(app: &TestApp, token: &str, client: &Value, input: Value) -> Value {
    let body = add(app, token, client, input).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["addContact"].clone()
}

#[tokio::test]
async fn contacts_keep_one_primary_and_unique_emails() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let acme = client(&app, &admin, "Acme").await;
    let ann = add_ok(&app, &admin, &acme, json!({ "firstName": "Ann", "lastName": "Lee", "email": "Ann@Acme.example", "isPrimary": true })).await;
    assert_eq!(ann["email"], "ann@acme.example");
    let bob = add_ok(&app, &admin, &acme, json!({ "firstName": "Bob", "lastName": "Ray", "email": "bob@acme.example", "isPrimary": true })).await;
    let primary = app
        .graphql_as(&admin, "query($id: ID!) { client(id: $id) { primaryContact { fullName } contacts { edges { node { fullName isPrimary } } } } }", json!({ "id": acme }))
        .await;
    assert_eq!(
        primary["data"]["client"]["primaryContact"]["fullName"], "Bob Ray",
        "{primary}"
    );
    let flags: Vec<bool> = primary["data"]["client"]["contacts"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["isPrimary"].as_bool().unwrap())
        .collect();
    // Ordered by last name: Lee, Ray — only Ray (Bob) is primary now.
    assert_eq!(flags, [false, true]);

    // Email unique among the client's active contacts; free again once removed.
    let dup = add(
        &app,
        &admin,
        &acme,
        json!({ "firstName": "Ann", "lastName": "Two", "email": "ann@acme.example" }),
    )
    .await;
    assert_eq!(first_error_code(&dup), Some("CONFLICT"), "{dup}");
    app.graphql_as(
        &admin,
        "mutation($id: ID!) { removeContact(id: $id) { isActive } }",
        json!({ "id": ann["id"] }),
    )
    .await;
    add_ok(
        &app,
        &admin,
        &acme,
        json!({ "firstName": "Ann", "lastName": "Two", "email": "ann@acme.example" }),
    )
    .await;

    // Upsert matches by email.
    let upsert = "mutation($c: ID!, $i: ContactInput!) { upsertContact(clientId: $c, input: $i) { created contact { id title } } }";
    let body = app
        .graphql_as(
            &admin,
            upsert,
            json!({ "c": acme, "i": { "email": "BOB@acme.example", "title": "CTO" } }),
        )
        .await;
    assert_eq!(body["data"]["upsertContact"]["created"], false, "{body}");
    assert_eq!(body["data"]["upsertContact"]["contact"]["id"], bob["id"]);
    assert_eq!(body["data"]["upsertContact"]["contact"]["title"], "CTO");
    let body = app
        .graphql_as(&admin, upsert, json!({ "c": acme, "i": { "email": "cy@acme.example", "firstName": "Cy", "lastName": "Fox" } }))
        .await;
    assert_eq!(body["data"]["upsertContact"]["created"], true, "{body}");

    // Optimistic locking and validation.
    let update = "mutation($id: ID!, $v: Int!, $i: ContactInput!) { updateContact(id: $id, expectedVersion: $v, input: $i) { version department } }";
    let stale = app
        .graphql_as(
            &admin,
            update,
            json!({ "id": bob["id"], "v": 1, "i": { "department": "IT" } }),
        )
        .await;
    assert_eq!(first_error_code(&stale), Some("CONFLICT"), "{stale}");
    for (input, field) in [
        (
            json!({ "firstName": "X", "lastName": "Y", "email": "nope" }),
            "email",
        ),
        (json!({ "firstName": "X" }), "lastName"),
        (
            json!({ "firstName": "X", "lastName": "Y", "phone": "call me" }),
            "phone",
        ),
    ] {
        let body = add(&app, &admin, &acme, input).await;
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_primary_moves_leave_exactly_one_primary() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let acme = client(&app, &admin, "Acme").await;
    let mut ids = Vec::new();
    for i in 0..8 {
        ids.push(
            add_ok(
                &app,
                &admin,
                &acme,
                json!({ "firstName": format!("P{i}"), "lastName": "Person" }),
            )
            .await["id"]
                .clone(),
        );
    }
    let app = Arc::new(app);
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let (app, admin, acme, id) = (Arc::clone(&app), admin.clone(), acme.clone(), ids[i % ids.len()].clone());
            tokio::spawn(async move {
                app.graphql_as(&admin, "mutation($c: ID!, $p: ID!) { setPrimaryContact(clientId: $c, contactId: $p) { isPrimary } }", json!({ "c": acme, "p": id }))
                    .await
            })
        })
        .collect();
    for task in tasks {
        let body = task.await.unwrap();
        assert_eq!(
            body["data"]["setPrimaryContact"]["isPrimary"], true,
            "{body}"
        );
    }
    let body = app
        .graphql_as(&admin, "query($id: ID!) { client(id: $id) { contacts(first: 50) { edges { node { isPrimary } } } } }", json!({ "id": acme }))
        .await;
    let primaries = body["data"]["client"]["contacts"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["isPrimary"] == true)
        .count();
    assert_eq!(primaries, 1);
}

const NESTED: &str = "query($n: Int!) { clients(first: $n) { edges { node { name primaryContact { fullName } contacts(first: 5) { totalCount pageInfo { hasNextPage } edges { node { fullName } } } } } } }";

#[tokio::test]
async fn each_client_gets_its_own_page_of_contacts() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    for (name, count) in [("A Seven", 7), ("B Three", 3), ("C None", 0)] {
        let id = client(&app, &admin, name).await;
        for i in 0..count {
            add_ok(
                &app,
                &admin,
                &id,
                json!({ "firstName": format!("{name} {i}"), "lastName": format!("L{i}") }),
            )
            .await;
        }
    }
    let body = app.graphql_as(&admin, NESTED, json!({ "n": 10 })).await;
    let edges = body["data"]["clients"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    let shape: Vec<(u64, bool, usize)> = edges
        .iter()
        .map(|e| {
            let c = &e["node"]["contacts"];
            (
                c["totalCount"].as_u64().unwrap(),
                c["pageInfo"]["hasNextPage"].as_bool().unwrap(),
                c["edges"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(shape, [(7, true, 5), (3, false, 3), (0, false, 0)]);
    let first = &edges[0]["node"]["contacts"]["edges"];
    assert_eq!(
        first[0]["node"]["fullName"], "A Seven 0 L0",
        "ordered by last name"
    );
    assert!(
        edges.iter().all(|e| e["node"]["contacts"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["node"]["fullName"]
                .as_str()
                .unwrap()
                .starts_with(e["node"]["name"].as_str().unwrap()))),
        "no client sees another's contacts"
    );
}

#[tokio::test]
async fn create_client_adds_its_initial_contacts_in_the_same_transaction() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let technician = app.token(&tenant, Role::Technician).await;
    let create = "mutation($i: CreateClientInput!) { createClient(input: $i) { name primaryContact { fullName } contacts { totalCount } } }";
    let data = app
        .ok_as(
            &technician,
            create,
            json!({ "i": { "name": "Acme", "contacts": [
                { "firstName": "Ann", "lastName": "Lee", "email": "ann@acme.example", "isPrimary": true },
                { "firstName": "Bob", "lastName": "Ray", "role": "DECISION_MAKER" },
            ] } }),
        )
        .await;
    assert_eq!(
        data["createClient"],
        json!({ "name": "Acme", "primaryContact": { "fullName": "Ann Lee" }, "contacts": { "totalCount": 2 } })
    );
    // The new contacts are searchable at once.
    let found = app
        .ok_as(
            &technician,
            "{ clients(search: \"ann@acme\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(found["clients"]["totalCount"], 1);

    for (contacts, field) in [
        (
            json!([{ "firstName": "Ok", "lastName": "Fine" }, { "firstName": "Bad", "lastName": "Mail", "email": "not-an-email" }]),
            "contacts[1].email",
        ),
        (
            json!([{ "firstName": "A", "lastName": "One", "isPrimary": true }, { "firstName": "B", "lastName": "Two", "isPrimary": true }]),
            "contacts",
        ),
    ] {
        let body = app
            .graphql_as(
                &technician,
                create,
                json!({ "i": { "name": "Globo", "contacts": contacts } }),
            )
            .await;
        assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    let duplicate_email = app
        .graphql_as(
            &technician,
            create,
            json!({ "i": { "name": "Globo", "contacts": [
                { "firstName": "A", "lastName": "One", "email": "same@globo.example" },
                { "firstName": "B", "lastName": "Two", "email": "same@globo.example" },
            ] } }),
        )
        .await;
    assert_eq!(
        first_error_code(&duplicate_email),
        Some("CONFLICT"),
        "{duplicate_email}"
    );
    let count = app
        .ok_as(
            &technician,
            "{ clients(search: \"globo\") { totalCount } contacts { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        count,
        json!({ "clients": { "totalCount": 0 }, "contacts": { "totalCount": 2 } }),
        "a refused creation writes nothing"
    );
}

#[tokio::test]
async fn another_tenants_contacts_and_clients_are_not_found() {
    let app = spawn_app().await;
    let acme = app.create_tenant("acme").await;
    let globex = app.create_tenant("globex").await;
    let ours = app.token(&acme, Role::Admin).await;
    let theirs = app.token(&globex, Role::Admin).await;
    let their_client = client(&app, &theirs, "Their Client").await;
    let their_contact = add_ok(
        &app,
        &theirs,
        &their_client,
        json!({ "firstName": "Secret", "lastName": "Agent", "email": "agent@globex.example" }),
    )
    .await;
    let our_client = client(&app, &ours, "Our Client").await;

    let body = add(
        &app,
        &ours,
        &their_client,
        json!({ "firstName": "Spy", "lastName": "Plant" }),
    )
    .await;
    assert_eq!(first_error_code(&body), Some("NOT_FOUND"));
    for (operation, vars) in [
        (
            "query($id: ID!) { contact(id: $id) { fullName } }",
            json!({ "id": their_contact["id"] }),
        ),
        (
            "mutation($id: ID!) { updateContact(id: $id, expectedVersion: 1, input: {title: \"x\"}) { id } }",
            json!({ "id": their_contact["id"] }),
        ),
        (
            "mutation($id: ID!) { removeContact(id: $id) { id } }",
            json!({ "id": their_contact["id"] }),
        ),
        (
            "mutation($c: ID!, $p: ID!) { setPrimaryContact(clientId: $c, contactId: $p) { id } }",
            json!({ "c": our_client, "p": their_contact["id"] }),
        ),
        (
            "mutation($c: ID!, $p: ID!) { setPrimaryContact(clientId: $c, contactId: $p) { id } }",
            json!({ "c": their_client, "p": their_contact["id"] }),
        ),
        (
            "mutation($c: ID!) { upsertContact(clientId: $c, input: {email: \"agent@globex.example\"}) { created } }",
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
    let body = app
        .graphql_as(
            &ours,
            "{ contacts(search: \"agent\") { totalCount edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["contacts"]["totalCount"], 0);
    let body = app
        .graphql_as(
            &theirs,
            "query($id: ID!) { contact(id: $id) { title isActive } }",
            json!({ "id": their_contact["id"] }),
        )
        .await;
    assert_eq!(
        body["data"]["contact"],
        json!({ "title": null, "isActive": true })
    );
}

#[tokio::test]
async fn viewers_read_contacts_but_only_writers_change_them() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let acme = client(&app, &admin, "Acme").await;
    add_ok(
        &app,
        &admin,
        &acme,
        json!({ "firstName": "Ann", "lastName": "Lee" }),
    )
    .await;
    for role in [Role::Viewer, Role::Accountant] {
        let token = app.token(&tenant, role).await;
        let read = app
            .graphql_as(
                &token,
                "query($id: ID!) { client(id: $id) { contacts { totalCount } } }",
                json!({ "id": acme }),
            )
            .await;
        assert_eq!(
            read["data"]["client"]["contacts"]["totalCount"], 1,
            "{role:?} reads"
        );
        let write = add(
            &app,
            &token,
            &acme,
            json!({ "firstName": "No", "lastName": "Way" }),
        )
        .await;
        assert_eq!(
            first_error_code(&write),
            Some("FORBIDDEN"),
            "{role:?} cannot write"
        );
    }
    for role in [Role::Member, Role::Technician, Role::Manager] {
        let token = app.token(&tenant, role).await;
        add_ok(
            &app,
            &token,
            &acme,
            json!({ "firstName": "Yes", "lastName": format!("{role:?}") }),
        )
        .await;
    }
}

#[tokio::test]
async fn client_search_and_relation_filters_see_contacts() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let alpha = client(&app, &admin, "Alpha Works").await;
    let beta = client(&app, &admin, "Beta Works").await;
    let _gamma = client(&app, &admin, "Gamma Works").await;
    let zoe = add_ok(&app, &admin, &alpha, json!({ "firstName": "Zoe", "lastName": "Quill", "email": "zoe@example.com", "role": "DECISION_MAKER" })).await;
    add_ok(&app, &admin, &beta, json!({ "firstName": "Max", "lastName": "Stone", "email": "max@example.com", "role": "END_USER" })).await;

    let names = |body: &Value| -> Vec<String> {
        let mut names: Vec<String> = body["data"]["clients"]["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|e| e["node"]["name"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    let search = |term: &'static str| {
        let (app, admin) = (&app, admin.clone());
        async move {
            app.graphql_as(
                &admin,
                "query($s: String) { clients(search: $s) { edges { node { name } } } }",
                json!({ "s": term }),
            )
            .await
        }
    };
    assert_eq!(
        names(&search("quill").await),
        ["Alpha Works"],
        "contact name"
    );
    assert_eq!(
        names(&search("max@example").await),
        ["Beta Works"],
        "contact email"
    );
    // Renaming the client keeps its contacts searchable; removing the contact does not.
    app.graphql_as(&admin, "mutation($id: ID!) { updateClient(id: $id, expectedVersion: 1, input: {name: \"Alpha Renamed\"}) { id } }", json!({ "id": alpha }))
        .await;
    assert_eq!(names(&search("quill").await), ["Alpha Renamed"]);
    app.graphql_as(
        &admin,
        "mutation($id: ID!) { removeContact(id: $id) { id } }",
        json!({ "id": zoe["id"] }),
    )
    .await;
    assert!(names(&search("quill").await).is_empty());
    add_ok(&app, &admin, &alpha, json!({ "firstName": "Zoe", "lastName": "Quill", "email": "zoe@example.com", "role": "DECISION_MAKER" })).await;

    let filtered = |filter: Value| {
        let (app, admin) = (&app, admin.clone());
        async move {
            app.graphql_as(&admin, "query($f: ClientFilter) { clients(filter: $f) { totalCount edges { node { name } } } }", json!({ "f": filter })).await
        }
    };
    let decision_makers = filtered(
        json!({ "contacts": { "some": { "role": "DECISION_MAKER", "search": "@example.com" } } }),
    )
    .await;
    assert_eq!(names(&decision_makers), ["Alpha Renamed"]);
    let without_contacts = filtered(json!({ "contacts": { "none": {} } })).await;
    assert_eq!(names(&without_contacts), ["Gamma Works"]);
    let no_decision_maker =
        filtered(json!({ "contacts": { "none": { "role": "DECISION_MAKER" } } })).await;
    assert_eq!(names(&no_decision_maker), ["Beta Works", "Gamma Works"]);
    let any_contact = filtered(json!({ "contacts": { "some": {} } })).await;
    assert_eq!(any_contact["data"]["clients"]["totalCount"], 2);

    // Another tenant's contacts never satisfy a relation filter here.
    let other = app.create_tenant("globex").await;
    let theirs = app.token(&other, Role::Admin).await;
    let their_client = client(&app, &theirs, "Their Works").await;
    add_ok(&app, &theirs, &their_client, json!({ "firstName": "Tom", "lastName": "Hidden", "email": "tom@example.org", "role": "DECISION_MAKER" })).await;
    let body = filtered(json!({ "contacts": { "some": { "search": "example.org" } } })).await;
    assert_eq!(body["data"]["clients"]["totalCount"], 0);
    assert!(names(&search("hidden").await).is_empty());
}
