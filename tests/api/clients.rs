//! Clients: creation rules, codes, duplicates, validation, optimistic locking,
//! lifecycle, billing secrecy, listing (filters, search, order, keyset pages) and
//! tenant isolation.

use std::sync::Arc;

use clientgraph::auth::Role;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestTenant, error_codes, first_error_code, spawn_app};

const CREATE: &str = "mutation($input: CreateClientInput!) { createClient(input: $input) { id clientCode version name status tags addresses { kind city country isPrimary } } }";
const UPDATE: &str = "mutation($id: ID!, $v: Int!, $input: UpdateClientInput!) { updateClient(id: $id, expectedVersion: $v, input: $input) { id version name email industry tags } }";

async fn create(app: &TestApp, token: &str, input: Value) -> Value {
    app.graphql_as(token, CREATE, json!({ "input": input }))
        .await
}

async fn create_ok(app: &TestApp, token: &str, input: Value) -> Value {
    let body = create(app, token, input).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["createClient"].clone()
}

async fn setup() -> (TestApp, TestTenant, String) {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    (app, tenant, admin)
}

#[tokio::test]
async fn a_client_is_created_with_addresses_a_code_and_an_audit_record() {
    let (app, _, admin) = setup().await;
    let client = create_ok(
        &app,
        &admin,
        json!({
            "name": "Globex Corporation", "industry": "Energy", "tags": ["VIP", " b2b "],
            "website": "www.globex.example", "currency": "eur", "customFields": { "region": "north" },
            "addresses": [
                { "kind": "HEADQUARTERS", "line1": "1 Main St", "city": "Springfield", "country": "us", "isPrimary": true },
                { "kind": "BILLING", "line1": "PO Box 7", "city": "Shelbyville", "country": "US" }
            ]
        }),
    )
    .await;
    let year = chrono::Utc::now().format("%Y").to_string();
    assert_eq!(client["clientCode"], format!("CLT-{year}-0001"));
    assert_eq!(client["status"], "ACTIVE");
    assert_eq!(client["version"], 1);
    assert_eq!(client["tags"], json!(["vip", "b2b"]));
    assert_eq!(client["addresses"][0]["isPrimary"], true);
    assert_eq!(client["addresses"][0]["country"], "US");

    let second = create_ok(&app, &admin, json!({ "name": "Initech" })).await;
    assert_eq!(second["clientCode"], format!("CLT-{year}-0002"));

    let by_code = app
        .graphql_as(
            &admin,
            "query($c: String!) { clientByCode(code: $c) { name website currency customFields } }",
            json!({ "c": client["clientCode"] }),
        )
        .await;
    assert_eq!(
        by_code["data"]["clientByCode"]["website"],
        "https://www.globex.example"
    );
    assert_eq!(by_code["data"]["clientByCode"]["currency"], "EUR");
    assert_eq!(
        by_code["data"]["clientByCode"]["customFields"]["region"],
        "north"
    );

    let trail = app
        .graphql_as(&admin, "query($id: ID!) { client(id: $id) { auditTrail { edges { node { action changes } } } } }", json!({ "id": client["id"] }))
        .await;
    let events = &trail["data"]["client"]["auditTrail"]["edges"];
    assert_eq!(events[0]["node"]["action"], "client.created", "{trail}");
    assert_eq!(
        events[0]["node"]["changes"]["name"]["to"],
        "Globex Corporation"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn client_codes_stay_unique_when_twenty_are_created_at_once() {
    let (app, _, admin) = setup().await;
    let app = Arc::new(app);
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (app, admin) = (Arc::clone(&app), admin.clone());
            tokio::spawn(async move {
                create_ok(&app, &admin, json!({ "name": format!("Concurrent {i}") })).await
            })
        })
        .collect();
    let mut codes = Vec::new();
    for task in tasks {
        codes.push(
            task.await.unwrap()["clientCode"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 20, "{codes:?}");
}

#[tokio::test]
async fn duplicates_in_the_tenant_are_a_conflict_naming_the_existing_client() {
    let (app, _, admin) = setup().await;
    let first = create_ok(
        &app,
        &admin,
        json!({ "name": "ACME, Inc.", "registrationNumber": "HRB 1234", "website": "https://www.acme.example" }),
    )
    .await;
    let code = first["clientCode"].as_str().unwrap();
    for (input, why) in [
        (json!({ "name": "acme   inc" }), "name"),
        (
            json!({ "name": "Different", "registrationNumber": "HRB 1234" }),
            "registration number",
        ),
        (
            json!({ "name": "Other", "website": "acme.example/contact" }),
            "website domain",
        ),
    ] {
        let body = create(&app, &admin, input).await;
        assert_eq!(first_error_code(&body), Some("CONFLICT"), "{body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(code) && message.contains(why), "{message}");
    }
    // Another tenant may use the same name.
    let other = app.create_tenant("globex").await;
    let token = app.token(&other, Role::Admin).await;
    create_ok(&app, &token, json!({ "name": "ACME Inc" })).await;
}

#[tokio::test]
async fn invalid_input_is_bad_user_input_naming_the_field() {
    let (app, _, admin) = setup().await;
    for (input, field) in [
        (json!({ "name": "A" }), "name"),
        (json!({ "name": "Acme", "email": "not-an-email" }), "email"),
        (
            json!({ "name": "Acme", "website": "ftp://acme.example" }),
            "website",
        ),
        (json!({ "name": "Acme", "currency": "XXY" }), "currency"),
        (
            json!({ "name": "Acme", "outstandingBalance": -5 }),
            "outstandingBalance",
        ),
        (
            json!({ "name": "Acme", "employeeCount": -1 }),
            "employeeCount",
        ),
        (
            json!({ "name": "Acme", "customFields": [1, 2] }),
            "customFields",
        ),
        (
            json!({ "name": "Acme", "contractStart": "2026-05-01", "contractEnd": "2026-01-01" }),
            "contractEnd",
        ),
        (
            json!({ "name": "Acme", "addresses": [{ "kind": "OTHER", "line1": "x", "city": "y", "country": "XX" }] }),
            "addresses[0].country",
        ),
        (
            json!({ "name": "Acme", "accountManagerId": "not-a-uuid" }),
            "accountManagerId",
        ),
    ] {
        let body = create(&app, &admin, input.clone()).await;
        assert_eq!(
            first_error_code(&body),
            Some("BAD_USER_INPUT"),
            "{input}: {body}"
        );
        assert_eq!(
            body["errors"][0]["extensions"]["field"], field,
            "{input}: {body}"
        );
    }
    // Enum values are checked by the schema itself.
    let body = create(
        &app,
        &admin,
        json!({ "name": "Acme", "status": "SLEEPING" }),
    )
    .await;
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"));
    assert!(body["data"].is_null());
}

#[tokio::test]
async fn updates_are_partial_versioned_and_cannot_touch_the_code() {
    let (app, _, admin) = setup().await;
    let client = create_ok(
        &app,
        &admin,
        json!({ "name": "Hooli", "email": "hi@hooli.example", "industry": "Tech", "tags": ["a"] }),
    )
    .await;
    let id = client["id"].clone();
    let body = app
        .graphql_as(
            &admin,
            UPDATE,
            json!({ "id": id, "v": 1, "input": { "industry": null, "tags": ["b", "c"] } }),
        )
        .await;
    let updated = &body["data"]["updateClient"];
    assert_eq!(updated["version"], 2, "{body}");
    assert_eq!(updated["email"], "hi@hooli.example", "untouched field kept");
    assert_eq!(updated["industry"], Value::Null, "null clears");
    assert_eq!(updated["tags"], json!(["b", "c"]));

    let stale = app
        .graphql_as(
            &admin,
            UPDATE,
            json!({ "id": id, "v": 1, "input": { "name": "Hooli XYZ" } }),
        )
        .await;
    assert_eq!(first_error_code(&stale), Some("CONFLICT"));
    let code = app
        .graphql_as(&admin, "mutation($id: ID!) { updateClient(id: $id, expectedVersion: 2, input: { clientCode: \"X\" }) { id } }", json!({ "id": id }))
        .await;
    assert_eq!(
        first_error_code(&code),
        Some("BAD_USER_INPUT"),
        "clientCode is not an input field"
    );

    // Parent links refuse cycles.
    let parent = create_ok(&app, &admin, json!({ "name": "Hooli Holdings" })).await;
    let body = app
        .graphql_as(
            &admin,
            UPDATE,
            json!({ "id": id, "v": 2, "input": { "parentClientId": parent["id"] } }),
        )
        .await;
    assert_eq!(body["data"]["updateClient"]["version"], 3, "{body}");
    let body = app
        .graphql_as(
            &admin,
            UPDATE,
            json!({ "id": parent["id"], "v": 1, "input": { "parentClientId": id } }),
        )
        .await;
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "parentClientId");
    let family = app
        .graphql_as(
            &admin,
            "query($id: ID!) { client(id: $id) { subsidiaries { name } parent { name } } }",
            json!({ "id": parent["id"] }),
        )
        .await;
    assert_eq!(family["data"]["client"]["subsidiaries"][0]["name"], "Hooli");
}

async fn visible(app: &TestApp, token: &str, id: &Value, code: &Value, name: &str) -> [bool; 4] {
    let get = app
        .graphql_as(
            token,
            "query($id: ID!) { client(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    let by_code = app
        .graphql_as(
            token,
            "query($c: String!) { clientByCode(code: $c) { id } }",
            json!({ "c": code }),
        )
        .await;
    let search = app
        .graphql_as(
            token,
            "query($s: String) { clients(search: $s) { totalCount edges { node { id } } } }",
            json!({ "s": name }),
        )
        .await;
    let list = app.graphql_as(token, "{ clients(first: 100) { totalCount summary { byStatus { status count } } edges { node { id } } } }", json!({})).await;
    [
        !get["data"]["client"].is_null(),
        by_code["data"]["clientByCode"]["id"] == *id,
        search["data"]["clients"]["totalCount"] == 1,
        list["data"]["clients"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["node"]["id"] == *id),
    ]
}

#[tokio::test]
async fn soft_delete_hides_a_client_everywhere_and_restore_brings_it_back() {
    let (app, tenant, admin) = setup().await;
    let client = create_ok(&app, &admin, json!({ "name": "Vandelay Industries" })).await;
    let (id, code) = (client["id"].clone(), client["clientCode"].clone());
    assert_eq!(
        visible(&app, &admin, &id, &code, "vandelay").await,
        [true; 4]
    );

    let body = app
        .graphql_as(
            &admin,
            "mutation($id: ID!) { deleteClient(id: $id) { deletedAt } }",
            json!({ "id": id }),
        )
        .await;
    assert!(
        body["data"]["deleteClient"]["deletedAt"].is_string(),
        "{body}"
    );
    assert_eq!(
        visible(&app, &admin, &id, &code, "vandelay").await,
        [false; 4]
    );
    let body = app
        .graphql_as(
            &admin,
            UPDATE,
            json!({ "id": id, "v": 2, "input": { "name": "Ghost" } }),
        )
        .await;
    assert_eq!(first_error_code(&body), Some("NOT_FOUND"));

    // Admins may list deleted clients; others may not ask.
    let body = app
        .graphql_as(
            &admin,
            "{ clients(filter: {includeDeleted: true}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["clients"]["totalCount"], 1);
    let member = app.token(&tenant, Role::Member).await;
    let body = app
        .graphql_as(
            &member,
            "{ clients(filter: {includeDeleted: true}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(first_error_code(&body), Some("FORBIDDEN"));

    let body = app
        .graphql_as(
            &admin,
            "mutation($id: ID!) { restoreClient(id: $id) { deletedAt } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        body["data"]["restoreClient"]["deletedAt"],
        Value::Null,
        "{body}"
    );
    assert_eq!(
        visible(&app, &admin, &id, &code, "vandelay").await,
        [true; 4]
    );
}

#[tokio::test]
async fn only_admins_deactivate_and_reactivate() {
    let (app, tenant, admin) = setup().await;
    let client = create_ok(&app, &admin, json!({ "name": "Stark Industries" })).await;
    let deactivate = "mutation($id: ID!) { deactivateClient(id: $id, reason: \"Contract ended\") { status deactivationReason deactivatedAt } }";
    for role in [Role::Manager, Role::Member] {
        let token = app.token(&tenant, role).await;
        let body = app
            .graphql_as(&token, deactivate, json!({ "id": client["id"] }))
            .await;
        assert_eq!(first_error_code(&body), Some("FORBIDDEN"), "{role:?}");
    }
    let body = app
        .graphql_as(&admin, deactivate, json!({ "id": client["id"] }))
        .await;
    assert_eq!(
        body["data"]["deactivateClient"]["status"], "INACTIVE",
        "{body}"
    );
    assert_eq!(
        body["data"]["deactivateClient"]["deactivationReason"],
        "Contract ended"
    );
    let again = app
        .graphql_as(&admin, deactivate, json!({ "id": client["id"] }))
        .await;
    assert_eq!(first_error_code(&again), Some("CONFLICT"));
    let body = app
        .graphql_as(
            &admin,
            "mutation($id: ID!) { reactivateClient(id: $id) { status deactivatedAt } }",
            json!({ "id": client["id"] }),
        )
        .await;
    assert_eq!(body["data"]["reactivateClient"]["status"], "ACTIVE");
    assert_eq!(
        body["data"]["reactivateClient"]["deactivatedAt"],
        Value::Null
    );
}

#[tokio::test]
async fn billing_fields_and_the_tax_id_are_for_billing_readers_only() {
    let (app, tenant, admin) = setup().await;
    let client = create_ok(
        &app,
        &admin,
        json!({ "name": "Wayne Enterprises", "taxId": "DE-987654321", "outstandingBalance": 1234.5, "hourlyRate": 150 }),
    )
    .await;
    let query = "query($id: ID!) { client(id: $id) { name taxId outstandingBalance hourlyRate totalRevenue annualRevenue } }";
    for role in [Role::Member, Role::Viewer, Role::Technician] {
        let token = app.token(&tenant, role).await;
        let body = app
            .graphql_as(&token, query, json!({ "id": client["id"] }))
            .await;
        let c = &body["data"]["client"];
        assert_eq!(
            c["name"], "Wayne Enterprises",
            "{role:?}: the rest resolves"
        );
        for field in [
            "taxId",
            "outstandingBalance",
            "hourlyRate",
            "totalRevenue",
            "annualRevenue",
        ] {
            assert_eq!(c[field], Value::Null, "{role:?} {field}");
        }
        assert_eq!(error_codes(&body).len(), 5, "{body}");
        assert!(error_codes(&body).iter().all(|c| c == "FORBIDDEN"));
        // Hidden figures cannot leak through filters or ordering either.
        let filtered = app
            .graphql_as(
                &token,
                "{ clients(filter: {outstandingBalance: {min: 1000}}) { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(first_error_code(&filtered), Some("FORBIDDEN"), "{role:?}");
        let ordered = app
            .graphql_as(
                &token,
                "{ clients(orderBy: [{field: OUTSTANDING_BALANCE}]) { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(first_error_code(&ordered), Some("FORBIDDEN"), "{role:?}");
        // Nor be written.
        let write = app
            .graphql_as(
                &token,
                UPDATE,
                json!({ "id": client["id"], "v": 1, "input": { "hourlyRate": 1 } }),
            )
            .await;
        assert!(
            matches!(first_error_code(&write), Some("FORBIDDEN")),
            "{role:?}: {write}"
        );
    }
    let accountant = app.token(&tenant, Role::Accountant).await;
    let body = app
        .graphql_as(&accountant, query, json!({ "id": client["id"] }))
        .await;
    assert_eq!(body["data"]["client"]["taxId"], "DE-987654321", "{body}");
    assert_eq!(body["data"]["client"]["outstandingBalance"], 1234.5);
    let filtered = app
        .graphql_as(
            &accountant,
            "{ clients(filter: {outstandingBalance: {min: 1000}}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(filtered["data"]["clients"]["totalCount"], 1);

    // The plaintext is nowhere at rest, and the reveal was audited.
    for table in ["clients", "audit_events", "event_outbox"] {
        let rows = app
            .db
            .system("test inspection")
            .conn()
            .query_all_raw(Statement::from_string(
                app.db
                    .system("test inspection")
                    .conn()
                    .get_database_backend(),
                format!("SELECT * FROM {table}"),
            ))
            .await
            .unwrap();
        let dump = format!("{rows:?}");
        assert!(!dump.contains("987654321"), "tax id in {table}");
    }
    let audit = app
        .graphql_as(&admin, "query($id: ID!) { auditEvents(filter: {entityId: $id, action: \"client.tax_id_revealed\"}) { totalCount edges { node { actorId } } } }", json!({ "id": client["id"] }))
        .await;
    assert_eq!(audit["data"]["auditEvents"]["totalCount"], 1, "{audit}");
}

#[tokio::test]
async fn filters_search_and_summary_select_the_right_clients() {
    let (app, _, admin) = setup().await;
    for (name, status, tier, industry, tags, region) in [
        (
            "Alpha Logistics",
            "ACTIVE",
            "ENTERPRISE",
            "Logistics",
            vec!["vip", "eu"],
            "north",
        ),
        (
            "Beta Foods",
            "ON_HOLD",
            "SMALL_BUSINESS",
            "Food",
            vec!["eu"],
            "south",
        ),
        (
            "Gamma Freight",
            "ACTIVE",
            "MID_MARKET",
            "logistics",
            vec!["vip"],
            "north",
        ),
        (
            "Delta Bank",
            "ARCHIVED",
            "STRATEGIC",
            "Finance",
            vec![],
            "east",
        ),
    ] {
        create_ok(
            &app,
            &admin,
            json!({ "name": name, "status": status, "tier": tier, "industry": industry, "tags": tags, "customFields": { "region": region } }),
        )
        .await;
    }
    let names = |body: &Value| -> Vec<String> {
        body["data"]["clients"]["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|e| e["node"]["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let run = |filter: Value, search: Option<&str>| {
        let app = &app;
        let admin = admin.clone();
        let search = search.map(str::to_owned);
        async move {
            app.graphql_as(
                &admin,
                "query($f: ClientFilter, $s: String) { clients(filter: $f, search: $s) { totalCount edges { node { name } } } }",
                json!({ "f": filter, "s": search }),
            )
            .await
        }
    };
    assert_eq!(
        names(&run(json!({ "status": ["ACTIVE", "ON_HOLD"] }), None).await),
        ["Alpha Logistics", "Beta Foods", "Gamma Freight"]
    );
    assert_eq!(
        names(&run(json!({ "industry": "LOGISTICS" }), None).await),
        ["Alpha Logistics", "Gamma Freight"]
    );
    assert_eq!(
        names(&run(json!({ "tags": { "any": ["vip", "nope"] } }), None).await),
        ["Alpha Logistics", "Gamma Freight"]
    );
    assert_eq!(
        names(&run(json!({ "tags": { "all": ["vip", "eu"] } }), None).await),
        ["Alpha Logistics"]
    );
    assert_eq!(
        names(
            &run(
                json!({ "customFields": [{ "key": "region", "value": "north" }] }),
                None
            )
            .await
        ),
        ["Alpha Logistics", "Gamma Freight"]
    );
    assert_eq!(
        names(&run(json!({ "tier": ["STRATEGIC"] }), None).await),
        ["Delta Bank"]
    );
    // Search: partial, case-insensitive, over name, code and industry; short terms too.
    assert_eq!(
        names(&run(json!({}), Some("FREIG")).await),
        ["Gamma Freight"]
    );
    assert_eq!(
        names(&run(json!({}), Some("finance")).await),
        ["Delta Bank"]
    );
    assert_eq!(
        names(&run(json!({}), Some("ta")).await),
        ["Beta Foods", "Delta Bank"]
    );
    let year = chrono::Utc::now().format("%Y").to_string();
    assert_eq!(
        names(&run(json!({}), Some(&format!("clt-{year}-0003"))).await),
        ["Gamma Freight"]
    );
    assert_eq!(
        run(json!({ "status": ["ACTIVE"] }), Some("logistics")).await["data"]["clients"]["totalCount"],
        2
    );

    let summary = app
        .graphql_as(
            &admin,
            "{ clients { summary { byStatus { status count } } } }",
            json!({}),
        )
        .await;
    let mut by_status: Vec<(String, i64)> = summary["data"]["clients"]["summary"]["byStatus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["status"].as_str().unwrap().to_owned(),
                s["count"].as_i64().unwrap(),
            )
        })
        .collect();
    by_status.sort();
    assert_eq!(
        by_status,
        [
            ("ACTIVE".to_owned(), 2),
            ("ARCHIVED".to_owned(), 1),
            ("ON_HOLD".to_owned(), 1)
        ]
    );

    let too_big = app
        .graphql_as(&admin, "{ clients(first: 101) { totalCount } }", json!({}))
        .await;
    assert_eq!(first_error_code(&too_big), Some("BAD_USER_INPUT"));
    assert_eq!(too_big["errors"][0]["extensions"]["field"], "first");
}

async fn page(app: &TestApp, token: &str, args: &str) -> (Vec<String>, Value) {
    let body = app
        .graphql_as(
            token,
            &format!("{{ clients({args}) {{ pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} edges {{ cursor node {{ name }} }} }} }}"),
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let names = body["data"]["clients"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["name"].as_str().unwrap().to_owned())
        .collect();
    (names, body["data"]["clients"]["pageInfo"].clone())
}

#[tokio::test]
async fn keyset_pages_walk_forwards_and_backwards_without_gaps_or_repeats() {
    let (app, _, admin) = setup().await;
    for i in 0..25 {
        // Every third client has no employee count: nulls must be placed consistently.
        let count = if i % 3 == 0 {
            Value::Null
        } else {
            json!(i % 5)
        };
        create_ok(
            &app,
            &admin,
            json!({ "name": format!("Client {i:02}"), "employeeCount": count }),
        )
        .await;
    }
    let order = "orderBy: [{field: EMPLOYEE_COUNT, direction: DESC, nulls: FIRST}, {field: NAME}]";
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut inserted = false;
    loop {
        let cursor = after
            .as_ref()
            .map(|c| format!(", after: \"{c}\""))
            .unwrap_or_default();
        let (names, info) = page(&app, &admin, &format!("first: 7, {order}{cursor}")).await;
        seen.extend(names);
        if !inserted {
            // Rows inserted between pages, before and after the cursor, do not disturb it.
            create_ok(
                &app,
                &admin,
                json!({ "name": "Client 00a", "employeeCount": null }),
            )
            .await;
            create_ok(
                &app,
                &admin,
                json!({ "name": "Client zz", "employeeCount": 0 }),
            )
            .await;
            inserted = true;
        }
        if info["hasNextPage"] == false {
            break;
        }
        after = info["endCursor"].as_str().map(str::to_owned);
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no repeats: {seen:?}");
    assert!(
        seen.contains(&"Client zz".to_owned()),
        "a row inserted ahead of the cursor is reached"
    );
    assert_eq!(seen.len(), 26, "{seen:?}");

    // The full order, fetched at once, matches what walking backwards returns.
    let (all, _) = page(&app, &admin, &format!("first: 100, {order}")).await;
    let mut backwards = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let cursor = before
            .as_ref()
            .map(|c| format!(", before: \"{c}\""))
            .unwrap_or_default();
        let (names, info) = page(&app, &admin, &format!("last: 6, {order}{cursor}")).await;
        backwards.splice(0..0, names);
        if info["hasPreviousPage"] == false {
            break;
        }
        before = info["startCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(backwards, all);
    // Nulls first in the descending count, then names ascending within a count.
    assert!(all[0].starts_with("Client 00"), "{all:?}");

    // Orderings led by a non-null key (which seek with a range bound) walk the same way.
    for order in [
        "orderBy: [{field: NAME}]",
        "orderBy: [{field: CREATED_AT, direction: DESC}]",
    ] {
        let (all, _) = page(&app, &admin, &format!("first: 100, {order}")).await;
        let mut walked = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let cursor = after
                .as_ref()
                .map(|c| format!(", after: \"{c}\""))
                .unwrap_or_default();
            let (names, info) = page(&app, &admin, &format!("first: 4, {order}{cursor}")).await;
            walked.extend(names);
            if info["hasNextPage"] == false {
                break;
            }
            after = info["endCursor"].as_str().map(str::to_owned);
        }
        assert_eq!(walked, all, "{order}");
    }

    let mixed = app
        .graphql_as(
            &admin,
            "{ clients(first: 2, last: 2) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(first_error_code(&mixed), Some("BAD_USER_INPUT"));
    let bogus = app
        .graphql_as(
            &admin,
            "{ clients(after: \"bm9wZQ\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(first_error_code(&bogus), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn another_tenants_clients_are_not_found_anywhere() {
    let (app, tenant, admin) = setup().await;
    let other = app.create_tenant("globex").await;
    let theirs = app.token(&other, Role::Admin).await;
    let their = create_ok(
        &app,
        &theirs,
        json!({ "name": "Secret Client", "industry": "Spying" }),
    )
    .await;
    create_ok(&app, &admin, json!({ "name": "Our Client" })).await;
    let (id, code) = (their["id"].clone(), their["clientCode"].clone());
    assert_eq!(
        visible(&app, &admin, &id, &code, "secret").await,
        [false; 4]
    );
    let body = app
        .graphql_as(
            &admin,
            "{ clients { totalCount summary { byStatus { count } } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["clients"]["totalCount"], 1);
    assert_eq!(
        body["data"]["clients"]["summary"]["byStatus"][0]["count"],
        1
    );
    for (operation, vars) in [
        (
            UPDATE,
            json!({ "id": id, "v": 1, "input": { "name": "Hijacked" } }),
        ),
        (
            "mutation($id: ID!) { deactivateClient(id: $id, reason: \"x\") { id } }",
            json!({ "id": id }),
        ),
        (
            "mutation($id: ID!) { deleteClient(id: $id) { id } }",
            json!({ "id": id }),
        ),
        (
            "mutation($id: ID!) { restoreClient(id: $id) { id } }",
            json!({ "id": id }),
        ),
        (
            "query($id: ID!) { clients(filter: {parentClientId: $id}) { totalCount } }",
            json!({ "id": id }),
        ),
    ] {
        let body = app.graphql_as(&admin, operation, vars).await;
        let code = first_error_code(&body);
        assert!(
            code == Some("NOT_FOUND") || body["data"]["clients"]["totalCount"] == 0,
            "{operation}: {body}"
        );
    }
    // Another tenant's client cannot become our parent.
    let body = create(
        &app,
        &admin,
        json!({ "name": "Child", "parentClientId": id }),
    )
    .await;
    assert_eq!(first_error_code(&body), Some("NOT_FOUND"), "{body}");
    let (their_user, _) = app.create_user(&other, Role::Member).await;
    let body = create(
        &app,
        &admin,
        json!({ "name": "Managed", "accountManagerId": their_user }),
    )
    .await;
    assert_eq!(first_error_code(&body), Some("NOT_FOUND"), "{body}");
    // Their client is untouched.
    let body = app
        .graphql_as(
            &theirs,
            "query($id: ID!) { client(id: $id) { name status version } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        body["data"]["client"],
        json!({ "name": "Secret Client", "status": "ACTIVE", "version": 1 })
    );
    let _ = tenant;
}

const BULK_UPDATE: &str = "mutation($ids: [ID!]!, $op: BulkClientOperation!, $dry: Boolean) { bulkUpdateClients(ids: $ids, operation: $op, dryRun: $dry) { succeeded failed dryRun results { index id ok code message client { status tier tags } } } }";
const BULK_CREATE: &str = "mutation($inputs: [CreateClientInput!]!, $atomic: Boolean) { bulkCreateClients(inputs: $inputs, atomic: $atomic) { succeeded failed results { index ok code field message client { name clientCode } } } }";

#[tokio::test]
async fn bulk_updates_report_per_item_and_dry_runs_change_nothing() {
    let (app, _, admin) = setup().await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            create_ok(
                &app,
                &admin,
                json!({ "name": format!("Bulk {i}"), "tags": ["old"] }),
            )
            .await["id"]
                .clone(),
        );
    }
    let other = app.create_tenant("globex").await;
    let theirs = app.token(&other, Role::Admin).await;
    let their_id = create_ok(&app, &theirs, json!({ "name": "Theirs" })).await["id"].clone();
    let mut all = ids.clone();
    all.push(json!(uuid::Uuid::new_v4()));
    all.push(their_id.clone());

    let op = json!({ "kind": "SET_TIER", "tier": "ENTERPRISE" });
    let dry = app
        .graphql_as(
            &admin,
            BULK_UPDATE,
            json!({ "ids": all, "op": op, "dry": true }),
        )
        .await;
    let result = &dry["data"]["bulkUpdateClients"];
    assert_eq!(result["dryRun"], true, "{dry}");
    assert_eq!(
        (result["succeeded"].as_i64(), result["failed"].as_i64()),
        (Some(3), Some(2))
    );
    assert_eq!(
        result["results"][0]["client"]["tier"], "ENTERPRISE",
        "reports what would happen"
    );
    assert_eq!(result["results"][3]["code"], "NOT_FOUND");
    assert_eq!(
        result["results"][4]["code"], "NOT_FOUND",
        "another tenant's id"
    );
    let unchanged = app
        .graphql_as(
            &admin,
            "query($id: ID!) { client(id: $id) { tier version } }",
            json!({ "id": ids[0] }),
        )
        .await;
    assert_eq!(
        unchanged["data"]["client"],
        json!({ "tier": null, "version": 1 })
    );

    let real = app
        .graphql_as(&admin, BULK_UPDATE, json!({ "ids": all, "op": op }))
        .await;
    assert_eq!(real["data"]["bulkUpdateClients"]["succeeded"], 3, "{real}");
    let changed = app
        .graphql_as(
            &admin,
            "query($id: ID!) { client(id: $id) { tier version } }",
            json!({ "id": ids[0] }),
        )
        .await;
    assert_eq!(
        changed["data"]["client"],
        json!({ "tier": "ENTERPRISE", "version": 2 })
    );
    let body = app
        .graphql_as(
            &theirs,
            "query($id: ID!) { client(id: $id) { tier } }",
            json!({ "id": their_id }),
        )
        .await;
    assert_eq!(
        body["data"]["client"]["tier"],
        Value::Null,
        "the other tenant's client is untouched"
    );

    let tags = app
        .graphql_as(
            &admin,
            BULK_UPDATE,
            json!({ "ids": ids, "op": { "kind": "ADD_TAGS", "tags": ["New"] } }),
        )
        .await;
    assert_eq!(
        tags["data"]["bulkUpdateClients"]["results"][1]["client"]["tags"],
        json!(["old", "new"]),
        "{tags}"
    );
    let deactivate = app
        .graphql_as(
            &admin,
            BULK_UPDATE,
            json!({ "ids": [ids[0], ids[0]], "op": { "kind": "DEACTIVATE", "reason": "Merged" } }),
        )
        .await;
    let results = &deactivate["data"]["bulkUpdateClients"]["results"];
    assert_eq!(results[0]["client"]["status"], "INACTIVE", "{deactivate}");
    assert_eq!(results[1]["code"], "CONFLICT", "already inactive");
    let missing = app
        .graphql_as(
            &admin,
            BULK_UPDATE,
            json!({ "ids": ids, "op": { "kind": "SET_STATUS" } }),
        )
        .await;
    assert_eq!(first_error_code(&missing), Some("BAD_USER_INPUT"));

    let many: Vec<String> = (0..51).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let body = app
        .graphql_as(&admin, BULK_UPDATE, json!({ "ids": many, "op": op }))
        .await;
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"));
    assert_eq!(body["errors"][0]["extensions"]["field"], "ids");
}

#[tokio::test]
async fn bulk_creation_is_all_or_nothing_unless_asked_otherwise() {
    let (app, _, admin) = setup().await;
    create_ok(&app, &admin, json!({ "name": "Existing Ltd" })).await;
    let inputs = json!([{ "name": "New One" }, { "name": "Existing Ltd." }, { "name": "New Two" }]);
    let body = app
        .graphql_as(&admin, BULK_CREATE, json!({ "inputs": inputs }))
        .await;
    let result = &body["data"]["bulkCreateClients"];
    assert_eq!(result["succeeded"], 0, "{body}");
    assert_eq!(result["results"][1]["code"], "CONFLICT");
    assert_eq!(result["results"][0]["code"], "CONFLICT");
    assert!(
        result["results"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not written")
    );
    let count = app
        .graphql_as(&admin, "{ clients { totalCount } }", json!({}))
        .await;
    assert_eq!(count["data"]["clients"]["totalCount"], 1, "nothing written");

    // A validation error is reported before anything is written, naming the field.
    let body = app
        .graphql_as(
            &admin,
            BULK_CREATE,
            json!({ "inputs": [{ "name": "Fine Co" }, { "name": "X" }] }),
        )
        .await;
    assert_eq!(
        body["data"]["bulkCreateClients"]["results"][1]["field"], "name",
        "{body}"
    );
    assert_eq!(body["data"]["bulkCreateClients"]["succeeded"], 0);

    let body = app
        .graphql_as(
            &admin,
            BULK_CREATE,
            json!({ "inputs": inputs, "atomic": false }),
        )
        .await;
    let result = &body["data"]["bulkCreateClients"];
    assert_eq!(
        (result["succeeded"].as_i64(), result["failed"].as_i64()),
        (Some(2), Some(1)),
        "{body}"
    );
    assert_eq!(result["results"][2]["client"]["name"], "New Two");
    let count = app
        .graphql_as(&admin, "{ clients { totalCount } }", json!({}))
        .await;
    assert_eq!(count["data"]["clients"]["totalCount"], 3);

    let many: Vec<Value> = (0..100)
        .map(|i| json!({ "name": format!("Batch client {i}") }))
        .collect();
    let body = app
        .graphql_as(&admin, BULK_CREATE, json!({ "inputs": many }))
        .await;
    assert_eq!(
        body["data"]["bulkCreateClients"]["succeeded"], 100,
        "{body}"
    );
    let too_many: Vec<Value> = (0..501)
        .map(|i| json!({ "name": format!("Too many {i}") }))
        .collect();
    let body = app
        .graphql_as(&admin, BULK_CREATE, json!({ "inputs": too_many }))
        .await;
    assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"));
}

const EXPORT: &str = "mutation($format: ExportFormat!, $filter: ClientFilter) { exportClients(format: $format, filter: $filter) { url expiresAt format } }";

#[tokio::test]
async fn exports_stream_exactly_the_filtered_rows_of_the_tenant() {
    let (app, tenant, admin) = setup().await;
    let inputs: Vec<Value> = (0..260)
        .map(|i| {
            let status = if i % 4 == 0 { "ON_HOLD" } else { "ACTIVE" };
            json!({ "name": format!("Export client {i:03}"), "status": status, "outstandingBalance": i, "tags": ["x", "y"] })
        })
        .collect();
    let body = app
        .graphql_as(&admin, BULK_CREATE, json!({ "inputs": inputs }))
        .await;
    assert_eq!(
        body["data"]["bulkCreateClients"]["succeeded"], 260,
        "{body}"
    );
    create_ok(
        &app,
        &admin,
        json!({ "name": "=HYPERLINK(\"http://evil\")", "status": "ACTIVE" }),
    )
    .await;
    let other = app.create_tenant("globex").await;
    let theirs = app.token(&other, Role::Admin).await;
    create_ok(
        &app,
        &theirs,
        json!({ "name": "Export client foreign", "status": "ACTIVE" }),
    )
    .await;

    // A soft-deleted client is not exported.
    let gone = create_ok(
        &app,
        &admin,
        json!({ "name": "Deleted Before Export", "status": "ACTIVE" }),
    )
    .await;
    app.graphql_as(
        &admin,
        "mutation($id: ID!) { deleteClient(id: $id) { id } }",
        json!({ "id": gone["id"] }),
    )
    .await;

    let ticket = app
        .graphql_as(
            &admin,
            EXPORT,
            json!({ "format": "CSV", "filter": { "status": ["ACTIVE"] } }),
        )
        .await;
    let url = ticket["data"]["exportClients"]["url"]
        .as_str()
        .unwrap_or_else(|| panic!("{ticket}"))
        .to_owned();
    let response = app.client.get(app.url(&url)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("id,clientCode,name") && lines[0].contains("outstandingBalance"),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines.len() - 1,
        195 + 1,
        "every ACTIVE client across pages, nothing else"
    );
    assert!(!csv.contains("foreign"), "no other tenant's rows");
    assert!(!csv.contains("Deleted Before Export"), "no deleted rows");
    assert!(!csv.contains("ON_HOLD"));
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""),
        "formula defused"
    );
    assert!(csv.contains("x;y"));

    let ticket = app
        .graphql_as(
            &admin,
            EXPORT,
            json!({ "format": "JSON", "filter": { "status": ["ON_HOLD"] } }),
        )
        .await;
    let url = ticket["data"]["exportClients"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let rows: Vec<Value> = app
        .client
        .get(app.url(&url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rows.len(), 65);
    assert!(
        rows.iter()
            .all(|r| r["status"] == "ON_HOLD" && r["tags"] == json!(["x", "y"]))
    );

    // Tampered, foreign-purpose and expired links are refused.
    let tampered = url.replacen("token=", "token=x", 1);
    assert_eq!(
        app.client
            .get(app.url(&tampered))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let signer =
        clientgraph::auth::signed::UrlSigner::new(crate::helpers::TEST_JWT_SECRET.as_bytes());
    let expired = signer
        .sign(
            "clients-export",
            &json!({}),
            chrono::Utc::now() - chrono::Duration::seconds(5),
        )
        .unwrap();
    assert_eq!(
        app.client
            .get(app.url(&format!("/exports/clients?token={expired}")))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    // A link dies with its requester's access.
    let (accountant, _) = app.create_user(&tenant, Role::Accountant).await;
    let token = app.token_for(&tenant, accountant, Role::Accountant);
    let ticket = app
        .graphql_as(&token, EXPORT, json!({ "format": "CSV" }))
        .await;
    let url = ticket["data"]["exportClients"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.client.get(app.url(&url)).send().await.unwrap().status(),
        200
    );
    app.graphql_as(
        &admin,
        "mutation($id: ID!) { updateUser(id: $id, input: {role: MEMBER}) { id } }",
        json!({ "id": accountant }),
    )
    .await;
    assert_eq!(
        app.client.get(app.url(&url)).send().await.unwrap().status(),
        403,
        "no longer allowed to export"
    );

    let audit = app
        .graphql_as(&admin, "{ a: auditEvents(filter: {action: \"client.exported\"}) { totalCount } b: auditEvents(filter: {action: \"client.export_requested\"}) { totalCount } }", json!({}))
        .await;
    assert_eq!(audit["data"]["a"]["totalCount"], 3, "{audit}");
    assert_eq!(audit["data"]["b"]["totalCount"], 3);
}
