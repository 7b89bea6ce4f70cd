//! The client list benchmark: `seed` generates a `bench` tenant with N clients plus noise
//! tenants straight in SQL; `run` executes the three list queries through the real schema
//! in-process and prints p50/p95/p99 and each statement's plan.

use std::sync::Arc;
use std::time::{Duration, Instant};

use clientgraph::auth::throttle::{LoginThrottle, ThrottlePolicy};
use clientgraph::auth::{AuthContext, JwtKeys, Principal, Role};
use clientgraph::config::Environment;
use clientgraph::crypto::FieldCipher;
use clientgraph::db::Db;
use clientgraph::graphql::{
    DownloadLinks, RequestContext, SchemaSettings, Services, build_schema, context,
};
use clientgraph::service::TenantScope;
use clientgraph::service::clients::read::{self, ClientQuery, Window};
use clientgraph::service::clients::{ClientStatus, ClientTier};
use clientgraph::service::sessions::Sessions;
use clientgraph::service::tenants::{self, FirstAdmin};
use entity::{client, user};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Statement,
};
use serde_json::json;

pub(super) const INDUSTRIES: [&str; 10] = [
    "Logistics",
    "Foods",
    "Health",
    "Capital",
    "Energy",
    "Labs",
    "Retail",
    "Media",
    "Consulting",
    "Software",
];

pub(super) fn case(expr: &str, values: &[&str]) -> String {
    let arms: String = values
        .iter()
        .enumerate()
        .map(|(i, v)| format!(" WHEN {i} THEN '{v}'"))
        .collect();
    format!("CASE {expr} % {}{arms} END", values.len())
}

pub(super) fn insert_sql(backend: DbBackend) -> String {
    let industry = case("n", &INDUSTRIES);
    let status = case(
        "n",
        &[
            "ACTIVE", "ACTIVE", "ACTIVE", "ON_HOLD", "INACTIVE", "ARCHIVED",
        ],
    );
    let stage = case("n", &["PROSPECT", "LEAD", "CUSTOMER", "AT_RISK", "CHURNED"]);
    let tier = case(
        "n",
        &["SMALL_BUSINESS", "MID_MARKET", "ENTERPRISE", "STRATEGIC"],
    );
    let region = case("n", &["north", "south", "east", "west"]);
    let columns = "id, tenant_id, client_code, name, name_normalized, industry, status, stage, tier, tags, \
                   custom_fields, employee_count, outstanding_balance_cents, currency, search_text, created_at, updated_at, version";
    match backend {
        DbBackend::Postgres => format!(
            "INSERT INTO clients ({columns}) \
             SELECT gen_random_uuid(), $1, code, name, lower(name), industry, {status}, {stage}, {tier}, \
                    CASE WHEN n % 10 = 0 THEN '[\"vip\"]' ELSE '[]' END::json, \
                    json_build_object('region', {region}), (n % 5000)::int, (n % 100000) * 100, 'EUR', \
                    lower(name || ' ' || code || ' ' || industry), ts, ts, 1 \
             FROM (SELECT n, 'CLT-2026-' || lpad(n::text, 7, '0') AS code, \
                          initcap(substr(md5(n::text), 1, 8)) || ' ' || {industry} || ' ' || n AS name, \
                          {industry} AS industry, now() - make_interval(secs => n) AS ts \
                   FROM generate_series($2::bigint, $3::bigint) AS n) AS g"
        ),
        _ => format!(
            "WITH RECURSIVE seq(n) AS (SELECT ? UNION ALL SELECT n + 1 FROM seq WHERE n < ?), \
             g AS (SELECT n, 'CLT-2026-' || printf('%07d', n) AS code, \
                          lower(hex(randomblob(4))) || ' ' || lower({industry}) || ' ' || n AS name, \
                          {industry} AS industry, \
                          strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now', '-' || n || ' seconds') AS ts FROM seq) \
             INSERT INTO clients ({columns}) \
             SELECT randomblob(16), ?, code, name, name, industry, {status}, {stage}, {tier}, \
                    CASE WHEN n % 10 = 0 THEN '[\"vip\"]' ELSE '[]' END, \
                    '{{\"region\":\"' || {region} || '\"}}', n % 5000, (n % 100000) * 100, 'EUR', \
                    lower(name || ' ' || code || ' ' || industry), ts, ts, 1 FROM g"
        ),
    }
}

pub(crate) async fn seed_tenant(db: &Db, slug: &str, count: i64) -> anyhow::Result<()> {
    let tenant = match tenants::by_slug(db, slug).await {
        Ok(t) => t,
        Err(_) => {
            let admin = FirstAdmin {
                email: format!("admin@{slug}.bench"),
                full_name: "Bench Admin".into(),
                password: "bench-password-123".into(),
            };
            tenants::create_with_admin(db, slug, &format!("{slug} (benchmark)"), admin)
                .await?
                .0
        }
    };
    let existing = client::Entity::find()
        .filter(client::Column::TenantId.eq(tenant.id))
        .count(db.system("benchmark data").conn())
        .await?;
    if existing >= count as u64 {
        println!("{slug}: {existing} clients already");
        return Ok(());
    }
    let backend = db.system("benchmark data").conn().get_database_backend();
    let started = Instant::now();
    const BATCH: i64 = 100_000;
    let mut from = existing as i64 + 1;
    while from <= count {
        let to = (from + BATCH - 1).min(count);
        let values: Vec<sea_orm::Value> = match backend {
            DbBackend::Postgres => vec![tenant.id.into(), from.into(), to.into()],
            _ => vec![from.into(), to.into(), tenant.id.into()],
        };
        db.system("benchmark data")
            .conn()
            .execute_raw(Statement::from_sql_and_values(
                backend,
                insert_sql(backend),
                values,
            ))
            .await?;
        from = to + 1;
    }
    let tags = "INSERT INTO client_tags (tenant_id, client_id, tag) SELECT tenant_id, id, 'vip' FROM clients \
                WHERE tenant_id = $1 AND CAST(tags AS TEXT) = '[\"vip\"]' ON CONFLICT DO NOTHING";
    let tags = if backend == DbBackend::Postgres {
        tags.to_owned()
    } else {
        tags.replace("$1", "?")
    };
    db.system("benchmark data")
        .conn()
        .execute_raw(Statement::from_sql_and_values(
            backend,
            tags,
            [tenant.id.into()],
        ))
        .await?;
    let counter = "INSERT INTO client_code_counters (tenant_id, year, last_value) VALUES ($1, 2026, $2) \
                   ON CONFLICT (tenant_id, year) DO UPDATE SET last_value = excluded.last_value";
    let counter = if backend == DbBackend::Postgres {
        counter.to_owned()
    } else {
        counter.replace("$1", "?").replace("$2", "?")
    };
    db.system("benchmark data")
        .conn()
        .execute_raw(Statement::from_sql_and_values(
            backend,
            counter,
            [tenant.id.into(), count.into()],
        ))
        .await?;
    println!("{slug}: {count} clients in {:.1?}", started.elapsed());
    Ok(())
}

/// The real GraphQL schema over `db`, and an admin's request context, for running
/// queries in-process (no HTTP).
pub(crate) fn in_process(
    db: &Db,
    config: &clientgraph::Config,
    tenant_id: uuid::Uuid,
    user_id: uuid::Uuid,
) -> anyhow::Result<(clientgraph::graphql::AppSchema, AuthContext, RequestContext)> {
    let jwt = JwtKeys::new(
        b"bench-secret-bench-secret-bench-secret",
        "clientgraph",
        "clientgraph-api",
        chrono::Duration::minutes(15),
    );
    let sessions = Arc::new(Sessions::new(
        jwt,
        chrono::Duration::days(1),
        LoginThrottle::new(ThrottlePolicy::default()),
    ));
    let cipher = FieldCipher::from_config(None, Environment::Development)?;
    let links = DownloadLinks {
        signer: clientgraph::auth::signed::UrlSigner::new(b"bench"),
        ttl: chrono::Duration::minutes(5),
    };
    let services = Services {
        db: db.clone(),
        sessions,
        cipher,
        links,
        files: clientgraph::service::documents::FileSettings {
            storage: clientgraph::storage::from_config(&config.files)?,
            max_file_bytes: config.upload_max_file_bytes,
            logo_max_bytes: config.logo_max_bytes,
        },
        bus: Default::default(),
    };
    let schema = build_schema(&SchemaSettings::from(config), true, &services);
    let auth = AuthContext {
        tenant_id,
        principal: Principal::User {
            user_id,
            session_id: uuid::Uuid::nil(),
            jti: uuid::Uuid::nil(),
            expires_at: chrono::Utc::now(),
        },
        role: Role::Admin,
    };
    let meta = RequestContext {
        request_id: "bench".into(),
        ip: None,
        user_agent: None,
    };
    Ok((schema, auth, meta))
}

/// Builds the GraphQL query (and its service-level equivalent, for EXPLAIN) of iteration `i`.
pub(super) type Scenario<'a> = Box<dyn Fn(usize) -> (String, ClientQuery, Window) + 'a>;

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

pub(super) async fn explain(db: &Db, statement: Statement) -> anyhow::Result<String> {
    let backend = db.system("benchmark data").conn().get_database_backend();
    let prefix = if backend == DbBackend::Postgres {
        "EXPLAIN (ANALYZE, BUFFERS) "
    } else {
        "EXPLAIN QUERY PLAN "
    };
    let explained = Statement::from_sql_and_values(
        backend,
        format!("{prefix}{}", statement.sql),
        statement.values.map(|v| v.0).unwrap_or_default(),
    );
    let rows = db
        .system("benchmark data")
        .conn()
        .query_all_raw(explained)
        .await?;
    let mut lines = Vec::new();
    for row in rows {
        let line: String = match backend {
            DbBackend::Postgres => row.try_get_by_index(0)?,
            _ => row.try_get_by_index(3)?,
        };
        lines.push(format!("    {line}"));
    }
    Ok(lines.join("\n"))
}

pub(super) async fn run(db: Db, iterations: usize) -> anyhow::Result<()> {
    let tenant = tenants::by_slug(&db, "bench").await?;
    let admin = user::Entity::find()
        .filter(user::Column::TenantId.eq(tenant.id))
        .one(db.system("benchmark data").conn())
        .await?
        .ok_or_else(|| anyhow::anyhow!("seed first"))?;
    let total = client::Entity::find()
        .filter(client::Column::TenantId.eq(tenant.id))
        .count(db.system("benchmark data").conn())
        .await?;
    let config = clientgraph::Config::with_database("sqlite::memory:");
    let (schema, auth, meta) = in_process(&db, &config, tenant.id, admin.id)?;
    let scope = TenantScope::for_request(&auth, &meta);

    // Random samples (search fragments and deep cursors), fetched once.
    // random() exists on both databases.
    let order = "random()";
    let sample: Vec<client::Model> = client::Entity::find()
        .filter(client::Column::TenantId.eq(tenant.id))
        .order_by(sea_orm::sea_query::Expr::cust(order), sea_orm::Order::Asc)
        .limit(iterations as u64)
        .all(db.system("benchmark data").conn())
        .await?;
    let fragments: Vec<String> = sample
        .iter()
        .map(|c| {
            c.name_normalized
                .chars()
                .take(7)
                .collect::<String>()
                .to_uppercase()
        })
        .collect();
    let cursors: Vec<String> = sample.iter().map(|c| read::cursor_of(&[], c)).collect();
    println!(
        "bench tenant: {total} clients ({}), {iterations} iterations per query",
        db.backend_name()
    );

    let filtered = read::ClientFilter {
        status_in: vec![ClientStatus::Active],
        tier_in: vec![ClientTier::Enterprise],
        tags_any: vec!["vip".into()],
        ..Default::default()
    };
    let scenarios: Vec<(&str, Scenario)> = vec![
        (
            "partial-name search (first 20)",
            Box::new(|i| {
                let q = format!(
                    "{{ clients(first: 20, search: {}) {{ edges {{ node {{ id name clientCode status }} }} }} }}",
                    json!(fragments[i])
                );
                (
                    q,
                    ClientQuery {
                        search: Some(fragments[i].clone()),
                        ..Default::default()
                    },
                    Window {
                        first: Some(20),
                        ..Default::default()
                    },
                )
            }),
        ),
        (
            "filtered page: ACTIVE + ENTERPRISE + tag vip (first 20 by name)",
            Box::new(|_| {
                let q = "{ clients(first: 20, filter: {status: [ACTIVE], tier: [ENTERPRISE], tags: {any: [\"vip\"]}}) { edges { node { id name tier } } } }".to_owned();
                (
                    q,
                    ClientQuery {
                        filter: filtered.clone(),
                        ..Default::default()
                    },
                    Window {
                        first: Some(20),
                        ..Default::default()
                    },
                )
            }),
        ),
        (
            "deep keyset page (20 after a random row, by name)",
            Box::new(|i| {
                let q = format!(
                    "{{ clients(first: 20, after: {}) {{ edges {{ node {{ id name }} }} pageInfo {{ hasNextPage }} }} }}",
                    json!(cursors[i])
                );
                (
                    q,
                    ClientQuery::default(),
                    Window {
                        first: Some(20),
                        after: Some(cursors[i].clone()),
                        ..Default::default()
                    },
                )
            }),
        ),
    ];
    for (name, make) in &scenarios {
        let mut times = Vec::with_capacity(iterations);
        for i in 0..iterations {
            let (query, _, _) = make(i % fragments.len().max(1));
            let request = context::attach(
                async_graphql::Request::new(query),
                &db,
                &meta,
                Some(&auth),
                Duration::from_millis(config.dataloader_delay_ms),
            );
            let started = Instant::now();
            let response = schema.execute(request).await;
            times.push(started.elapsed());
            if !response.errors.is_empty() {
                anyhow::bail!("{name}: {:?}", response.errors);
            }
        }
        times.sort();
        println!(
            "\n{name}\n  p50 {:.2} ms   p95 {:.2} ms   p99 {:.2} ms   max {:.2} ms",
            percentile(&times, 0.5),
            percentile(&times, 0.95),
            percentile(&times, 0.99),
            percentile(&times, 1.0)
        );
        let (_, query, window) = make(0);
        let prepared = read::prepare_list(&db, &scope, &query, &window)?;
        let statement = prepared
            .select
            .build(db.system("benchmark data").conn().get_database_backend());
        println!("  plan:\n{}", explain(&db, statement).await?);
    }
    Ok(())
}
