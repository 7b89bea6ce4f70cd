//! The nested client view benchmark (issue 5), PostgreSQL only.
//!
//! `seed-nested` makes a `nested` tenant with N clients × 5 contacts × 10 notes × 10
//! communications (straight `INSERT … SELECT`). `nested` then:
//! 1. runs the view once in-process with statement recording on, and writes those exact
//!    statements (values inlined) as a pgbench script: the raw-SQL floor;
//! 2. starts the real server (the `clientgraph` binary next to this one) on a free
//!    loopback port, and drives the view over HTTP/1.1 keep-alive connections at each
//!    concurrency for a fixed time: requests/s, p50, p99;
//! 3. runs pgbench with the script at the same concurrencies (per-transaction latency
//!    log → p50, p99), and prints both side by side with the ratio;
//! 4. reads the server's peak RSS (`VmHWM` in /proc) after the load.

mod load;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clientgraph::db::Db;
use clientgraph::graphql::context;
use clientgraph::service::tenants;
use entity::user;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement};

pub use load::{Connection, Server};
use load::{cpu_seconds, http_load, pgbench, pgbench_binary, rss_mb, tempfile_dir};

const TENANT: &str = "nested";

/// The view: the first 50 clients by name, each with all its contacts, its 5 newest
/// notes and its 5 newest communications.
pub const VIEW: &str = "{ clients(first: 50, orderBy: [{field: NAME}]) { edges { node { id name clientCode status contacts(first: 100) { edges { node { id fullName email role isPrimary } } } notes(first: 5) { edges { node { id title noteType interactionAt } } } communications(first: 5) { edges { node { id subject communicationType communicationAt } } } } } } }";

/// The full view of issue 6: the same plus each client's jobs with their pipeline, the
/// feedback summary and the live health score.
pub const FULL_VIEW: &str = "{ clients(first: 50, orderBy: [{field: NAME}]) { edges { node { id name clientCode status contacts(first: 100) { edges { node { id fullName email role isPrimary } } } notes(first: 5) { edges { node { id title noteType interactionAt } } } communications(first: 5) { edges { node { id subject communicationType communicationAt } } } jobs(first: 5) { edges { node { id title status pipeline { applied screened shortlisted interviewed offered hired rejected } } } } feedbackSummary { count averages { overallSatisfaction } } healthScore { score band components { engagement financial activity communication risk } } } } } }";

const JWT_SECRET: &str = "nested-bench-secret-nested-bench-secret";

/// Adds 5 contacts, 10 notes and 10 communications to every client of the tenant.
pub async fn seed(db: &Db, clients: i64) -> anyhow::Result<()> {
    if db.system("benchmark data").conn().get_database_backend() != DbBackend::Postgres {
        bail!("the nested benchmark runs on PostgreSQL (DATABASE_URL=postgres://…)");
    }
    super::list::seed_tenant(db, TENANT, clients).await?;
    let tenant = tenants::by_slug(db, TENANT).await?;
    let run = |sql: &'static str| {
        let statement =
            Statement::from_sql_and_values(DbBackend::Postgres, sql, [tenant.id.into()]);
        async move {
            db.system("benchmark data")
                .conn()
                .execute_raw(statement)
                .await
        }
    };
    let started = Instant::now();
    let has = tenant_has_rows(db, "client_contacts", tenant.id).await?;
    if has {
        println!("{TENANT}: contacts, notes and communications already seeded");
        return seed_jobs_and_feedback(db, tenant.id).await;
    }
    run("INSERT INTO client_contacts (id, tenant_id, client_id, first_name, last_name, full_name, email, role, \
         is_primary, is_billing, is_technical, is_active, do_not_contact, engagement_score, created_at, updated_at, version) \
         SELECT gen_random_uuid(), c.tenant_id, c.id, 'Pat' || k, initcap(substr(md5(c.id::text || k), 1, 7)), \
                'Pat' || k || ' ' || initcap(substr(md5(c.id::text || k), 1, 7)), \
                'pat' || k || '.' || substr(md5(c.id::text), 1, 10) || '@example.com', \
                (ARRAY['DECISION_MAKER','INFLUENCER','GATEKEEPER','END_USER','OTHER'])[k], k = 1, k = 2, k = 3, \
                true, false, 0, now(), now(), 1 \
         FROM clients c CROSS JOIN generate_series(1, 5) AS k WHERE c.tenant_id = $1")
        .await?;
    run("INSERT INTO client_notes (id, tenant_id, client_id, title, body, format, note_type, tags, priority, status, \
         pinned, word_count, interaction_at, created_at, updated_at, version) \
         SELECT gen_random_uuid(), c.tenant_id, c.id, 'Note ' || k, \
                'Talked about the renewal, pricing and the hiring plan; follow up ' || k, 'PLAIN', \
                (ARRAY['MEETING','CALL','EMAIL','TASK','FOLLOW_UP','GENERAL'])[1 + k % 6], '[]'::json, 'NORMAL', 'ACTIVE', \
                false, 12, now() - make_interval(hours => k * 24 + (random() * 20)::int), now(), now(), 1 \
         FROM clients c CROSS JOIN generate_series(1, 10) AS k WHERE c.tenant_id = $1")
        .await?;
    run("INSERT INTO client_communications (id, tenant_id, client_id, communication_type, subject, notes, \
         communication_at, participants, is_important, follow_up_required, created_at, updated_at, version) \
         SELECT gen_random_uuid(), c.tenant_id, c.id, (ARRAY['EMAIL','CALL','MEETING','VIDEO','CHAT','OTHER'])[1 + k % 6], \
                'Re: topic ' || k, 'Discussed item ' || k, now() - make_interval(hours => k * 30 + (random() * 20)::int), \
                '[]'::json, k = 1, false, now(), now(), 1 \
         FROM clients c CROSS JOIN generate_series(1, 10) AS k WHERE c.tenant_id = $1")
        .await?;
    println!(
        "{TENANT}: {clients} clients × 5 contacts × 10 notes × 10 communications in {:.1?}",
        started.elapsed()
    );
    seed_jobs_and_feedback(db, tenant.id).await
}

/// Whether `table` holds any row of the tenant (seeding is skipped when it does).
pub async fn tenant_has_rows(db: &Db, table: &str, tenant_id: uuid::Uuid) -> anyhow::Result<bool> {
    let row = db
        .system("benchmark data")
        .conn()
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE tenant_id = $1) AS has"),
            [tenant_id.into()],
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get::<bool>("", "has"))
        .transpose()?
        .unwrap_or(false))
}

/// For the full view: one OPEN job per client with 10 applications, and 2 feedback rows.
async fn seed_jobs_and_feedback(db: &Db, tenant_id: uuid::Uuid) -> anyhow::Result<()> {
    let run = |sql: &'static str| {
        let statement =
            Statement::from_sql_and_values(DbBackend::Postgres, sql, [tenant_id.into()]);
        async move {
            db.system("benchmark data")
                .conn()
                .execute_raw(statement)
                .await
        }
    };
    let has = tenant_has_rows(db, "jobs", tenant_id).await?;
    if has {
        println!("{TENANT}: jobs and feedback already seeded");
        return Ok(());
    }
    let started = Instant::now();
    run("WITH src AS (SELECT c.id AS client_id, gen_random_uuid() AS job_id FROM clients c WHERE c.tenant_id = $1), \
         j AS (INSERT INTO jobs (id, tenant_id, title, employment_type, status, openings, opened_at, created_at, updated_at, version) \
               SELECT job_id, $1, 'Engineer', 'FULL_TIME', 'OPEN', 2, now() - interval '20 days', now(), now(), 1 FROM src) \
         INSERT INTO client_job_assignments (id, tenant_id, client_id, job_id, assigned_at, is_active, created_at, updated_at) \
         SELECT gen_random_uuid(), $1, client_id, job_id, now() - interval '20 days', true, now(), now() FROM src")
        .await?;
    run("INSERT INTO job_applications (id, tenant_id, job_id, candidate_name, stage, quality_score, applied_at, \
         stage_changed_at, created_at, updated_at, version) \
         SELECT gen_random_uuid(), $1, l.job_id, 'Candidate ' || k, \
                (ARRAY['APPLIED','SCREENED','SHORTLISTED','INTERVIEWED','OFFERED','REJECTED'])[1 + k % 6], \
                (k * 37) % 101, now() - make_interval(days => k), now() - make_interval(days => k), now(), now(), 1 \
         FROM client_job_assignments l CROSS JOIN generate_series(1, 10) AS k WHERE l.tenant_id = $1")
        .await?;
    run("INSERT INTO client_feedback (id, tenant_id, client_id, period, feedback_on, responsiveness_rating, \
         communication_rating, requirements_clarity_rating, decision_speed_rating, overall_satisfaction, \
         is_finalized, created_at, updated_at, version) \
         SELECT gen_random_uuid(), $1, c.id, '2026-Q' || (2 + k), (now() - make_interval(days => 30 * k))::date, \
                3 + k, 4, 3, 4, 3 + k, false, now(), now(), 1 \
         FROM clients c CROSS JOIN generate_series(1, 2) AS k WHERE c.tenant_id = $1")
        .await?;
    run("UPDATE clients SET open_jobs_count = 1 WHERE tenant_id = $1").await?;
    db.system("benchmark data")
        .conn()
        .execute_unprepared("ANALYZE")
        .await?;
    println!(
        "{TENANT}: a job with 10 applications and 2 feedback rows per client in {:.1?}",
        started.elapsed()
    );
    Ok(())
}

/// Options of the `nested` run.
pub struct Options {
    pub database_url: String,
    pub concurrency: Vec<usize>,
    pub seconds: u64,
    pub pgbench: Option<PathBuf>,
    pub server: Option<PathBuf>,
    pub db_max_connections: u32,
    /// The full view (jobs, pipeline, feedback summary, health score) instead of the
    /// contacts/notes/communications one.
    pub full: bool,
}

pub async fn run(db: Db, options: Options) -> anyhow::Result<()> {
    let tenant = tenants::by_slug(&db, TENANT)
        .await
        .context("seed first: clientgraph-bench seed-nested")?;
    let admin = user::Entity::find()
        .filter(user::Column::TenantId.eq(tenant.id))
        .one(db.system("benchmark data").conn())
        .await?
        .context("seed first")?;

    let view = if options.full { FULL_VIEW } else { VIEW };
    // 1. The exact statements of one view, as a pgbench script.
    let config = clientgraph::Config::with_database("sqlite::memory:");
    let (schema, auth, meta) = super::list::in_process(&db, &config, tenant.id, admin.id)?;
    let execute = |delay_ms: u64| {
        let request = context::attach(
            async_graphql::Request::new(view),
            &db,
            &meta,
            Some(&auth),
            Duration::from_millis(delay_ms),
        );
        schema.execute(request)
    };
    execute(5).await; // warm the pool
    db.record_statements();
    let response = execute(50).await;
    let statements = db.take_recorded();
    if !response.errors.is_empty() {
        bail!("view failed: {:?}", response.errors);
    }
    let data = response.data.into_json()?;
    let clients = data["clients"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let shape_ok = clients.len() == 50
        && clients.iter().all(|c| {
            c["node"]["contacts"]["edges"].as_array().map(Vec::len) == Some(5)
                && c["node"]["notes"]["edges"].as_array().map(Vec::len) == Some(5)
                && c["node"]["communications"]["edges"]
                    .as_array()
                    .map(Vec::len)
                    == Some(5)
                && (!options.full
                    || (c["node"]["jobs"]["edges"].as_array().map(Vec::len) == Some(1)
                        && c["node"]["feedbackSummary"]["count"] == 2
                        && c["node"]["healthScore"]["score"].is_number()))
        });
    if !shape_ok {
        bail!("unexpected view shape; seed with seed-nested first");
    }
    let dir = tempfile_dir()?;
    let script = dir.join("view.sql");
    let text: String = statements.iter().map(|s| format!("{s};\n")).collect();
    std::fs::write(&script, &text)?;
    println!(
        "view: 50 clients × (5 contacts, 5 newest notes, 5 newest communications{}); {} SQL statements per view (+1 credential check over HTTP)",
        if options.full {
            ", jobs with pipeline, feedback summary, health score"
        } else {
            ""
        },
        statements.len()
    );

    // 2. The real server.
    let server = Server::start(
        options.server,
        &options.database_url,
        options.db_max_connections,
    )
    .await?;
    let (addr, pid) = (server.addr.clone(), server.pid);
    let token = server.token(admin.id, tenant.id)?;
    let mut probe = Connection::open(&addr, &token, view).await?;
    let body: serde_json::Value = serde_json::from_slice(&probe.call().await?)?;
    if body["errors"].is_array() {
        bail!("view over HTTP failed: {body}");
    }
    println!("server: {} (pid {pid})", server.binary.display());

    // 3. Load, then the raw-SQL floor at the same concurrencies.
    let pgbench_binary = pgbench_binary(options.pgbench)?;
    let duration = Duration::from_secs(options.seconds);
    println!(
        "\n{:>5} | {:>22} | {:>22} | {:>9} | {:>21} | {:>12}",
        "conc.",
        "server req/s p50 p99",
        "raw SQL tx/s p50 p99",
        "p50 ratio",
        "CPU ms/req server+PG",
        "PG ms/raw tx"
    );
    for &concurrency in &options.concurrency {
        http_load(&addr, &token, view, concurrency, Duration::from_secs(2)).await?; // warm-up
        let (server_before, db_before) = cpu_seconds(pid);
        let served = http_load(&addr, &token, view, concurrency, duration).await?;
        let (server_after, db_after) = cpu_seconds(pid);
        let requests = served.latencies.len() as f64;
        let (rps, p50, p99) = served.summary();
        let raw = pgbench(
            &pgbench_binary,
            &options.database_url,
            &script,
            concurrency,
            duration,
        )
        .await?;
        let (_, db_raw) = cpu_seconds(pid);
        let transactions = raw.latencies.len() as f64;
        let (tps, raw50, raw99) = raw.summary();
        let per = |seconds: f64, n: f64| seconds * 1000.0 / n.max(1.0);
        println!(
            "{concurrency:>5} | {rps:>7.1} {p50:>6.1} {p99:>6.1} ms | {tps:>7.1} {raw50:>6.1} {raw99:>6.1} ms | {:>8.2}× | {:>9.1} + {:>6.1} ms | {:>9.1} ms",
            p50 / raw50,
            per(server_after - server_before, requests),
            per(db_after - db_before, requests),
            per(db_raw - db_after, transactions),
        );
    }
    let (peak, now) = rss_mb(pid)?;
    println!("\nserver RSS: peak {peak:.1} MB, now {now:.1} MB");
    drop(server);
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}
