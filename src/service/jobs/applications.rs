//! The candidate pipeline: applications to a job move between stages. Each move stamps
//! `stage_changed_at`; HIRED stamps `hired_at` (cleared if the candidate moves back),
//! and the hire that reaches the job's `openings` marks an OPEN job FILLED.

use chrono::Utc;
use entity::{job, job_application as application};
use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter, QuerySelect, Set};
use serde_json::json;
use uuid::Uuid;

use super::{JobStatus, locked as locked_job, save as save_job, transition};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::change::{FieldChanges, Recorded};
use crate::service::store::Writer;
use crate::service::{TenantScope, validate};
pub use entity::enums::ApplicationStage;

/// A new application.
#[derive(Debug, Clone, Default)]
pub struct NewApplication {
    pub candidate_name: String,
    pub candidate_email: Option<String>,
    /// 0-100.
    pub quality_score: Option<i32>,
}

impl Recorded for application::Model {
    const ENTITY: &'static str = "application";

    fn record_id(&self) -> Uuid {
        self.id
    }

    fn event_payload(&self) -> serde_json::Value {
        json!({ "id": self.id, "jobId": self.job_id, "stage": self.stage, "version": self.version })
    }
}

/// Adds a candidate to a job that still recruits (not FILLED or CLOSED).
pub async fn add(
    db: &Db,
    scope: &TenantScope,
    job_id: Uuid,
    input: NewApplication,
) -> AppResult<application::Model> {
    let name = validate::text("candidateName", &input.candidate_name, 1, 200)?;
    let email = input
        .candidate_email
        .filter(|e| !e.trim().is_empty())
        .map(|e| validate::email("candidateEmail", &e))
        .transpose()?;
    if let Some(score) = input.quality_score
        && !(0..=100).contains(&score)
    {
        return Err(AppError::bad_input(
            "qualityScore",
            "qualityScore must be 0 to 100",
        ));
    }
    db.write(scope, move |t| {
        Box::pin(async move {
            let job = locked_job(t, job_id).await?;
            if matches!(job.status, JobStatus::Filled | JobStatus::Closed) {
                return Err(AppError::Conflict(format!(
                    "a {} job takes no more applications",
                    job.status.as_str()
                )));
            }
            let now = Utc::now();
            let created = t
                .insert(application::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    job_id: Set(job_id),
                    candidate_name: Set(name),
                    candidate_email: Set(email),
                    stage: Set(ApplicationStage::Applied),
                    quality_score: Set(input.quality_score),
                    applied_at: Set(now),
                    stage_changed_at: Set(now),
                    hired_at: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                    version: Set(1),
                    ..Default::default()
                })
                .await?;
            let changes = FieldChanges::new()
                .initial("candidateName", &created.candidate_name)
                .initial("stage", created.stage);
            t.record_of("application.added", &created, changes).await?;
            Ok(created)
        })
    })
    .await
}

/// How many of the job's applications are HIRED.
async fn hires(t: Writer<'_>, job_id: Uuid) -> AppResult<u64> {
    Ok(t.select::<application::Entity>()
        .filter(application::Column::JobId.eq(job_id))
        .filter(application::Column::Stage.eq(ApplicationStage::Hired.as_str()))
        .count(t.conn())
        .await?)
}

/// Moves an application to `stage` (a no-op when it is there already).
pub async fn move_to(
    db: &Db,
    scope: &TenantScope,
    id: Uuid,
    stage: ApplicationStage,
) -> AppResult<application::Model> {
    db.write(scope, move |t| {
        Box::pin(async move {
            let peek = t
                .by_id::<application::Entity>(id)
                .one(t.conn())
                .await?
                .ok_or(AppError::NotFound("application"))?;
            // Job first, then application: the same lock order as `add`.
            let job: job::Model = locked_job(t, peek.job_id).await?;
            let current = t
                .by_id::<application::Entity>(id)
                .lock_exclusive()
                .one(t.conn())
                .await?
                .ok_or(AppError::NotFound("application"))?;
            if current.stage == stage {
                return Ok(current);
            }
            // A job with all its openings filled takes no further hire (reopen it, or
            // raise `openings`, first).
            if stage == ApplicationStage::Hired && hires(t, job.id).await? >= job.openings as u64 {
                return Err(AppError::Conflict(format!(
                    "the job has {} opening(s), all filled; reopen it or raise `openings` \
                     before hiring again",
                    job.openings
                )));
            }
            let now = Utc::now();
            let mut row: application::ActiveModel = current.clone().into();
            row.stage = Set(stage);
            row.stage_changed_at = Set(now);
            row.hired_at = Set((stage == ApplicationStage::Hired).then_some(now));
            row.version = Set(current.version + 1);
            row.updated_at = Set(now);
            let moved = t.update(row).await?;
            let changes = FieldChanges::new().set("stage", current.stage, moved.stage);
            t.record_of("application.moved", &moved, changes).await?;
            if stage == ApplicationStage::Hired
                && job.status == JobStatus::Open
                && hires(t, job.id).await? >= job.openings as u64
            {
                let mut filled = job.clone();
                transition(&mut filled, JobStatus::Filled)?;
                save_job(t, &job, filled).await?;
            }
            Ok(moved)
        })
    })
    .await
}
