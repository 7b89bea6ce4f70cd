//! Jobs: the status machine, the candidate pipeline filling a job, linking with history
//! and the one-active-client rule under concurrency, nested pages, tenant isolation and
//! permissions.

use std::sync::Arc;

use clientgraph::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, first_error_code, spawn_app};

async fn job(app: &TestApp, token: &str, input: Value) -> Value {
    let data = app
        .ok_as(
            token,
            "mutation($i: JobInput!) { createJob(input: $i) { id title status version openings openedAt } }",
            json!({ "i": input }),
        )
        .await;
    data["createJob"].clone()
}

async fn set_status(app: &TestApp, token: &str, job: &Value, version: i64, status: &str) -> Value {
    app.graphql_as(
        token,
        "mutation($id: ID!, $v: Int!, $s: JobStatus!) { updateJob(id: $id, expectedVersion: $v, input: {status: $s}) { status version openedAt filledAt closedAt } }",
        json!({ "id": job["id"], "v": version, "s": status }),
    )
    .await
}

#[tokio::test]
async fn jobs_move_only_along_allowed_transitions() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let member = app.token(&tenant, Role::Member).await;
    let draft = job(&app, &member, json!({ "title": "Welder", "openings": 2 })).await;
    assert_eq!(draft["status"], "DRAFT");
    assert!(draft["openedAt"].is_null());
    let bad = set_status(&app, &member, &draft, 1, "FILLED").await;
    assert_eq!(first_error_code(&bad), Some("CONFLICT"), "{bad}");
    let open = set_status(&app, &member, &draft, 1, "OPEN").await;
    assert_eq!(open["data"]["updateJob"]["status"], "OPEN", "{open}");
    assert!(open["data"]["updateJob"]["openedAt"].is_string());
    let stale = set_status(&app, &member, &draft, 1, "ON_HOLD").await;
    assert_eq!(
        first_error_code(&stale),
        Some("CONFLICT"),
        "stale version: {stale}"
    );
    let closed = set_status(&app, &member, &draft, 2, "CLOSED").await;
    assert!(
        closed["data"]["updateJob"]["closedAt"].is_string(),
        "{closed}"
    );
    let reopen = set_status(&app, &member, &draft, 3, "OPEN").await;
    assert_eq!(
        first_error_code(&reopen),
        Some("CONFLICT"),
        "CLOSED is final: {reopen}"
    );
    for (input, field) in [
        (json!({ "title": "" }), "title"),
        (json!({ "title": "x", "openings": 0 }), "openings"),
        (json!({}), "title"),
    ] {
        let body = app
            .graphql_as(
                &member,
                "mutation($i: JobInput!) { createJob(input: $i) { id } }",
                json!({ "i": input }),
            )
            .await;
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
}

#[tokio::test]
async fn hires_fill_the_job_and_the_pipeline_counts_stages() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let member = app.token(&tenant, Role::Member).await;
    let opened = job(
        &app,
        &member,
        json!({ "title": "Nurse", "openings": 2, "status": "OPEN" }),
    )
    .await;
    let add = "mutation($j: ID!, $n: String!, $q: Int) { addApplication(jobId: $j, input: {candidateName: $n, qualityScore: $q}) { id stage hiredAt } }";
    let mut ids = Vec::new();
    for (i, name) in ["Ann", "Bob", "Cid", "Dee"].iter().enumerate() {
        let data = app
            .ok_as(
                &member,
                add,
                json!({ "j": opened["id"], "n": name, "q": 50 + i }),
            )
            .await;
        ids.push(data["addApplication"]["id"].clone());
    }
    let bad = app
        .graphql_as(
            &member,
            add,
            json!({ "j": opened["id"], "n": "Eve", "q": 101 }),
        )
        .await;
    assert_eq!(
        bad["errors"][0]["extensions"]["field"], "qualityScore",
        "{bad}"
    );
    let move_to = |id: Value, stage: &'static str| {
        let (app, member) = (&app, member.clone());
        async move {
            app.ok_as(&member, "mutation($id: ID!, $s: ApplicationStage!) { moveApplication(id: $id, stage: $s) { stage stageChangedAt hiredAt } }", json!({ "id": id, "s": stage }))
                .await["moveApplication"]
                .clone()
        }
    };
    move_to(ids[0].clone(), "SCREENED").await;
    move_to(ids[1].clone(), "REJECTED").await;
    let hired = move_to(ids[2].clone(), "HIRED").await;
    assert!(hired["hiredAt"].is_string());
    let query = "query($id: ID!) { job(id: $id) { status filledAt pipeline { applied screened shortlisted interviewed offered hired rejected } applications(first: 2, filter: {stage: [APPLIED, SCREENED]}) { totalCount edges { node { candidateName } } } } }";
    let data = app
        .ok_as(&member, query, json!({ "id": opened["id"] }))
        .await;
    assert_eq!(data["job"]["status"], "OPEN", "one hire of two openings");
    assert_eq!(
        data["job"]["pipeline"],
        json!({ "applied": 1, "screened": 1, "shortlisted": 0, "interviewed": 0, "offered": 0, "hired": 1, "rejected": 1 })
    );
    assert_eq!(data["job"]["applications"]["totalCount"], 2);
    move_to(ids[3].clone(), "HIRED").await;
    let data = app
        .ok_as(&member, query, json!({ "id": opened["id"] }))
        .await;
    assert_eq!(data["job"]["status"], "FILLED", "{data}");
    assert!(data["job"]["filledAt"].is_string());
    let late = app
        .graphql_as(
            &member,
            add,
            json!({ "j": opened["id"], "n": "Late", "q": 1 }),
        )
        .await;
    assert_eq!(first_error_code(&late), Some("CONFLICT"), "{late}");
    // Moving a hire back clears its hiredAt.
    let back = move_to(ids[3].clone(), "OFFERED").await;
    assert!(back["hiredAt"].is_null());
}

#[tokio::test]
async fn a_job_has_one_active_client_and_unlinking_keeps_history() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let manager = app.token(&tenant, Role::Manager).await;
    let acme = app.create_client(&manager, "Acme").await;
    let globo = app.create_client(&manager, "Globo").await;
    let welder = job(
        &app,
        &manager,
        json!({ "title": "Welder", "status": "OPEN" }),
    )
    .await;
    let link = "mutation($c: ID!, $j: ID!) { linkJob(clientId: $c, jobId: $j) { id isActive assignedAt assignedBy { fullName } job { title client { name } } client { name } } }";
    let first = app
        .ok_as(&manager, link, json!({ "c": acme, "j": welder["id"] }))
        .await;
    assert_eq!(first["linkJob"]["job"]["client"]["name"], "Acme");
    let again = app
        .ok_as(&manager, link, json!({ "c": acme, "j": welder["id"] }))
        .await;
    assert_eq!(again["linkJob"]["id"], first["linkJob"]["id"], "idempotent");
    let elsewhere = app
        .graphql_as(&manager, link, json!({ "c": globo, "j": welder["id"] }))
        .await;
    assert_eq!(
        first_error_code(&elsewhere),
        Some("CONFLICT"),
        "{elsewhere}"
    );
    let unlinked = app
        .ok_as(
            &manager,
            "mutation($c: ID!, $j: ID!) { unlinkJob(clientId: $c, jobId: $j) { isActive unassignedAt unassignedBy { fullName } } }",
            json!({ "c": acme, "j": welder["id"] }),
        )
        .await;
    assert_eq!(unlinked["unlinkJob"]["isActive"], false);
    assert!(unlinked["unlinkJob"]["unassignedAt"].is_string());
    app.ok_as(&manager, link, json!({ "c": globo, "j": welder["id"] }))
        .await;
    let history = app
        .ok_as(
            &manager,
            "query($a: ID!, $g: ID!) { a: client(id: $a) { current: jobs { totalCount } all: jobs(filter: {activeOnly: false}) { totalCount edges { node { title } } } } g: client(id: $g) { jobs(filter: {status: [OPEN]}) { edges { node { title client { name } } } } } }",
            json!({ "a": acme, "g": globo }),
        )
        .await;
    assert_eq!(history["a"]["current"]["totalCount"], 0);
    assert_eq!(history["a"]["all"]["totalCount"], 1);
    assert_eq!(
        history["g"]["jobs"]["edges"][0]["node"]["client"]["name"],
        "Globo"
    );

    // Concurrent links of one fresh job to different clients: exactly one wins.
    let contested = job(
        &app,
        &manager,
        json!({ "title": "Contested", "status": "OPEN" }),
    )
    .await;
    let mut clients = Vec::new();
    for i in 0..8 {
        clients.push(app.create_client(&manager, &format!("Rival {i}")).await);
    }
    let app = Arc::new(app);
    let handles: Vec<_> = clients
        .into_iter()
        .map(|client| {
            let (app, manager, job_id) =
                (Arc::clone(&app), manager.clone(), contested["id"].clone());
            tokio::spawn(async move {
                app.graphql_as(
                    &manager,
                    "mutation($c: ID!, $j: ID!) { linkJob(clientId: $c, jobId: $j) { id } }",
                    json!({ "c": client, "j": job_id }),
                )
                .await
            })
        })
        .collect();
    let mut wins = 0;
    for handle in handles {
        let body = handle.await.unwrap();
        match first_error_code(&body) {
            None => wins += 1,
            Some(code) => assert_eq!(code, "CONFLICT", "{body}"),
        }
    }
    assert_eq!(wins, 1);
    let bulk = app
        .graphql_as(
            &manager,
            "mutation($c: ID!, $j: [ID!]!) { bulkLinkJobs(clientId: $c, jobIds: $j) { id } }",
            json!({ "c": acme, "j": [contested["id"]] }),
        )
        .await;
    assert_eq!(first_error_code(&bulk), Some("CONFLICT"), "{bulk}");
}

#[tokio::test]
async fn another_tenants_jobs_are_not_found_and_roles_are_enforced() {
    let app = spawn_app().await;
    let acme = app.create_tenant("acme").await;
    let globex = app.create_tenant("globex").await;
    let ours = app.token(&acme, Role::Admin).await;
    let theirs = app.token(&globex, Role::Admin).await;
    let their_job = job(
        &app,
        &theirs,
        json!({ "title": "Secret", "status": "OPEN" }),
    )
    .await;
    let their_app = app
        .ok_as(
            &theirs,
            "mutation($j: ID!) { addApplication(jobId: $j, input: {candidateName: \"X\"}) { id } }",
            json!({ "j": their_job["id"] }),
        )
        .await["addApplication"]["id"]
        .clone();
    let our_client = app.create_client(&ours, "Ours").await;
    for (operation, vars) in [
        (
            "query($id: ID!) { job(id: $id) { title } }",
            json!({ "id": their_job["id"] }),
        ),
        (
            "mutation($id: ID!) { updateJob(id: $id, expectedVersion: 1, input: {title: \"x\"}) { id } }",
            json!({ "id": their_job["id"] }),
        ),
        (
            "mutation($c: ID!, $j: ID!) { linkJob(clientId: $c, jobId: $j) { id } }",
            json!({ "c": our_client, "j": their_job["id"] }),
        ),
        (
            "mutation($j: ID!) { addApplication(jobId: $j, input: {candidateName: \"Y\"}) { id } }",
            json!({ "j": their_job["id"] }),
        ),
        (
            "mutation($id: ID!) { moveApplication(id: $id, stage: HIRED) { id } }",
            json!({ "id": their_app }),
        ),
    ] {
        let body = app.graphql_as(&ours, operation, vars).await;
        assert_eq!(
            first_error_code(&body),
            Some("NOT_FOUND"),
            "{operation}: {body}"
        );
    }
    let listed = app.ok_as(&ours, "{ jobs { totalCount } }", json!({})).await;
    assert_eq!(listed["jobs"]["totalCount"], 0);
    // A communication may reference a job of the tenant, and no other.
    let log = "mutation($c: ID!, $j: ID!) { logCommunication(clientId: $c, input: {communicationType: CALL, subject: \"Role brief\", jobId: $j}) { job { title } } }";
    let body = app
        .graphql_as(&ours, log, json!({ "c": our_client, "j": their_job["id"] }))
        .await;
    assert_eq!(first_error_code(&body), Some("NOT_FOUND"), "{body}");

    // Roles: member/technician write jobs but cannot link; viewer and accountant read.
    let our_job = job(&app, &ours, json!({ "title": "Ours", "status": "OPEN" })).await;
    let logged = app
        .ok_as(&ours, log, json!({ "c": our_client, "j": our_job["id"] }))
        .await;
    assert_eq!(logged["logCommunication"]["job"]["title"], "Ours");
    let link = "mutation($c: ID!, $j: ID!) { linkJob(clientId: $c, jobId: $j) { id } }";
    for role in [
        Role::Member,
        Role::Technician,
        Role::Viewer,
        Role::Accountant,
    ] {
        let token = app.token(&acme, role).await;
        let body = app
            .graphql_as(&token, link, json!({ "c": our_client, "j": our_job["id"] }))
            .await;
        assert_eq!(first_error_code(&body), Some("FORBIDDEN"), "{role:?} links");
        let read = app
            .ok_as(&token, "{ jobs { totalCount } }", json!({}))
            .await;
        assert_eq!(read["jobs"]["totalCount"], 1, "{role:?} reads");
    }
    for role in [Role::Viewer, Role::Accountant] {
        let token = app.token(&acme, role).await;
        let body = app
            .graphql_as(
                &token,
                "mutation { createJob(input: {title: \"No\"}) { id } }",
                json!({}),
            )
            .await;
        assert_eq!(
            first_error_code(&body),
            Some("FORBIDDEN"),
            "{role:?} creates"
        );
    }
}

#[tokio::test]
async fn clients_filter_by_their_jobs_and_feedback() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let manager = app.token(&tenant, Role::Manager).await;
    let hiring = app.create_client(&manager, "Hiring").await;
    let paused = app.create_client(&manager, "Paused").await;
    let _quiet = app.create_client(&manager, "Quiet").await;
    let open = job(
        &app,
        &manager,
        json!({ "title": "Open role", "status": "OPEN" }),
    )
    .await;
    let draft = job(&app, &manager, json!({ "title": "Draft role" })).await;
    let link = "mutation($c: ID!, $j: ID!) { linkJob(clientId: $c, jobId: $j) { id } }";
    app.ok_as(&manager, link, json!({ "c": hiring, "j": open["id"] }))
        .await;
    app.ok_as(&manager, link, json!({ "c": paused, "j": draft["id"] }))
        .await;
    let feedback = "mutation($c: ID!) { submitFeedback(clientId: $c, input: {period: \"2026-Q3\", feedbackOn: \"2026-08-01\", responsivenessRating: 4, communicationRating: 4, requirementsClarityRating: 4, decisionSpeedRating: 4, overallSatisfaction: 4}) { id } }";
    let row = app.ok_as(&manager, feedback, json!({ "c": paused })).await;
    app.ok_as(
        &manager,
        "mutation($id: ID!) { finalizeFeedback(id: $id) { id } }",
        json!({ "id": row["submitFeedback"]["id"] }),
    )
    .await;
    let names = |filter: Value| {
        let (app, manager) = (&app, manager.clone());
        async move {
            let data = app
                .ok_as(&manager, "query($f: ClientFilter) { clients(filter: $f, orderBy: [{field: NAME}]) { edges { node { name } } } }", json!({ "f": filter }))
                .await;
            data["clients"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        names(json!({ "jobs": { "some": { "status": ["OPEN"] } } })).await,
        ["Hiring"]
    );
    assert_eq!(
        names(json!({ "jobs": { "some": {} } })).await,
        ["Hiring", "Paused"]
    );
    assert_eq!(names(json!({ "jobs": { "none": {} } })).await, ["Quiet"]);
    assert_eq!(
        names(json!({ "feedback": { "some": { "finalizedOnly": true } } })).await,
        ["Paused"]
    );
    assert_eq!(
        names(json!({ "feedback": { "none": {} } })).await,
        ["Hiring", "Quiet"]
    );
    // Members may not look into feedback, not even through a filter.
    let member = app.token(&tenant, Role::Member).await;
    let body = app
        .graphql_as(
            &member,
            "{ clients(filter: {feedback: {some: {}}}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(first_error_code(&body), Some("FORBIDDEN"), "{body}");
}
