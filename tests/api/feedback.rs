//! Client feedback: rating validation (service and database), finalization by managers
//! only and immutability afterwards, the summary's averages and trend, tenant isolation.

use clientgraph::auth::Role;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::helpers::{TestApp, first_error_code, spawn_app};

const SUBMIT: &str = "mutation($c: ID!, $i: FeedbackInput!) { submitFeedback(clientId: $c, input: $i) { id period isFinalized overallSatisfaction } }";

fn ratings(period: &str, day: &str, r: [i64; 5]) -> Value {
    json!({ "period": period, "feedbackOn": day, "responsivenessRating": r[0], "communicationRating": r[1],
            "requirementsClarityRating": r[2], "decisionSpeedRating": r[3], "overallSatisfaction": r[4] })
}

async fn submit(app: &TestApp, token: &str, client: &Value, input: Value) -> Value {
    app.ok_as(token, SUBMIT, json!({ "c": client, "i": input }))
        .await["submitFeedback"]
        .clone()
}

#[tokio::test]
async fn ratings_outside_one_to_five_are_refused_by_the_api_and_the_database() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let manager = app.token(&tenant, Role::Manager).await;
    let acme = app.create_client(&manager, "Acme").await;
    for bad in [0, 6] {
        let mut input = ratings("2026-Q3", "2026-08-01", [3, 3, 3, 3, 3]);
        input["communicationRating"] = json!(bad);
        let body = app
            .graphql_as(&manager, SUBMIT, json!({ "c": acme, "i": input }))
            .await;
        assert_eq!(first_error_code(&body), Some("BAD_USER_INPUT"), "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["field"],
            "communicationRating"
        );
    }
    let mut missing = ratings("2026-Q3", "2026-08-01", [3, 3, 3, 3, 3]);
    missing["overallSatisfaction"] = Value::Null;
    let body = app
        .graphql_as(&manager, SUBMIT, json!({ "c": acme, "i": missing }))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "overallSatisfaction",
        "{body}"
    );
    let bad_period = app
        .graphql_as(
            &manager,
            SUBMIT,
            json!({ "c": acme, "i": ratings("2026-Q5", "2026-08-01", [3; 5]) }),
        )
        .await;
    assert_eq!(bad_period["errors"][0]["extensions"]["field"], "period");

    // The CHECK constraint holds even for a writer that bypasses the service.
    let ok = submit(
        &app,
        &manager,
        &acme,
        ratings("2026-Q3", "2026-08-01", [3; 5]),
    )
    .await;
    let id = ok["id"].as_str().unwrap();
    let direct = app
        .db
        .system("test inspection")
        .conn()
        .execute_unprepared(&format!(
            "UPDATE client_feedback SET decision_speed_rating = 9 WHERE id = {}",
            match app.db.backend_name() {
                "postgres" => format!("'{id}'"),
                _ => format!("X'{}'", id.replace('-', "")),
            }
        ))
        .await;
    assert!(direct.is_err(), "CHECK constraint refuses 9");
}

#[tokio::test]
async fn only_managers_finalize_and_finalized_feedback_is_immutable() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let manager = app.token(&tenant, Role::Manager).await;
    let admin = app.token(&tenant, Role::Admin).await;
    let acme = app.create_client(&admin, "Acme").await;
    let row = submit(
        &app,
        &admin,
        &acme,
        ratings("2026-07", "2026-07-15", [4, 4, 4, 4, 4]),
    )
    .await;
    let finalize = "mutation($id: ID!) { finalizeFeedback(id: $id) { isFinalized finalizedAt finalizedBy { fullName } } }";
    for role in [
        Role::Admin,
        Role::Member,
        Role::Viewer,
        Role::Accountant,
        Role::Technician,
    ] {
        let token = app.token(&tenant, role).await;
        let body = app
            .graphql_as(&token, finalize, json!({ "id": row["id"] }))
            .await;
        assert_eq!(
            first_error_code(&body),
            Some("FORBIDDEN"),
            "{role:?}: {body}"
        );
    }
    let update = "mutation($id: ID!, $i: FeedbackInput!) { updateFeedback(id: $id, input: $i) { overallSatisfaction version } }";
    let changed = app
        .ok_as(
            &admin,
            update,
            json!({ "id": row["id"], "i": { "overallSatisfaction": 2 } }),
        )
        .await;
    assert_eq!(
        changed["updateFeedback"],
        json!({ "overallSatisfaction": 2, "version": 2 })
    );
    let done = app
        .ok_as(&manager, finalize, json!({ "id": row["id"] }))
        .await;
    assert_eq!(done["finalizeFeedback"]["isFinalized"], true);
    assert!(done["finalizeFeedback"]["finalizedBy"]["fullName"].is_string());
    for (operation, vars) in [
        (
            update,
            json!({ "id": row["id"], "i": { "overallSatisfaction": 5 } }),
        ),
        (finalize, json!({ "id": row["id"] })),
    ] {
        let body = app.graphql_as(&manager, operation, vars).await;
        assert_eq!(first_error_code(&body), Some("CONFLICT"), "{body}");
    }
    // Members and viewers may not submit or read feedback at all.
    for role in [Role::Member, Role::Viewer] {
        let token = app.token(&tenant, role).await;
        let body = app
            .graphql_as(
                &token,
                SUBMIT,
                json!({ "c": acme, "i": ratings("2026-Q3", "2026-08-01", [3; 5]) }),
            )
            .await;
        assert_eq!(first_error_code(&body), Some("FORBIDDEN"), "{role:?}");
    }
}

#[tokio::test]
async fn the_summary_averages_ratings_and_trends_per_period() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let manager = app.token(&tenant, Role::Manager).await;
    let acme = app.create_client(&manager, "Acme").await;
    let globo = app.create_client(&manager, "Globo").await;
    submit(
        &app,
        &manager,
        &acme,
        ratings("2026-Q1", "2026-02-01", [5, 4, 3, 2, 1]),
    )
    .await;
    submit(
        &app,
        &manager,
        &acme,
        ratings("2026-Q1", "2026-03-01", [3, 4, 5, 2, 3]),
    )
    .await;
    submit(
        &app,
        &manager,
        &acme,
        ratings("2026-Q2", "2026-05-01", [2, 2, 2, 2, 5]),
    )
    .await;
    submit(
        &app,
        &manager,
        &globo,
        ratings("2026-Q2", "2026-05-02", [1, 1, 1, 1, 1]),
    )
    .await;
    let query = "query($from: NaiveDate) { clients(first: 20, orderBy: [{field: NAME}]) { edges { node { name feedbackSummary(from: $from) { count averages { responsiveness overallSatisfaction } trend { period count averages { overallSatisfaction } } } feedback(first: 2) { totalCount edges { node { period feedbackOn } } } } } } }";
    let data = app.ok_as(&manager, query, json!({ "from": null })).await;
    let acme_view = &data["clients"]["edges"][0]["node"];
    assert_eq!(acme_view["name"], "Acme");
    let summary = &acme_view["feedbackSummary"];
    assert_eq!(summary["count"], 3);
    assert_eq!(summary["averages"]["responsiveness"], 10.0 / 3.0);
    assert_eq!(summary["averages"]["overallSatisfaction"], 3.0);
    assert_eq!(
        summary["trend"],
        json!([
            { "period": "2026-Q1", "count": 2, "averages": { "overallSatisfaction": 2.0 } },
            { "period": "2026-Q2", "count": 1, "averages": { "overallSatisfaction": 5.0 } },
        ])
    );
    assert_eq!(acme_view["feedback"]["totalCount"], 3);
    assert_eq!(
        acme_view["feedback"]["edges"][0]["node"]["feedbackOn"], "2026-05-01",
        "newest first"
    );
    let globo_view = &data["clients"]["edges"][1]["node"];
    assert_eq!(globo_view["feedbackSummary"]["count"], 1);
    let later = app
        .ok_as(&manager, query, json!({ "from": "2026-04-01" }))
        .await;
    let summary = &later["clients"]["edges"][0]["node"]["feedbackSummary"];
    assert_eq!(summary["count"], 1);
    assert_eq!(summary["trend"][0]["period"], "2026-Q2");
}

#[tokio::test]
async fn another_tenants_feedback_is_not_found() {
    let app = spawn_app().await;
    let acme = app.create_tenant("acme").await;
    let globex = app.create_tenant("globex").await;
    let ours = app.token(&acme, Role::Manager).await;
    let theirs = app.token(&globex, Role::Manager).await;
    let their_client = app.create_client(&theirs, "Theirs").await;
    let row = submit(
        &app,
        &theirs,
        &their_client,
        ratings("2026-Q1", "2026-02-01", [5; 5]),
    )
    .await;
    for (operation, vars) in [
        (
            SUBMIT,
            json!({ "c": their_client, "i": ratings("2026-Q1", "2026-02-01", [1; 5]) }),
        ),
        (
            "mutation($id: ID!) { updateFeedback(id: $id, input: {overallSatisfaction: 1}) { id } }",
            json!({ "id": row["id"] }),
        ),
        (
            "mutation($id: ID!) { finalizeFeedback(id: $id) { id } }",
            json!({ "id": row["id"] }),
        ),
    ] {
        let body = app.graphql_as(&ours, operation, vars).await;
        assert_eq!(
            first_error_code(&body),
            Some("NOT_FOUND"),
            "{operation}: {body}"
        );
    }
    let untouched = app
        .ok_as(&theirs, "query($c: ID!) { client(id: $c) { feedback { edges { node { overallSatisfaction isFinalized } } } } }", json!({ "c": their_client }))
        .await;
    assert_eq!(
        untouched["client"]["feedback"]["edges"][0]["node"],
        json!({ "overallSatisfaction": 5, "isFinalized": false })
    );
}
