//! Client insights: the dashboard's figures against hand-computed expectations, the
//! health score and its components, ordering by open jobs and by health, the daily
//! analytics (CLI, background task, idempotent and concurrent runs), tenant isolation
//! and the fields guarded by permission.

use chrono::{Duration, Utc};
use clientgraph::auth::Role;
use entity::job;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tokio::process::Command;

use crate::helpers::{TestApp, days_ago, first_error_code, spawn_app, spawn_app_with};

const BIN: &str = env!("CARGO_BIN_EXE_clientgraph");

/// Creates a job; returns its id.
async fn job(app: &TestApp, token: &str, title: &str, status: &str, openings: i64) -> Value {
    app.ok_as(
        token,
        "mutation($t: String!, $s: JobStatus!, $o: Int!) { createJob(input: {title: $t, status: $s, openings: $o}) { id } }",
        json!({ "t": title, "s": status, "o": openings }),
    )
    .await["createJob"]["id"]
        .clone()
}

async fn link(app: &TestApp, token: &str, client: &Value, job: &Value) {
    app.ok_as(
        token,
        "mutation($c: ID!, $j: ID!) { linkJob(clientId: $c, jobId: $j) { id } }",
        json!({ "c": client, "j": job }),
    )
    .await;
}

/// Adds an application and moves it to `stage`; returns its id.
async fn apply(
    app: &TestApp,
    token: &str,
    job: &Value,
    name: &str,
    quality: Option<i64>,
    stage: &str,
) -> Value {
    let id = app
        .ok_as(
            token,
            "mutation($j: ID!, $n: String!, $q: Int) { addApplication(jobId: $j, input: {candidateName: $n, qualityScore: $q}) { id } }",
            json!({ "j": job, "n": name, "q": quality }),
        )
        .await["addApplication"]["id"]
        .clone();
    if stage != "APPLIED" {
        app.ok_as(
            token,
            "mutation($id: ID!, $s: ApplicationStage!) { moveApplication(id: $id, stage: $s) { stage } }",
            json!({ "id": id, "s": stage }),
        )
        .await;
    }
    id
}

/// Sets when a job opened and filled (the API stamps "now"; fill times need days).
async fn backdate_fill(app: &TestApp, job_id: &Value, opened_days_ago: i64, filled_days_ago: i64) {
    let id: uuid::Uuid = job_id.as_str().unwrap().parse().unwrap();
    let now = Utc::now();
    job::Entity::update_many()
        .col_expr(
            job::Column::OpenedAt,
            Expr::val(now - Duration::days(opened_days_ago)),
        )
        .col_expr(
            job::Column::FilledAt,
            Expr::val(now - Duration::days(filled_days_ago)),
        )
        .filter(job::Column::Id.eq(id))
        .exec(app.db.system("test inspection").conn())
        .await
        .unwrap();
}

const DASHBOARD: &str = "query($id: ID!, $n: Int!) { client(id: $id) { dashboard { activeJobs totalCandidates hires avgTimeToFillDays avgCandidateQualityScore pipeline { applied screened shortlisted interviewed offered hired rejected } recentActivities(first: $n) { kind at summary entityId actor { fullName } } followUpsDue { totalCount edges { node { subject followUpOn } } } } } }";

#[tokio::test]
async fn the_dashboard_adds_up_the_linked_jobs_and_the_last_30_days() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let manager = app.token(&tenant, Role::Manager).await;
    let acme = app.create_client(&manager, "Acme").await;
    let globo = app.create_client(&manager, "Globo").await;

    // Acme: one open job with three candidates (one hired), two jobs filled in 10 and
    // 5 days, a draft, and an open job linked and unlinked again.
    let open = job(&app, &manager, "Welder", "OPEN", 5).await;
    link(&app, &manager, &acme, &open).await;
    apply(&app, &manager, &open, "Ann", Some(80), "SCREENED").await;
    apply(&app, &manager, &open, "Bob", Some(60), "HIRED").await;
    apply(&app, &manager, &open, "Cy", None, "APPLIED").await;
    let filled_by_hire = job(&app, &manager, "Fitter", "OPEN", 1).await;
    link(&app, &manager, &acme, &filled_by_hire).await;
    apply(&app, &manager, &filled_by_hire, "Dee", Some(100), "HIRED").await;
    backdate_fill(&app, &filled_by_hire, 20, 10).await;
    let filled_by_hand = job(&app, &manager, "Painter", "OPEN", 1).await;
    link(&app, &manager, &acme, &filled_by_hand).await;
    app.ok_as(
        &manager,
        "mutation($id: ID!) { updateJob(id: $id, expectedVersion: 1, input: {status: FILLED}) { status } }",
        json!({ "id": filled_by_hand }),
    )
    .await;
    backdate_fill(&app, &filled_by_hand, 6, 1).await;
    let draft = job(&app, &manager, "Draft", "DRAFT", 1).await;
    link(&app, &manager, &acme, &draft).await;
    let gone = job(&app, &manager, "Gone", "OPEN", 1).await;
    link(&app, &manager, &acme, &gone).await;
    apply(&app, &manager, &gone, "Eve", Some(10), "HIRED").await;
    app.ok_as(
        &manager,
        "mutation($c: ID!, $j: ID!) { unlinkJob(clientId: $c, jobId: $j) { isActive } }",
        json!({ "c": acme, "j": gone }),
    )
    .await;
    // Globo's job counts for Globo only.
    let theirs = job(&app, &manager, "Theirs", "OPEN", 3).await;
    link(&app, &manager, &globo, &theirs).await;
    apply(&app, &manager, &theirs, "Fay", Some(1), "APPLIED").await;

    // Activity: a note, a communication 2 days ago with a follow-up due yesterday, one
    // 40 days ago (too old), and feedback.
    app.ok_as(
        &manager,
        "mutation($c: ID!) { createNote(clientId: $c, input: {title: \"Kick-off notes\", body: \"b\"}) { id } }",
        json!({ "c": acme }),
    )
    .await;
    let yesterday = (Utc::now() - Duration::days(1)).date_naive().to_string();
    app.ok_as(
        &manager,
        "mutation($c: ID!, $at: DateTime!, $due: NaiveDate!) { logCommunication(clientId: $c, input: {communicationType: CALL, subject: \"Status call\", communicationAt: $at, followUpRequired: true, followUpOn: $due}) { id } }",
        json!({ "c": acme, "at": days_ago(2), "due": yesterday }),
    )
    .await;
    app.ok_as(
        &manager,
        "mutation($c: ID!, $at: DateTime!) { logCommunication(clientId: $c, input: {communicationType: EMAIL, subject: \"Old email\", communicationAt: $at}) { id } }",
        json!({ "c": acme, "at": days_ago(40) }),
    )
    .await;
    app.ok_as(
        &manager,
        "mutation($c: ID!, $d: NaiveDate!) { submitFeedback(clientId: $c, input: {period: \"2026-Q4\", feedbackOn: $d, responsivenessRating: 4, communicationRating: 4, requirementsClarityRating: 4, decisionSpeedRating: 4, overallSatisfaction: 4}) { id } }",
        json!({ "c": acme, "d": Utc::now().date_naive().to_string() }),
    )
    .await;

    let data = app
        .ok_as(&manager, DASHBOARD, json!({ "id": acme, "n": 20 }))
        .await;
    let d = &data["client"]["dashboard"];
    assert_eq!(d["activeJobs"], 1, "{d}");
    // Ann, Bob, Cy on the open job and Dee on the filled one (Eve's job is unlinked).
    assert_eq!(d["totalCandidates"], 4, "{d}");
    assert_eq!(d["hires"], 2, "{d}");
    assert_eq!(d["avgTimeToFillDays"], 7.5, "(10 + 5) / 2: {d}");
    assert_eq!(
        d["avgCandidateQualityScore"], 80.0,
        "(80 + 60 + 100) / 3: {d}"
    );
    assert_eq!(
        d["pipeline"],
        json!({ "applied": 1, "screened": 1, "shortlisted": 0, "interviewed": 0, "offered": 0, "hired": 2, "rejected": 0 })
    );
    let activities = d["recentActivities"].as_array().unwrap();
    let kinds: Vec<&str> = activities
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "NOTE",
        "COMMUNICATION",
        "FEEDBACK",
        "JOB_LINKED",
        "JOB_UNLINKED",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    // Five links, one unlink, a note, a recent call and feedback; the old email is out.
    assert_eq!(activities.len(), 9, "{kinds:?}");
    assert!(activities.iter().all(|a| a["summary"] != "Old email"));
    let times: Vec<&str> = activities
        .iter()
        .map(|a| a["at"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");
    assert!(activities.iter().any(|a| a["kind"] == "JOB_LINKED"
        && a["summary"] == "Welder"
        && a["actor"]["fullName"].is_string()));
    assert_eq!(d["followUpsDue"]["totalCount"], 1, "{d}");
    assert_eq!(
        d["followUpsDue"]["edges"][0]["node"]["subject"],
        "Status call"
    );
    let three = app
        .ok_as(&manager, DASHBOARD, json!({ "id": acme, "n": 3 }))
        .await;
    let three = three["client"]["dashboard"]["recentActivities"]
        .as_array()
        .unwrap();
    assert_eq!(three.len(), 3);
    assert_eq!(three[0]["at"], activities[0]["at"]);
    let bad = app
        .graphql_as(&manager, DASHBOARD, json!({ "id": acme, "n": 0 }))
        .await;
    assert_eq!(first_error_code(&bad), Some("BAD_USER_INPUT"), "{bad}");

    // Globo sees its own job only.
    let g = app
        .ok_as(&manager, DASHBOARD, json!({ "id": globo, "n": 5 }))
        .await;
    let g = &g["client"]["dashboard"];
    assert_eq!(
        (g["activeJobs"].clone(), g["totalCandidates"].clone()),
        (json!(1), json!(1))
    );
    assert!(g["avgTimeToFillDays"].is_null());

    // A member may not read feedback: the dashboard leaves feedback out for them.
    let member = app.token(&tenant, Role::Member).await;
    let m = app
        .ok_as(&member, DASHBOARD, json!({ "id": acme, "n": 20 }))
        .await;
    let m = m["client"]["dashboard"]["recentActivities"]
        .as_array()
        .unwrap();
    assert_eq!(m.len(), 8);
    assert!(m.iter().all(|a| a["kind"] != "FEEDBACK"));
}

#[tokio::test]
async fn clients_order_by_open_job_count_kept_in_step_with_links_and_statuses() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let manager = app.token(&tenant, Role::Manager).await;
    let none = app.create_client(&manager, "Aardvark").await;
    let one = app.create_client(&manager, "Beta").await;
    let two = app.create_client(&manager, "Gamma").await;
    for title in ["A", "B"] {
        let j = job(&app, &manager, title, "OPEN", 1).await;
        link(&app, &manager, &two, &j).await;
    }
    // Beta: linked open (+1), linked draft then opened (+1), put on hold (−1), and an
    // open job that is unlinked (0).
    let a = job(&app, &manager, "C", "OPEN", 1).await;
    link(&app, &manager, &one, &a).await;
    let b = job(&app, &manager, "D", "DRAFT", 1).await;
    link(&app, &manager, &one, &b).await;
    app.ok_as(
        &manager,
        "mutation($id: ID!) { updateJob(id: $id, expectedVersion: 1, input: {status: OPEN}) { status } }",
        json!({ "id": b }),
    )
    .await;
    app.ok_as(
        &manager,
        "mutation($id: ID!) { updateJob(id: $id, expectedVersion: 2, input: {status: ON_HOLD}) { status } }",
        json!({ "id": b }),
    )
    .await;
    let c = job(&app, &manager, "E", "OPEN", 1).await;
    link(&app, &manager, &one, &c).await;
    app.ok_as(
        &manager,
        "mutation($c: ID!, $j: ID!) { unlinkJob(clientId: $c, jobId: $j) { isActive } }",
        json!({ "c": one, "j": c }),
    )
    .await;
    // Aardvark: an open job (+1) that its hire fills (−1).
    let d = job(&app, &manager, "F", "OPEN", 1).await;
    link(&app, &manager, &none, &d).await;
    apply(&app, &manager, &d, "Hal", None, "HIRED").await;

    let order = |direction: &'static str| {
        format!(
            "{{ clients(orderBy: [{{field: OPEN_JOB_COUNT, direction: {direction}}}]) {{ edges {{ node {{ name dashboard {{ activeJobs }} }} }} }} }}"
        )
    };
    let names = |data: &Value| -> Vec<(String, i64)> {
        data["clients"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["node"]["name"].as_str().unwrap().to_owned(),
                    e["node"]["dashboard"]["activeJobs"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let desc = app.ok_as(&manager, &order("DESC"), json!({})).await;
    assert_eq!(
        names(&desc),
        vec![
            ("Gamma".to_owned(), 2),
            ("Beta".to_owned(), 1),
            ("Aardvark".to_owned(), 0)
        ]
    );
    let asc = app.ok_as(&manager, &order("ASC"), json!({})).await;
    assert_eq!(names(&asc)[0].0, "Aardvark");
}

const HEALTH: &str = "query($id: ID!) { client(id: $id) { healthScore { score band components { engagement financial activity communication risk } } } }";

#[tokio::test]
async fn the_health_score_follows_the_clients_rows() {
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let manager = app.token(&tenant, Role::Manager).await;
    let member = app.token(&tenant, Role::Member).await;
    let acme = app.create_client(&manager, "Acme").await;

    // Nothing yet: engagement 0, financial 50 (no billing figures), activity 0,
    // communication 0, risk 100 → 0.25·50 + 0.10·100 = 22.5 → 23.
    let data = app.ok_as(&manager, HEALTH, json!({ "id": acme })).await;
    assert_eq!(
        data["client"]["healthScore"],
        json!({ "score": 23, "band": "AT_RISK", "components": { "engagement": 0, "financial": 50, "activity": 0, "communication": 0, "risk": 100 } })
    );
    // The financial component needs billing:read.
    let data = app.ok_as(&member, HEALTH, json!({ "id": acme })).await;
    assert!(data["client"]["healthScore"]["components"]["financial"].is_null());
    assert_eq!(data["client"]["healthScore"]["score"], 23);

    // Nothing outstanding of 1000 revenue (100), a meeting now (engagement 100,
    // recency 100), feedback overall 5 (communication (100 + 100) / 2), one open linked
    // job (activity 20): 30 + 25 + 4 + 15 + 10 = 84.
    app.ok_as(
        &manager,
        "mutation($id: ID!) { updateClient(id: $id, expectedVersion: 1, input: {outstandingBalance: 0, totalRevenue: 1000}) { id } }",
        json!({ "id": acme }),
    )
    .await;
    app.ok_as(
        &manager,
        "mutation($c: ID!) { logCommunication(clientId: $c, input: {communicationType: MEETING, subject: \"Review\"}) { id } }",
        json!({ "c": acme }),
    )
    .await;
    app.ok_as(
        &manager,
        "mutation($c: ID!, $d: NaiveDate!) { submitFeedback(clientId: $c, input: {period: \"2026-Q4\", feedbackOn: $d, responsivenessRating: 5, communicationRating: 5, requirementsClarityRating: 5, decisionSpeedRating: 5, overallSatisfaction: 5}) { id } }",
        json!({ "c": acme, "d": Utc::now().date_naive().to_string() }),
    )
    .await;
    let open = job(&app, &manager, "Welder", "OPEN", 2).await;
    link(&app, &manager, &acme, &open).await;
    let data = app.ok_as(&manager, HEALTH, json!({ "id": acme })).await;
    assert_eq!(
        data["client"]["healthScore"],
        json!({ "score": 84, "band": "STRONG", "components": { "engagement": 100, "financial": 100, "activity": 20, "communication": 100, "risk": 100 } })
    );

    // An overdue follow-up (−20 risk) and a half-unpaid balance (financial 0):
    // 30 + 0 + 4 + 15 + 8 = 57 → STABLE.
    app.ok_as(
        &manager,
        "mutation($id: ID!) { updateClient(id: $id, expectedVersion: 2, input: {outstandingBalance: 500}) { id } }",
        json!({ "id": acme }),
    )
    .await;
    let last_week = (Utc::now() - Duration::days(7)).date_naive().to_string();
    app.ok_as(
        &manager,
        "mutation($c: ID!, $due: NaiveDate!) { logCommunication(clientId: $c, input: {communicationType: CHAT, subject: \"Ping\", communicationAt: \"2020-01-01T00:00:00Z\", followUpRequired: true, followUpOn: $due}) { id } }",
        json!({ "c": acme, "due": last_week }),
    )
    .await;
    let data = app.ok_as(&manager, HEALTH, json!({ "id": acme })).await;
    assert_eq!(
        data["client"]["healthScore"],
        json!({ "score": 57, "band": "STABLE", "components": { "engagement": 100, "financial": 0, "activity": 20, "communication": 100, "risk": 80 } })
    );
}

const SERIES: &str = "query($id: ID!, $d: NaiveDate!) { client(id: $id) { analytics(from: $d, to: $d) { date activeJobsCount totalCandidatesCount screenedCount hiredCount healthScore revenueGenerated } } }";

async fn analytics_run(app: &TestApp, date: &str) -> std::process::Output {
    Command::new(BIN)
        .args(["analytics", "run", "--date", date])
        .env("DATABASE_URL", &app.database_url)
        .output()
        .await
        .unwrap()
}

async fn analytics_rows(app: &TestApp) -> i64 {
    let row = app
        .db
        .system("test inspection")
        .conn()
        .query_one_raw(sea_orm::Statement::from_string(
            app.db
                .system("test inspection")
                .conn()
                .get_database_backend(),
            "SELECT COUNT(*) AS n FROM client_analytics",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "n").unwrap()
}

#[tokio::test]
async fn analytics_runs_upsert_one_row_per_client_per_day_even_concurrently() {
    let app = spawn_app().await;
    let acme_tenant = app.create_tenant("acme").await;
    let other_tenant = app.create_tenant("other").await;
    let manager = app.token(&acme_tenant, Role::Manager).await;
    let member = app.token(&acme_tenant, Role::Member).await;
    let stranger = app.token(&other_tenant, Role::Manager).await;
    let acme = app.create_client(&manager, "Acme").await;
    app.create_client(&manager, "Beta").await;
    app.create_client(&stranger, "Theirs").await;
    app.ok_as(
        &manager,
        "mutation($id: ID!) { updateClient(id: $id, expectedVersion: 1, input: {totalRevenue: 1234.5}) { id } }",
        json!({ "id": acme }),
    )
    .await;
    let open = job(&app, &manager, "Welder", "OPEN", 3).await;
    link(&app, &manager, &acme, &open).await;
    apply(&app, &manager, &open, "Ann", Some(50), "SCREENED").await;
    apply(&app, &manager, &open, "Bob", Some(70), "HIRED").await;

    // Two runs at once, then a third: still one row per client for the day.
    let day = "2026-11-20";
    let (a, b) = tokio::join!(analytics_run(&app, day), analytics_run(&app, day));
    for output in [&a, &b] {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            String::from_utf8_lossy(&output.stdout)
                .contains("analytics for 2026-11-20: 3 clients in 2 tenants"),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
    assert_eq!(analytics_rows(&app).await, 3);
    let again = analytics_run(&app, day).await;
    assert!(again.status.success());
    assert_eq!(analytics_rows(&app).await, 3);

    let data = app
        .ok_as(&manager, SERIES, json!({ "id": acme, "d": day }))
        .await;
    let health = app.ok_as(&manager, HEALTH, json!({ "id": acme })).await;
    assert_eq!(
        data["client"]["analytics"],
        json!([{ "date": day, "activeJobsCount": 1, "totalCandidatesCount": 2, "screenedCount": 1, "hiredCount": 1,
                 "healthScore": health["client"]["healthScore"]["score"], "revenueGenerated": 1234.5 }])
    );
    // Revenue needs billing:read.
    let data = app
        .ok_as(&member, SERIES, json!({ "id": acme, "d": day }))
        .await;
    assert!(data["client"]["analytics"][0]["revenueGenerated"].is_null());
    // Another tenant cannot reach the client, its dashboard, health or analytics.
    let theirs = app
        .graphql_as(
            &stranger,
            "query($id: ID!) { client(id: $id) { id healthScore { score } dashboard { activeJobs } analytics { date } } }",
            json!({ "id": acme }),
        )
        .await;
    assert!(theirs["data"]["client"].is_null(), "{theirs}");
    // …nor see it when ordering by health.
    let listed = app
        .ok_as(
            &stranger,
            "{ clients(orderBy: [{field: HEALTH_SCORE, direction: DESC}]) { totalCount edges { node { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["clients"]["totalCount"], 1);
    assert_eq!(listed["clients"]["edges"][0]["node"]["name"], "Theirs");

    // The run left each client's health snapshot: Acme (an open job, revenue) ranks
    // above Beta.
    let ranked = app
        .ok_as(
            &manager,
            "{ clients(orderBy: [{field: HEALTH_SCORE, direction: DESC}]) { edges { node { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(ranked["clients"]["edges"][0]["node"]["name"], "Acme");

    let bad = app
        .graphql_as(
            &manager,
            "query($id: ID!) { client(id: $id) { analytics(from: \"2026-11-20\", to: \"2026-11-01\") { date } } }",
            json!({ "id": acme }),
        )
        .await;
    assert_eq!(first_error_code(&bad), Some("BAD_USER_INPUT"), "{bad}");
}

#[tokio::test]
async fn the_background_task_writes_todays_rows_at_start_up() {
    let app = spawn_app_with(|c| c.analytics_interval_secs = 3600).await;
    let tenant = app.create_tenant("acme").await;
    let manager = app.token(&tenant, Role::Manager).await;
    let acme = app.create_client(&manager, "Acme").await;
    // The start-up run may have happened before the client existed; a second server on
    // the same database runs again at its own start.
    let second = crate::helpers::spawn_app_on(
        crate::helpers::TestDatabase::Shared,
        &app.database_url,
        |c| c.analytics_interval_secs = 3600,
    )
    .await;
    let today = Utc::now().date_naive().to_string();
    let mut rows = Value::Null;
    for _ in 0..100 {
        let data = second
            .ok_as(&manager, SERIES, json!({ "id": acme, "d": today }))
            .await;
        rows = data["client"]["analytics"].clone();
        if rows.as_array().is_some_and(|r| !r.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{rows}");
    assert_eq!(rows[0]["date"], today.as_str());
}
