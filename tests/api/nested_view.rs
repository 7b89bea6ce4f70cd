//! The nested client view — clients with all their contacts, the primary contact, the
//! 5 newest notes and the 5 newest communications — costs the same number of SQL
//! statements whether the page holds 1, 10, 50 or 100 clients.

use clientgraph::auth::Role;
use serde_json::{Value, json};

use crate::helpers::spawn_app_with;

const NESTED: &str = "query($n: Int!) { clients(first: $n, orderBy: [{field: NAME}]) { totalCount edges { node { name primaryContact { fullName } contacts(first: 100) { totalCount edges { node { fullName email } } } notes(first: 5) { totalCount pageInfo { hasNextPage } edges { node { title wordCount author { fullName } } } } communications(first: 5) { totalCount edges { node { subject communicationAt contact { fullName } } } } } } } }";

#[tokio::test]
async fn the_nested_view_costs_the_same_number_of_statements_for_1_10_50_and_100_clients() {
    // The property under test is that every parent's keys land in one batch per
    // relation. A debug build polls 100 parents more slowly than the default 5 ms
    // batching window, so the window is widened here; it is a timing knob, not the
    // mechanism (see CLIENTGRAPH_DATALOADER_DELAY_MS).
    let app = spawn_app_with(|c| c.dataloader_delay_ms = 50).await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let inputs: Vec<Value> = (0..100)
        .map(|i| {
            json!({ "name": format!("Client {i:03}"), "contacts": [
                { "firstName": "Pat", "lastName": format!("One{i}"), "isPrimary": true },
                { "firstName": "Sam", "lastName": format!("Two{i}") },
            ] })
        })
        .collect();
    let mut ids = Vec::new();
    for chunk in inputs.chunks(10) {
        for input in chunk {
            let data = app
                .ok_as(
                    &admin,
                    "mutation($i: CreateClientInput!) { createClient(input: $i) { id contacts { edges { node { id } } } } }",
                    json!({ "i": input }),
                )
                .await;
            ids.push(data["createClient"].clone());
        }
    }
    for (i, client) in ids.iter().enumerate() {
        let contact = &client["contacts"]["edges"][0]["node"]["id"];
        app.ok_as(
            &admin,
            "mutation($c: ID!, $t: String!) { createNote(clientId: $c, input: {title: $t, body: \"one two three\"}) { id } }",
            json!({ "c": client["id"], "t": format!("Note {i}") }),
        )
        .await;
        app.ok_as(
            &admin,
            "mutation($c: ID!, $p: ID!) { logCommunication(clientId: $c, input: {communicationType: CALL, subject: \"Call\", contactId: $p}) { id } }",
            json!({ "c": client["id"], "p": contact }),
        )
        .await;
    }
    let mut counts = Vec::new();
    for n in [1, 10, 50, 100] {
        let before = app.db.statement_count();
        let data = app.ok_as(&admin, NESTED, json!({ "n": n })).await;
        let edges = data["clients"]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), n, "{data}");
        assert!(
            edges.iter().all(|e| {
                let c = &e["node"];
                c["contacts"]["totalCount"] == 2
                    && c["primaryContact"]["fullName"].is_string()
                    && c["notes"]["totalCount"] == 1
                    && c["notes"]["edges"][0]["node"]["wordCount"] == 3
                    && c["notes"]["edges"][0]["node"]["author"]["fullName"].is_string()
                    && c["communications"]["edges"][0]["node"]["contact"]["fullName"].is_string()
            }),
            "{data}"
        );
        counts.push(app.db.statement_count() - before);
    }
    assert!(counts.windows(2).all(|w| w[0] == w[1]), "{counts:?}");
    // Credential check (2) + clients page + its count + primaries + one window
    // statement each for contacts, notes and communications + note authors + the
    // communications' contacts.
    assert_eq!(counts[0], 10, "{counts:?}");
}
