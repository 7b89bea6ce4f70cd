//! The recruiting figures of clients, from the jobs currently linked to them: two
//! grouped statements for any number of clients (one over the jobs, one over their
//! applications), so a page of clients costs the same as one client.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::{client_job_assignment as link, job, job_application as application};
use sea_orm::QueryResult;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func};
use uuid::Uuid;

use crate::db::Db;
use crate::error::AppResult;
use crate::service::TenantScope;
use crate::service::jobs::JobStatus;
use crate::service::jobs::applications::ApplicationStage;

/// Applications received within this many days count as recent (activity component).
pub const RECENT_APPLICATION_DAYS: i64 = 30;
/// Hires within this many days count as recent (activity component).
pub const RECENT_HIRE_DAYS: i64 = 90;

/// One client's recruiting figures, over the jobs actively linked to it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobFigures {
    /// Linked jobs that are OPEN.
    pub active_jobs: u64,
    /// Applications to linked jobs, in any stage.
    pub total_candidates: u64,
    /// Applications per stage they are in now.
    pub pipeline: HashMap<ApplicationStage, u64>,
    /// Mean days from `opened_at` to `filled_at` over linked FILLED jobs, one decimal.
    pub avg_time_to_fill_days: Option<f64>,
    /// Mean quality score (0-100) of the applications that have one.
    pub avg_quality_score: Option<f64>,
    /// Applications received in the last [`RECENT_APPLICATION_DAYS`].
    pub recent_applications: u64,
    /// Hires in the last [`RECENT_HIRE_DAYS`].
    pub recent_hires: u64,
}

impl JobFigures {
    /// Applications now in `stage`.
    pub fn in_stage(&self, stage: ApplicationStage) -> u64 {
        self.pipeline.get(&stage).copied().unwrap_or(0)
    }

    /// Applications that reached HIRED.
    pub fn hires(&self) -> u64 {
        self.in_stage(ApplicationStage::Hired)
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The figures of each of `client_ids` as of `now` (clients without linked jobs get
/// zeros).
pub async fn job_figures(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
    now: DateTime<Utc>,
) -> AppResult<HashMap<Uuid, JobFigures>> {
    let t = db.read(scope);
    let mut out: HashMap<Uuid, JobFigures> = client_ids
        .iter()
        .map(|id| (*id, JobFigures::default()))
        .collect();
    if client_ids.is_empty() {
        return Ok(out);
    }
    let linked = || {
        Expr::col((link::Entity, link::Column::IsActive))
            .eq(true)
            .and(
                Expr::col((link::Entity, link::Column::ClientId)).is_in(client_ids.iter().copied()),
            )
    };

    // Jobs: how many are open, and the fill time of the filled ones.
    let jobs = t
        .query::<link::Entity>()
        .join::<job::Entity>(
            Expr::col((job::Entity, job::Column::Id)).equals((link::Entity, link::Column::JobId)),
        )
        .shape(|q| {
            q.column((link::Entity, link::Column::ClientId))
                .column((job::Entity, job::Column::Status))
                .column((job::Entity, job::Column::OpenedAt))
                .column((job::Entity, job::Column::FilledAt))
                .and_where(linked())
                .and_where(
                    Expr::col((job::Entity, job::Column::Status))
                        .is_in([JobStatus::Open.as_str(), JobStatus::Filled.as_str()]),
                );
        });
    let mut fill_days: HashMap<Uuid, (f64, u32)> = HashMap::new();
    for row in t.rows(jobs).await? {
        let client_id: Uuid = row.try_get("", "client_id")?;
        let status: String = row.try_get("", "status")?;
        let figures = out.entry(client_id).or_default();
        if status == JobStatus::Open.as_str() {
            figures.active_jobs += 1;
            continue;
        }
        let opened: Option<DateTime<Utc>> = row.try_get("", "opened_at")?;
        let filled: Option<DateTime<Utc>> = row.try_get("", "filled_at")?;
        if let (Some(opened), Some(filled)) = (opened, filled) {
            let days = Ord::max((filled - opened).num_seconds(), 0) as f64 / 86_400.0;
            let sum = fill_days.entry(client_id).or_default();
            sum.0 += days;
            sum.1 += 1;
        }
    }
    for (client_id, (sum, n)) in fill_days {
        out.entry(client_id).or_default().avg_time_to_fill_days = Some(round1(sum / n as f64));
    }

    // Applications: per stage, with quality and recency in the same pass.
    let since = |days| Expr::val(now - Duration::days(days));
    let recent = |column: application::Column, days| {
        Func::sum(
            Expr::case(Expr::col((application::Entity, column)).gte(since(days)), 1).finally(0),
        )
    };
    let applications = t
        .query::<application::Entity>()
        .join::<link::Entity>(
            Expr::col((link::Entity, link::Column::JobId))
                .equals((application::Entity, application::Column::JobId)),
        )
        .shape(|q| {
            q.column((link::Entity, link::Column::ClientId))
                .column((application::Entity, application::Column::Stage))
                .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
                .expr_as(
                    Expr::col((application::Entity, application::Column::QualityScore)).sum(),
                    Alias::new("quality_sum"),
                )
                .expr_as(
                    Expr::col((application::Entity, application::Column::QualityScore)).count(),
                    Alias::new("quality_n"),
                )
                .expr_as(
                    recent(application::Column::AppliedAt, RECENT_APPLICATION_DAYS),
                    Alias::new("recent"),
                )
                .expr_as(
                    recent(application::Column::HiredAt, RECENT_HIRE_DAYS),
                    Alias::new("recent_hires"),
                )
                .and_where(linked())
                .group_by_col((link::Entity, link::Column::ClientId))
                .group_by_col((application::Entity, application::Column::Stage));
        });
    let mut quality: HashMap<Uuid, (i64, i64)> = HashMap::new();
    for row in t.rows(applications).await? {
        let client_id: Uuid = row.try_get("", "client_id")?;
        let stage: String = row.try_get("", "stage")?;
        let n = int(&row, "n")?;
        let figures = out.entry(client_id).or_default();
        figures.total_candidates += n;
        if let Some(stage) = ApplicationStage::parse(&stage) {
            *figures.pipeline.entry(stage).or_default() += n;
        }
        figures.recent_applications += int(&row, "recent")?;
        figures.recent_hires += int(&row, "recent_hires")?;
        let q = quality.entry(client_id).or_default();
        q.0 += int(&row, "quality_sum")? as i64;
        q.1 += int(&row, "quality_n")? as i64;
    }
    for (client_id, (sum, n)) in quality {
        if n > 0 {
            out.entry(client_id).or_default().avg_quality_score =
                Some(round1(sum as f64 / n as f64));
        }
    }
    Ok(out)
}

/// A count or sum column as read back: `NULL` (a sum of nothing) is zero. (The summed
/// columns are 32-bit, so PostgreSQL returns BIGINT, not NUMERIC.)
fn int(row: &QueryResult, column: &str) -> AppResult<u64> {
    let value: Option<i64> = row.try_get("", column)?;
    Ok(Ord::max(value.unwrap_or(0), 0) as u64)
}
