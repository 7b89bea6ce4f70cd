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
    // Credential check (1) + clients page + its count + primaries + one window
    // statement each for contacts, notes and communications + note authors + the
    // communications' contacts.
    assert_eq!(counts[0], 9, "{counts:?}");
}

const FULL: &str = "query($n: Int!) { clients(first: $n, orderBy: [{field: NAME}]) { edges { node { name contacts(first: 10) { edges { node { fullName } } } notes(first: 5) { edges { node { title } } } communications(first: 5) { edges { node { subject } } } jobs(first: 5) { totalCount edges { node { title pipeline { applied hired } applications(first: 3) { totalCount edges { node { candidateName stage } } } } } } feedbackSummary { count averages { overallSatisfaction } } healthScore { score band components { engagement activity risk } } dashboard { activeJobs totalCandidates hires pipeline { applied } recentActivities(first: 5) { kind } followUpsDue { totalCount } } } } } }";

#[tokio::test]
async fn the_full_view_with_jobs_feedback_health_and_dashboard_costs_the_same_for_1_10_and_50_clients()
 {
    let app = spawn_app_with(|c| c.dataloader_delay_ms = 50).await;
    let tenant = app.create_tenant("acme").await;
    let manager = app.token(&tenant, Role::Manager).await;
    let today = chrono::Utc::now().date_naive().to_string();
    for i in 0..50 {
        let client = app
            .ok_as(
                &manager,
                "mutation($i: CreateClientInput!) { createClient(input: $i) { id } }",
                json!({ "i": { "name": format!("Client {i:03}"), "contacts": [{ "firstName": "Pat", "lastName": format!("P{i}"), "isPrimary": true }] } }),
            )
            .await["createClient"]["id"]
            .clone();
        let job = app
            .ok_as(
                &manager,
                "mutation($t: String!) { createJob(input: {title: $t, status: OPEN, openings: 3}) { id } }",
                json!({ "t": format!("Job {i}") }),
            )
            .await["createJob"]["id"]
            .clone();
        app.ok_as(
            &manager,
            "mutation($c: ID!, $j: ID!) { linkJob(clientId: $c, jobId: $j) { id } addApplication(jobId: $j, input: {candidateName: \"Ann\", qualityScore: 70}) { id } b: addApplication(jobId: $j, input: {candidateName: \"Bob\"}) { id } createNote(clientId: $c, input: {title: \"Hello\", body: \"b\"}) { id } logCommunication(clientId: $c, input: {communicationType: CALL, subject: \"Call\"}) { id } }",
            json!({ "c": client, "j": job }),
        )
        .await;
        app.ok_as(
            &manager,
            "mutation($c: ID!, $d: NaiveDate!) { submitFeedback(clientId: $c, input: {period: \"2026-Q4\", feedbackOn: $d, responsivenessRating: 4, communicationRating: 4, requirementsClarityRating: 4, decisionSpeedRating: 4, overallSatisfaction: 4}) { id } }",
            json!({ "c": client, "d": today }),
        )
        .await;
    }
    let mut counts = Vec::new();
    for n in [1, 10, 50] {
        let before = app.db.statement_count();
        let data = app.ok_as(&manager, FULL, json!({ "n": n })).await;
        let edges = data["clients"]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), n, "{data}");
        assert!(
            edges.iter().all(|e| {
                let c = &e["node"];
                let job = &c["jobs"]["edges"][0]["node"];
                c["jobs"]["totalCount"] == 1
                    && job["pipeline"]["applied"] == 2
                    && job["applications"]["totalCount"] == 2
                    && c["feedbackSummary"]["count"] == 1
                    && c["healthScore"]["components"]["activity"] == 22
                    && c["dashboard"]["totalCandidates"] == 2
                    && c["dashboard"]["recentActivities"].as_array().unwrap().len() == 4
            }),
            "{data}"
        );
        counts.push(app.db.statement_count() - before);
    }
    assert!(counts.windows(2).all(|w| w[0] == w[1]), "{counts:?}");
}
