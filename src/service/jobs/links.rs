//! Linking jobs to clients. A job has at most one active client: the job row is locked
//! while linking (so concurrent links of one job serialise) and a partial unique index
//! refuses a second active link even so. Unlinking keeps the row, with who and when;
//! linking the same pair again reactivates it.

use chrono::Utc;
use entity::client_job_assignment as link;
use sea_orm::{ColumnTrait, QueryFilter, Set};
use serde_json::json;
use uuid::Uuid;

use super::{count_open_jobs, is_open, locked as locked_job};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::TenantScope;
use crate::service::change::{FieldChanges, Recorded};
use crate::service::kernel::live_client;
use crate::service::store::Writer;

/// Most jobs one `bulkLinkJobs` links.
pub const MAX_BULK_LINKS: usize = 50;

/// A link's change is recorded on its job: the job's client changed.
impl Recorded for link::Model {
    const ENTITY: &'static str = "job";

    fn record_id(&self) -> Uuid {
        self.job_id
    }

    fn event_payload(&self) -> serde_json::Value {
        json!({ "jobId": self.job_id, "clientId": self.client_id, "assignmentId": self.id })
    }
}

/// `clientId` from nothing to the client (linked) or back (unlinked).
fn client_change(m: &link::Model) -> FieldChanges {
    FieldChanges::new().set(
        "clientId",
        (!m.is_active).then_some(m.client_id),
        m.is_active.then_some(m.client_id),
    )
}

/// The job's active link, if any.
pub(crate) async fn active_link(t: Writer<'_>, job_id: Uuid) -> AppResult<Option<link::Model>> {
    Ok(t.select::<link::Entity>()
        .filter(link::Column::JobId.eq(job_id))
        .filter(link::Column::IsActive.eq(true))
        .one(t.conn())
        .await?)
}

async fn link_in(t: Writer<'_>, client_id: Uuid, job_id: Uuid) -> AppResult<link::Model> {
    live_client(t, client_id).await?;
    let job = locked_job(t, job_id).await?;
    if let Some(active) = active_link(t, job_id).await? {
        if active.client_id == client_id {
            return Ok(active);
        }
        return Err(AppError::Conflict(
            "the job is linked to another client; unlink it there first".into(),
        ));
    }
    let now = Utc::now();
    let previous = t
        .select::<link::Entity>()
        .filter(link::Column::ClientId.eq(client_id))
        .filter(link::Column::JobId.eq(job_id))
        .one(t.conn())
        .await?;
    let linked = match previous {
        Some(row) => {
            let mut active: link::ActiveModel = row.into();
            active.is_active = Set(true);
            active.assigned_by = Set(t.scope().actor().id);
            active.assigned_at = Set(now);
            active.unassigned_at = Set(None);
            active.unassigned_by = Set(None);
            active.updated_at = Set(now);
            t.update(active).await?
        }
        None => {
            t.insert(link::ActiveModel {
                id: Set(Uuid::now_v7()),
                client_id: Set(client_id),
                job_id: Set(job_id),
                assigned_by: Set(t.scope().actor().id),
                assigned_at: Set(now),
                unassigned_at: Set(None),
                unassigned_by: Set(None),
                is_active: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .await?
        }
    };
    if is_open(&job) {
        count_open_jobs(t, client_id, 1).await?;
    }
    t.record_of("job.linked", &linked, client_change(&linked))
        .await?;
    Ok(linked)
}

/// Links a job to a client (idempotent for the same client; CONFLICT while the job is
/// linked to another).
pub async fn link(
    db: &Db,
    scope: &TenantScope,
    client_id: Uuid,
    job_id: Uuid,
) -> AppResult<link::Model> {
    db.write(scope, move |t| {
        Box::pin(async move { link_in(t, client_id, job_id).await })
    })
    .await
}

/// Links several jobs to a client, all or nothing.
pub async fn bulk_link(
    db: &Db,
    scope: &TenantScope,
    client_id: Uuid,
    job_ids: Vec<Uuid>,
) -> AppResult<Vec<link::Model>> {
    if job_ids.is_empty() || job_ids.len() > MAX_BULK_LINKS {
        return Err(AppError::bad_input(
            "jobIds",
            format!("give 1 to {MAX_BULK_LINKS} jobs"),
        ));
    }
    db.write(scope, move |t| {
        Box::pin(async move {
            let mut links = Vec::with_capacity(job_ids.len());
            for (i, job_id) in job_ids.into_iter().enumerate() {
                let linked = link_in(t, client_id, job_id).await.map_err(|e| match e {
                    AppError::Conflict(message) | AppError::Duplicate { message, .. } => {
                        AppError::Conflict(format!("jobIds[{i}]: {message}"))
                    }
                    other => other,
                })?;
                links.push(linked);
            }
            Ok(links)
        })
    })
    .await
}

/// Ends the client's active link to the job, keeping it as history.
pub async fn unlink(
    db: &Db,
    scope: &TenantScope,
    client_id: Uuid,
    job_id: Uuid,
) -> AppResult<link::Model> {
    db.write(scope, move |t| {
        Box::pin(async move {
            let job = locked_job(t, job_id).await?;
            let active = active_link(t, job_id)
                .await?
                .filter(|l| l.client_id == client_id)
                .ok_or(AppError::NotFound("job link"))?;
            let now = Utc::now();
            let mut row: link::ActiveModel = active.into();
            row.is_active = Set(false);
            row.unassigned_at = Set(Some(now));
            row.unassigned_by = Set(t.scope().actor().id);
            row.updated_at = Set(now);
            let unlinked = t.update(row).await?;
            if is_open(&job) {
                count_open_jobs(t, client_id, -1).await?;
            }
            t.record_of("job.unlinked", &unlinked, client_change(&unlinked))
                .await?;
            Ok(unlinked)
        })
    })
    .await
}
