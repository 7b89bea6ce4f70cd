//! Recruiting jobs: create, update (optimistic locking) with the status machine, and
//! their candidate pipeline ([`applications`]) and client links ([`links`]).
//!
//! Status transitions: DRAFT → OPEN | CLOSED; OPEN → ON_HOLD | FILLED | CLOSED;
//! ON_HOLD → OPEN | CLOSED; FILLED → OPEN (an opening came back) | CLOSED; CLOSED is
//! final. `opened_at` is the first time the job opened, `filled_at` the last time it
//! filled (set by hand or when hires reach `openings`), `closed_at` when it closed.

pub mod applications;
pub mod links;
pub mod read;

use chrono::Utc;
use entity::{client, job};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};
use serde_json::json;
use uuid::Uuid;

use super::change::{self, FieldChanges, Recorded};
use super::kernel::Patch;
use super::{TenantScope, validate};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::store::Writer;
pub use entity::enums::{EmploymentType, JobStatus};

/// Whether a job may move from `from` to `next`.
pub fn may_become(from: JobStatus, next: JobStatus) -> bool {
    use JobStatus::*;
    matches!(
        (from, next),
        (Draft, Open | Closed)
            | (Open, OnHold | Filled | Closed)
            | (OnHold, Open | Closed)
            | (Filled, Open | Closed)
    )
}

/// What the caller sent for a job (creation: `None` means "not given").
#[derive(Debug, Clone, Default)]
pub struct JobPatch {
    pub title: Option<String>,
    pub department: Patch<String>,
    pub location: Patch<String>,
    pub employment_type: Option<EmploymentType>,
    pub openings: Option<i32>,
    pub status: Option<JobStatus>,
}

/// Applies `patch`; a status change must be an allowed transition and stamps its time.
fn apply(m: &mut job::Model, patch: JobPatch) -> AppResult<()> {
    if let Some(title) = patch.title {
        m.title = validate::text("title", &title, 1, 200)?;
    }
    validate::optional_text(patch.department, &mut m.department, "department", 100)?;
    validate::optional_text(patch.location, &mut m.location, "location", 200)?;
    if let Some(kind) = patch.employment_type {
        m.employment_type = kind;
    }
    if let Some(openings) = patch.openings {
        if !(1..=1000).contains(&openings) {
            return Err(AppError::bad_input(
                "openings",
                "openings must be 1 to 1000",
            ));
        }
        m.openings = openings;
    }
    if let Some(next) = patch.status {
        transition(m, next)?;
    }
    Ok(())
}

/// Moves `m` to `next` (no-op when already there), stamping the status time.
pub(crate) fn transition(m: &mut job::Model, next: JobStatus) -> AppResult<()> {
    let current = m.status;
    if current == next {
        return Ok(());
    }
    if !may_become(current, next) {
        return Err(AppError::Conflict(format!(
            "a {} job cannot become {}",
            current.as_str(),
            next.as_str()
        )));
    }
    let now = Utc::now();
    match next {
        JobStatus::Open => {
            m.opened_at.get_or_insert(now);
            m.filled_at = None;
        }
        JobStatus::Filled => m.filled_at = Some(now),
        JobStatus::Closed => m.closed_at = Some(now),
        JobStatus::Draft | JobStatus::OnHold => {}
    }
    m.status = next;
    Ok(())
}

fn fields(m: &job::Model) -> Vec<(&'static str, serde_json::Value)> {
    vec![
        ("title", json!(m.title)),
        ("department", json!(m.department)),
        ("location", json!(m.location)),
        ("employmentType", json!(m.employment_type)),
        ("openings", json!(m.openings)),
        ("status", json!(m.status)),
    ]
}

impl Recorded for job::Model {
    const ENTITY: &'static str = "job";

    fn record_id(&self) -> Uuid {
        self.id
    }

    fn event_payload(&self) -> serde_json::Value {
        json!({ "id": self.id, "title": self.title, "status": self.status, "version": self.version })
    }
}

/// The job, locked for the rest of the transaction.
pub(crate) async fn locked(t: Writer<'_>, id: Uuid) -> AppResult<job::Model> {
    t.by_id::<job::Entity>(id)
        .lock_exclusive()
        .one(t.conn())
        .await?
        .ok_or(AppError::NotFound("job"))
}

fn is_open(m: &job::Model) -> bool {
    m.status == JobStatus::Open
}

/// Adds `delta` to the client's `open_jobs_count`. Callers hold the job's lock, so the
/// job's status and link cannot change underneath; an increment (not a recount) stays
/// right when two transactions touch one client's jobs at once.
pub(crate) async fn count_open_jobs(t: Writer<'_>, client_id: Uuid, delta: i32) -> AppResult<()> {
    t.update_many::<client::Entity>()
        .col_expr(
            client::Column::OpenJobsCount,
            Expr::col(client::Column::OpenJobsCount).add(delta),
        )
        .filter(client::Column::Id.eq(client_id))
        .exec(t.conn())
        .await?;
    Ok(())
}

/// Saves `next` over `current` (version + 1) and records the change; unchanged → as is.
pub(crate) async fn save(
    t: Writer<'_>,
    current: &job::Model,
    next: job::Model,
) -> AppResult<job::Model> {
    let Some((saved, changes)) = t.update_versioned(current, next, fields).await? else {
        return Ok(current.clone());
    };
    let delta = i32::from(is_open(&saved)) - i32::from(is_open(current));
    if delta != 0
        && let Some(active) = links::active_link(t, current.id).await?
    {
        count_open_jobs(t, active.client_id, delta).await?;
    }
    t.record_of("job.updated", &saved, changes).await?;
    Ok(saved)
}

/// Creates a job (`title` required), DRAFT unless `status: OPEN` is given.
pub async fn create(db: &Db, scope: &TenantScope, patch: JobPatch) -> AppResult<job::Model> {
    if patch.title.is_none() {
        return Err(AppError::bad_input("title", "title is required"));
    }
    db.write(scope, move |t| {
        Box::pin(async move {
            let now = Utc::now();
            let mut model = job::Model {
                id: Uuid::now_v7(),
                tenant_id: t.tenant_id(),
                title: String::new(),
                department: None,
                location: None,
                employment_type: EmploymentType::FullTime,
                status: JobStatus::Draft,
                openings: 1,
                opened_at: None,
                filled_at: None,
                closed_at: None,
                created_by: t.scope().actor().id,
                created_at: now,
                updated_at: now,
                version: 1,
            };
            apply(&mut model, patch)?;
            let changes = FieldChanges::created(fields(&model));
            let active: job::ActiveModel = model.into();
            let created = t.insert(active).await?;
            t.record_of("job.created", &created, changes).await?;
            Ok(created)
        })
    })
    .await
}

/// Changes a job if it is still at `expected_version` (any version when `None`).
pub async fn update(
    db: &Db,
    scope: &TenantScope,
    id: Uuid,
    patch: JobPatch,
    expected_version: Option<i32>,
) -> AppResult<job::Model> {
    db.write(scope, move |t| {
        Box::pin(async move {
            let current = locked(t, id).await?;
            change::expect_version("job", current.version, expected_version)?;
            let mut next = current.clone();
            apply(&mut next, patch)?;
            save(t, &current, next).await
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::JobStatus::*;
    use super::may_become;

    #[test]
    fn the_status_machine_allows_exactly_these_moves() {
        let all = [Draft, Open, OnHold, Filled, Closed];
        let allowed = [
            (Draft, Open),
            (Draft, Closed),
            (Open, OnHold),
            (Open, Filled),
            (Open, Closed),
            (OnHold, Open),
            (OnHold, Closed),
            (Filled, Open),
            (Filled, Closed),
        ];
        for from in all {
            for to in all {
                assert_eq!(
                    may_become(from, to),
                    allowed.contains(&(from, to)),
                    "{from:?} → {to:?}"
                );
            }
        }
    }
}
