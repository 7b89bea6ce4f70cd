//! The nested client view — clients with all their contacts, the primary contact, the
//! 5 newest notes and the 5 newest communications — costs the same number of SQL
//! statements whether the page holds 1, 10, 50 or 100 clients.

use clientgraph::auth::Role;
use serde_json::{Value, json};

use crate::helpers::spawn_app;

const NESTED: &str = "query($n: Int!) { clients(first: $n, orderBy: [{field: NAME}]) { totalCount edges { node { name primaryContact { fullName } contacts(first: 100) { totalCount edges { node { fullName email } } } notes(first: 5) { totalCount pageInfo { hasNextPage } edges { node { title wordCount author { fullName } } } } communications(first: 5) { totalCount edges { node { subject communicationAt contact { fullName } } } } } } } }";

/// A tenant with 100 clients, each with two contacts, a note and a communication;
/// returns the app and an admin token.
async fn hundred_clients() -> (crate::helpers::TestApp, String) {
    // Batches are released when the request goes idle, not after a delay (the busy-core
    // test below is what proves no timing is involved).
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let inputs: Vec<Value> = (0..100)
        .map(|i| {
            json!({ "name": format!("Client {i:03}"), "taxId": format!("DE{i:09}"), "contacts": [
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
    (app, admin)
}

/// The statements one run of the nested view of `n` clients costs.
async fn nested_statements(app: &crate::helpers::TestApp, admin: &str, n: usize) -> u64 {
    let before = app.db.statement_count();
    let data = app.ok_as(admin, NESTED, json!({ "n": n })).await;
    assert_eq!(data["clients"]["edges"].as_array().unwrap().len(), n);
    app.db.statement_count() - before
}

#[tokio::test]
async fn the_nested_view_costs_the_same_number_of_statements_for_1_10_50_and_100_clients() {
    let (app, admin) = hundred_clients().await;
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

#[tokio::test]
async fn the_statement_count_holds_while_every_core_is_busy() {
    let (app, admin) = hundred_clients().await;
    let quiet = nested_statements(&app, &admin, 100).await;
    // No latency-measuring test runs meanwhile.
    let _exclusive = crate::helpers::TIMING.write().await;
    // Keep every core busy (bounded: the threads stop when the test is done).
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let burners: Vec<_> = (0..4)
        .map(|_| {
            let stop = std::sync::Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut x = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                }
                x
            })
        })
        .collect();
    let mut busy = Vec::new();
    for _ in 0..3 {
        // Concurrent requests make the server's own threads compete as well; both are
        // counted once both are done.
        let before = app.db.statement_count();
        let (hundred, fifty) = tokio::join!(
            app.ok_as(&admin, NESTED, json!({ "n": 100 })),
            app.ok_as(&admin, NESTED, json!({ "n": 50 })),
        );
        assert_eq!(hundred["clients"]["edges"].as_array().unwrap().len(), 100);
        assert_eq!(fifty["clients"]["edges"].as_array().unwrap().len(), 50);
        busy.push(app.db.statement_count() - before);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for burner in burners {
        let _ = burner.join();
    }
    // The concurrent request's statements are counted too: subtract what it costs alone.
    let fifty = nested_statements(&app, &admin, 50).await;
    assert!(
        busy.iter().all(|&n| n == quiet + fifty),
        "quiet {quiet}, busy {busy:?} (including a concurrent view of {fifty})"
    );
}

const FULL: &str = "query($n: Int!) { clients(first: $n, orderBy: [{field: NAME}]) { edges { node { name contacts(first: 10) { edges { node { fullName } } } notes(first: 5) { edges { node { title } } } communications(first: 5) { edges { node { subject } } } jobs(first: 5) { totalCount edges { node { title pipeline { applied hired } applications(first: 3) { totalCount edges { node { candidateName stage } } } } } } feedbackSummary { count averages { overallSatisfaction } } healthScore { score band components { engagement activity risk } } dashboard { activeJobs totalCandidates hires pipeline { applied } recentActivities(first: 5) { kind } followUpsDue { totalCount } } } } } }";

#[tokio::test]
async fn the_full_view_with_jobs_feedback_health_and_dashboard_costs_the_same_for_1_10_and_50_clients()
 {
    let app = spawn_app().await;
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

const RELATIVES: &str = "query($n: Int!) { clients(first: $n, orderBy: [{field: NAME}]) { edges { node { name addresses { city } subsidiaries(first: 2) { name addresses { city } } } } } }";

#[tokio::test]
async fn addresses_and_subsidiaries_cost_the_same_number_of_statements_for_1_10_and_30_clients() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let address = json!([{ "kind": "HEADQUARTERS", "line1": "1 Main St", "city": "Berlin", "country": "DE", "isPrimary": true }]);
    for i in 0..30 {
        let parent = app
            .ok_as(
                &admin,
                "mutation($n: String!, $a: [ClientAddressInput!]) { createClient(input: {name: $n, addresses: $a}) { id } }",
                json!({ "n": format!("Parent {i:02}"), "a": address }),
            )
            .await["createClient"]["id"]
            .clone();
        for s in 0..2 {
            app.ok_as(
                &admin,
                "mutation($n: String!, $p: ID!, $a: [ClientAddressInput!]) { createClient(input: {name: $n, parentClientId: $p, addresses: $a}) { id } }",
                json!({ "n": format!("Sub {i:02}-{s}"), "p": parent, "a": address }),
            )
            .await;
        }
    }
    let mut counts = Vec::new();
    for n in [1, 10, 30] {
        let before = app.db.statement_count();
        let data = app.ok_as(&admin, RELATIVES, json!({ "n": n })).await;
        let edges = data["clients"]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), n, "{data}");
        assert!(
            edges.iter().all(|e| {
                let c = &e["node"];
                c["addresses"][0]["city"] == "Berlin"
                    && c["subsidiaries"].as_array().unwrap().len() == 2
                    && c["subsidiaries"][1]["addresses"][0]["city"] == "Berlin"
            }),
            "{data}"
        );
        counts.push(app.db.statement_count() - before);
    }
    assert!(counts.windows(2).all(|w| w[0] == w[1]), "{counts:?}");
}

/// Every nested field of `Client`, each alone under a page of clients: a page of 1, 10,
/// 50 and 100 clients costs the same number of statements for each. (`taxId` writes the
/// request's reveal audits in one statement; it is checked below too.)
#[tokio::test]
async fn every_nested_field_of_a_client_costs_the_same_for_1_10_50_and_100_clients() {
    let (app, admin) = hundred_clients().await;
    let fields = [
        (
            "documents",
            "documents(first: 5) { totalCount edges { node { name } } }",
        ),
        (
            "feedback",
            "feedback(first: 5) { totalCount edges { node { id } } }",
        ),
        ("addresses", "addresses { city }"),
        ("subsidiaries", "subsidiaries(first: 3) { name }"),
        (
            "auditTrail",
            "auditTrail(first: 5) { totalCount edges { node { action actor { fullName } } } }",
        ),
        ("taxId", "taxId"),
        (
            "jobs",
            "jobs(first: 5) { totalCount edges { node { title } } }",
        ),
        ("analytics", "analytics { date }"),
        (
            "dashboard",
            "dashboard { activeJobs totalCandidates recentActivities(first: 5) { kind summary } }",
        ),
        ("healthScore", "healthScore { score band }"),
        ("feedbackSummary", "feedbackSummary { count }"),
        ("logo", "logo { name }"),
        ("accountManager", "accountManager { fullName }"),
        ("parent", "parent { name }"),
    ];
    let mut report = Vec::new();
    for (name, selection) in fields {
        let query = format!(
            "query($n: Int!) {{ clients(first: $n, orderBy: [{{field: NAME}}]) {{ edges {{ node {{ id {selection} }} }} }} }}"
        );
        let mut counts = Vec::new();
        // A year of daily analytics for 100 clients is past the cost budget: 50 is the
        // most one request may ask for.
        let sizes: &[usize] = if name == "analytics" {
            &[1, 10, 50]
        } else {
            &[1, 10, 50, 100]
        };
        for &n in sizes {
            let before = app.db.statement_count();
            let data = app.ok_as(&admin, &query, json!({ "n": n })).await;
            let edges = data["clients"]["edges"].as_array().unwrap();
            assert_eq!(edges.len(), n, "{name}: {data}");
            if name == "taxId" {
                assert!(
                    edges.iter().all(|e| e["node"]["taxId"]
                        .as_str()
                        .is_some_and(|t| t.starts_with("DE"))),
                    "{data}"
                );
            }
            if name == "auditTrail" {
                assert!(
                    edges
                        .iter()
                        .all(|e| e["node"]["auditTrail"]["totalCount"].as_u64() >= Some(1)),
                    "{data}"
                );
            }
            counts.push(app.db.statement_count() - before);
        }
        assert!(
            counts.windows(2).all(|w| w[0] == w[1]),
            "{name}: {counts:?}"
        );
        report.push(format!("{name}={}", counts[0]));
    }
    println!(
        "statements per nested field (1/10/50/100 clients alike): {}",
        report.join(" ")
    );
    // Each reveal was audited: one event per client per request that asked.
    let audits = app
        .ok_as(
            &admin,
            "{ auditEvents(first: 1, filter: {action: \"client.tax_id_revealed\"}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        audits["auditEvents"]["totalCount"],
        1 + 10 + 50 + 100,
        "{audits}"
    );
}
