//! Daily analytics: one `client_analytics` row per live client per day, with the
//! client's figures at the time of the run, and the client's health-score snapshot (used
//! to order clients by health).
//!
//! A run is an upsert on the unique (tenant_id, client_id, date): running it twice, or on several
//! server instances at once, leaves exactly one row per client per day holding the
//! latest figures. Clients are taken 500 at a time in id order (the same lock order on
//! every instance), each batch in one transaction.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use entity::{client, client_analytics as analytics, tenant};
use sea_orm::sea_query::{CaseStatement, Expr, OnConflict};
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use uuid::Uuid;

use super::health::{self, Health};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::TenantScope;
use crate::service::jobs::applications::ApplicationStage;

/// Clients per batch (and per transaction) of a run.
const BATCH: u64 = 500;
/// Longest series `Client.analytics` returns, in days.
pub const MAX_SERIES_DAYS: i64 = 366;
/// The series `Client.analytics` returns without bounds: the last 30 days.
pub const DEFAULT_SERIES_DAYS: i64 = 30;

/// What a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunReport {
    pub date: NaiveDate,
    pub tenants: usize,
    pub clients: usize,
}

/// Upserts the `date` row of every live client of every tenant.
pub async fn run(db: &Db, date: NaiveDate) -> AppResult<RunReport> {
    let sys = db.system("daily analytics of every tenant");
    let tenants = sys
        .find::<tenant::Entity>()
        .order_by_asc(tenant::Column::Id)
        .all(sys.conn())
        .await?;
    let mut report = RunReport {
        date,
        tenants: tenants.len(),
        clients: 0,
    };
    for t in tenants {
        report.clients += run_tenant(db, &sys.scope(t.id), date).await?;
    }
    Ok(report)
}

/// Upserts the `date` row of every live client of one tenant; returns how many.
pub async fn run_tenant(db: &Db, scope: &TenantScope, date: NaiveDate) -> AppResult<usize> {
    let t = db.read(scope);
    let mut done = 0;
    let mut after: Option<Uuid> = None;
    loop {
        let mut select = t
            .select::<client::Entity>()
            .filter(client::Column::DeletedAt.is_null())
            .order_by_asc(client::Column::Id)
            .limit(BATCH);
        if let Some(last) = after {
            select = select.filter(client::Column::Id.gt(last));
        }
        let clients = select.all(t.conn()).await?;
        let Some(last) = clients.last() else {
            return Ok(done);
        };
        after = Some(last.id);
        done += clients.len();
        upsert_batch(db, scope, date, clients).await?;
    }
}

async fn upsert_batch(
    db: &Db,
    scope: &TenantScope,
    date: NaiveDate,
    clients: Vec<client::Model>,
) -> AppResult<()> {
    let now = Utc::now();
    let inputs = health::inputs(db, scope, &clients, now).await?;
    let mut rows = Vec::with_capacity(clients.len());
    let mut scores: HashMap<Uuid, i32> = HashMap::new();
    for c in &clients {
        let Some(input) = inputs.get(&c.id) else {
            continue;
        };
        let health = Health::from(health::components(input, now));
        scores.insert(c.id, health.score);
        let jobs = &input.jobs;
        let n = |stage| jobs.in_stage(stage) as i32;
        rows.push(analytics::ActiveModel {
            id: Set(Uuid::now_v7()),
            client_id: Set(c.id),
            date: Set(date),
            active_jobs_count: Set(jobs.active_jobs as i32),
            total_candidates_count: Set(jobs.total_candidates as i32),
            screened_count: Set(n(ApplicationStage::Screened)),
            shortlisted_count: Set(n(ApplicationStage::Shortlisted)),
            interviewed_count: Set(n(ApplicationStage::Interviewed)),
            hired_count: Set(n(ApplicationStage::Hired)),
            avg_time_to_fill_days: Set(jobs.avg_time_to_fill_days),
            avg_candidate_quality_score: Set(jobs.avg_quality_score),
            revenue_generated: Set(c.total_revenue_cents),
            health_score: Set(health.score as i16),
            computed_at: Set(now),
            ..Default::default()
        });
    }
    if rows.is_empty() {
        return Ok(());
    }
    db.write(scope, move |t| {
        Box::pin(async move {
            use analytics::Column as A;
            t.upsert_many(
                rows,
                OnConflict::columns([A::TenantId, A::ClientId, A::Date])
                    .update_columns([
                        A::ActiveJobsCount,
                        A::TotalCandidatesCount,
                        A::ScreenedCount,
                        A::ShortlistedCount,
                        A::InterviewedCount,
                        A::HiredCount,
                        A::AvgTimeToFillDays,
                        A::AvgCandidateQualityScore,
                        A::RevenueGenerated,
                        A::HealthScore,
                        A::ComputedAt,
                    ])
                    .to_owned(),
            )
            .await?;
            // The ordering snapshot: one statement for the whole batch.
            let mut case = CaseStatement::new();
            for (id, score) in &scores {
                case = case.case(client::Column::Id.eq(*id), Expr::val(*score as i16));
            }
            t.update_many::<client::Entity>()
                .col_expr(client::Column::HealthScore, case.into())
                .col_expr(client::Column::HealthScoredAt, Expr::val(now))
                .filter(client::Column::Id.is_in(scores.keys().copied()))
                .exec(t.conn())
                .await?;
            Ok(())
        })
    })
    .await
}

/// The daily rows of each of `client_ids` from `from` to `to` (inclusive), oldest first.
/// Without bounds: the last [`DEFAULT_SERIES_DAYS`] days; at most [`MAX_SERIES_DAYS`].
pub async fn series(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> AppResult<HashMap<Uuid, Vec<analytics::Model>>> {
    let t = db.read(scope);
    let (from, to) = series_range(from, to, Utc::now().date_naive())?;
    let rows = t
        .select::<analytics::Entity>()
        .filter(analytics::Column::ClientId.is_in(client_ids.iter().copied()))
        .filter(analytics::Column::Date.between(from, to))
        .order_by_asc(analytics::Column::Date)
        .all(t.conn())
        .await?;
    let mut out: HashMap<Uuid, Vec<analytics::Model>> = HashMap::new();
    for row in rows {
        out.entry(row.client_id).or_default().push(row);
    }
    Ok(out)
}

/// The days a series covers: `to` defaults to today, `from` to 30 days before `to`.
pub fn series_range(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> AppResult<(NaiveDate, NaiveDate)> {
    let to = to.unwrap_or(today);
    let from = from.unwrap_or(to - chrono::Duration::days(DEFAULT_SERIES_DAYS - 1));
    if from > to {
        return Err(AppError::bad_input("from", "`from` must not be after `to`"));
    }
    if (to - from).num_days() >= MAX_SERIES_DAYS {
        return Err(AppError::bad_input(
            "from",
            format!("a series covers at most {MAX_SERIES_DAYS} days"),
        ));
    }
    Ok((from, to))
}

/// Runs the analytics for the current UTC day now and then every `interval`, for as long
/// as the returned task lives. Failures are logged and retried at the next tick.
pub fn spawn_daily(db: Db, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let date = Utc::now().date_naive();
            match run(&db, date).await {
                Ok(report) => tracing::info!(
                    %date,
                    tenants = report.tenants,
                    clients = report.clients,
                    "daily analytics updated"
                ),
                Err(err) => tracing::warn!(%date, error = %err, "daily analytics failed"),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_series_defaults_to_the_last_thirty_days() {
        let today = day("2026-11-22");
        assert_eq!(
            series_range(None, None, today).unwrap(),
            (day("2026-10-24"), today)
        );
        assert_eq!(
            series_range(None, Some(day("2026-01-31")), today).unwrap(),
            (day("2026-01-02"), day("2026-01-31"))
        );
    }

    #[test]
    fn a_series_is_ordered_and_bounded() {
        let today = day("2026-11-22");
        assert!(series_range(Some(day("2026-11-23")), Some(today), today).is_err());
        // 366 days inclusive is the most.
        assert!(series_range(Some(day("2025-11-21")), Some(today), today).is_err());
        assert!(series_range(Some(day("2025-11-22")), Some(today), today).is_ok());
    }
}
