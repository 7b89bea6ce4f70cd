//! The client dashboard benchmark (issue 6), PostgreSQL only.
//!
//! `seed-dashboard` makes a `dashboard` tenant of 1,000 clients. The first by name is
//! the big one: 500 linked jobs (60% OPEN, 20% FILLED, ON_HOLD, CLOSED), 20,000
//! applications over every stage, 300 notes, 300 communications (some with follow-ups
//! due) and 8 feedback rows. Every other client gets 2 jobs with 20 applications each
//! (so the big client's rows sit among 40,000 others). Straight `INSERT … SELECT`.
//!
//! `dashboard` starts the real server and asks for the big client's dashboard and
//! health score over HTTP: sequentially (p50/p95/p99 of N requests), then at a few
//! concurrencies for a fixed time.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clientgraph::db::Db;
use clientgraph::service::tenants;
use entity::{client, user};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, Statement,
};

use super::nested::{Connection, Server, tenant_has_rows};

const TENANT: &str = "dashboard";

/// The dashboard and health score of one client.
fn query(client_id: uuid::Uuid) -> String {
    format!(
        "{{ client(id: \"{client_id}\") {{ name dashboard {{ activeJobs totalCandidates hires avgTimeToFillDays avgCandidateQualityScore pipeline {{ applied screened shortlisted interviewed offered hired rejected }} recentActivities(first: 20) {{ kind at summary }} followUpsDue(first: 10) {{ totalCount edges {{ node {{ subject followUpOn }} }} }} }} healthScore {{ score band components {{ engagement financial activity communication risk }} }} }} }}"
    )
}

async fn big_client(db: &Db, tenant_id: uuid::Uuid) -> anyhow::Result<client::Model> {
    client::Entity::find()
        .filter(client::Column::TenantId.eq(tenant_id))
        .order_by_asc(client::Column::NameNormalized)
        .one(db.system("benchmark data").conn())
        .await?
        .context("seed first: clientgraph-bench seed-dashboard")
}

/// Seeds the tenant (once).
pub async fn seed(db: &Db) -> anyhow::Result<()> {
    if db.system("benchmark data").conn().get_database_backend() != DbBackend::Postgres {
        bail!("the dashboard benchmark runs on PostgreSQL (DATABASE_URL=postgres://…)");
    }
    super::list::seed_tenant(db, TENANT, 1000).await?;
    let tenant = tenants::by_slug(db, TENANT).await?;
    let big = big_client(db, tenant.id).await?;
    let run = |sql: &'static str| {
        let statement = Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            [tenant.id.into(), big.id.into()],
        );
        async move {
            db.system("benchmark data")
                .conn()
                .execute_raw(statement)
                .await
        }
    };
    let has = tenant_has_rows(db, "jobs", tenant.id).await?;
    if has {
        println!("{TENANT}: already seeded");
        return Ok(());
    }
    let started = Instant::now();
    // Jobs and their links: 500 for the big client, 2 for each other one.
    run("WITH src AS ( \
           SELECT $2::uuid AS client_id, gen_random_uuid() AS job_id, k FROM generate_series(1, 500) AS k \
           UNION ALL \
           SELECT c.id, gen_random_uuid(), k FROM clients c CROSS JOIN generate_series(1, 2) AS k \
           WHERE c.tenant_id = $1 AND c.id <> $2), \
         j AS ( \
           INSERT INTO jobs (id, tenant_id, title, department, location, employment_type, status, openings, \
                             opened_at, filled_at, closed_at, created_at, updated_at, version) \
           SELECT job_id, $1, 'Job ' || k, 'Engineering', 'Remote', 'FULL_TIME', \
                  (ARRAY['OPEN','OPEN','OPEN','OPEN','OPEN','OPEN','FILLED','FILLED','ON_HOLD','CLOSED'])[1 + k % 10], \
                  1 + k % 3, now() - make_interval(days => 10 + k % 90), \
                  CASE WHEN k % 10 IN (6, 7) THEN now() - make_interval(days => 10 + k % 90) + make_interval(days => 1 + k % 40) END, \
                  CASE WHEN k % 10 = 9 THEN now() END, now(), now(), 1 \
           FROM src) \
         INSERT INTO client_job_assignments (id, tenant_id, client_id, job_id, assigned_at, is_active, created_at, updated_at) \
         SELECT gen_random_uuid(), $1, client_id, job_id, now() - make_interval(days => k % 60), true, now(), now() FROM src")
        .await?;
    // Applications: 40 per job of the big client (20,000), 20 per other job.
    run("INSERT INTO job_applications (id, tenant_id, job_id, candidate_name, candidate_email, stage, quality_score, \
                                       applied_at, stage_changed_at, hired_at, created_at, updated_at, version) \
         SELECT gen_random_uuid(), $1, l.job_id, 'Candidate ' || k, 'c' || k || '@example.com', \
                (ARRAY['APPLIED','SCREENED','SHORTLISTED','INTERVIEWED','OFFERED','HIRED','REJECTED'])[1 + k % 7], \
                CASE WHEN k % 5 = 0 THEN NULL ELSE (k * 37) % 101 END, \
                now() - make_interval(days => k % 60), now() - make_interval(days => k % 30), \
                CASE WHEN k % 7 = 5 THEN now() - make_interval(days => k % 120) END, now(), now(), 1 \
         FROM client_job_assignments l \
         CROSS JOIN generate_series(1, CASE WHEN l.client_id = $2 THEN 40 ELSE 20 END) AS k \
         WHERE l.tenant_id = $1")
        .await?;
    run("INSERT INTO client_notes (id, tenant_id, client_id, title, body, format, note_type, tags, priority, status, \
         pinned, word_count, interaction_at, created_at, updated_at, version) \
         SELECT gen_random_uuid(), $1, $2, 'Note ' || k, 'Talked about the hiring plan ' || k, 'PLAIN', 'MEETING', \
                '[]'::json, 'NORMAL', 'ACTIVE', false, 5, now() - make_interval(hours => k * 5), now(), now(), 1 \
         FROM generate_series(1, 300) AS k")
        .await?;
    run("INSERT INTO client_communications (id, tenant_id, client_id, communication_type, subject, notes, \
         communication_at, participants, is_important, follow_up_required, follow_up_on, created_at, updated_at, version) \
         SELECT gen_random_uuid(), $1, $2, (ARRAY['EMAIL','CALL','MEETING','VIDEO','CHAT','OTHER'])[1 + k % 6], \
                'Re: topic ' || k, 'Discussed item ' || k, now() - make_interval(hours => k * 5), '[]'::json, k % 10 = 0, \
                k % 15 = 0, CASE WHEN k % 15 = 0 THEN (now() - make_interval(days => k % 20))::date END, now(), now(), 1 \
         FROM generate_series(1, 300) AS k")
        .await?;
    run("INSERT INTO client_feedback (id, tenant_id, client_id, period, feedback_on, responsiveness_rating, \
         communication_rating, requirements_clarity_rating, decision_speed_rating, overall_satisfaction, \
         is_finalized, created_at, updated_at, version) \
         SELECT gen_random_uuid(), $1, $2, '2026-Q' || (1 + k % 4), (now() - make_interval(days => k * 20))::date, \
                1 + k % 5, 1 + (k + 1) % 5, 1 + (k + 2) % 5, 1 + (k + 3) % 5, 1 + (k + 4) % 5, false, \
                now() - make_interval(days => k * 20), now(), 1 \
         FROM generate_series(1, 8) AS k")
        .await?;
    db.system("benchmark data").conn()
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE clients SET open_jobs_count = (SELECT COUNT(*) FROM client_job_assignments l \
             JOIN jobs j ON j.id = l.job_id WHERE l.client_id = clients.id AND l.is_active AND j.status = 'OPEN') \
             WHERE tenant_id = $1",
            [tenant.id.into()],
        ))
        .await?;
    db.system("benchmark data")
        .conn()
        .execute_unprepared("ANALYZE")
        .await?;
    println!(
        "{TENANT}: 1,000 clients; {} has 500 jobs and 20,000 applications; 2,498 other jobs, 49,960 other applications; in {:.1?}",
        big.name,
        started.elapsed()
    );
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    super::list::percentile(sorted, p)
}

/// Measures the big client's dashboard over HTTP.
pub async fn run(
    db: Db,
    database_url: &str,
    iterations: usize,
    concurrency: &[usize],
    seconds: u64,
) -> anyhow::Result<()> {
    let tenant = tenants::by_slug(&db, TENANT)
        .await
        .context("seed first: clientgraph-bench seed-dashboard")?;
    let admin = user::Entity::find()
        .filter(user::Column::TenantId.eq(tenant.id))
        .one(db.system("benchmark data").conn())
        .await?
        .context("seed first")?;
    let big = big_client(&db, tenant.id).await?;
    let query = query(big.id);
    let server = Server::start(None, database_url, 16).await?;
    let token = server.token(admin.id, tenant.id)?;

    let mut connection = Connection::open(&server.addr, &token, &query).await?;
    let body: serde_json::Value = serde_json::from_slice(&connection.call().await?)?;
    if body["errors"].is_array() {
        bail!("dashboard failed: {body}");
    }
    let d = &body["data"]["client"]["dashboard"];
    if d["totalCandidates"] != 20_000 {
        bail!("unexpected dashboard (seed with seed-dashboard): {d}");
    }
    println!(
        "dashboard of {}: {} active jobs, {} candidates, {} hires, {} days to fill, {} follow-ups due; health {}",
        big.name,
        d["activeJobs"],
        d["totalCandidates"],
        d["hires"],
        d["avgTimeToFillDays"],
        d["followUpsDue"]["totalCount"],
        body["data"]["client"]["healthScore"]["score"]
    );

    for _ in 0..20 {
        connection.call().await?; // warm-up
    }
    let mut times = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let sent = Instant::now();
        connection.call().await?;
        times.push(sent.elapsed());
    }
    times.sort();
    println!(
        "\nsequential, {iterations} requests: p50 {:.1} ms   p95 {:.1} ms   p99 {:.1} ms",
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        percentile(&times, 0.99)
    );

    for &n in concurrency {
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..n {
            let mut c = Connection::open(&server.addr, &token, &query).await?;
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                while started.elapsed() < Duration::from_secs(seconds) {
                    let sent = Instant::now();
                    c.call().await?;
                    latencies.push(sent.elapsed());
                }
                anyhow::Ok(latencies)
            }));
        }
        let mut latencies = Vec::new();
        for task in tasks {
            latencies.extend(task.await??);
        }
        latencies.sort();
        println!(
            "concurrency {n:>2}, {seconds} s: {:.1} req/s   p50 {:.1} ms   p95 {:.1} ms   p99 {:.1} ms",
            latencies.len() as f64 / started.elapsed().as_secs_f64(),
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.95),
            percentile(&latencies, 0.99)
        );
    }
    Ok(())
}
