//! Reading jobs: by id and in lists, their pipeline counts and active client (batched
//! per job), and a client's jobs through its links (one page per client in one
//! statement, see [`nested`]).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{client_job_assignment as link, job, job_application as application};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Order, Query, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::JobStatus;
use super::applications::ApplicationStage;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::TenantScope;
use crate::service::nested::{self, ChildPage, NestedPage};
use crate::service::search::like_pattern;
use crate::service::store::PerParent;

/// Narrows a job list; every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct JobFilter {
    pub statuses: Vec<JobStatus>,
    /// Jobs actively linked to this client.
    pub client_id: Option<Uuid>,
    /// Case-insensitive part of the title.
    pub search: Option<String>,
}

fn job_col(c: job::Column) -> SimpleExpr {
    Expr::col((job::Entity, c))
}

fn job_conditions(f: &JobFilter) -> Condition {
    let mut all = Condition::all();
    if !f.statuses.is_empty() {
        all = all.add(job_col(job::Column::Status).is_in(f.statuses.iter().map(|s| s.as_str())));
    }
    if let Some(term) = f.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        all = all.add(
            Func::lower(job_col(job::Column::Title))
                .like(LikeExpr::new(like_pattern(&term.to_lowercase())).escape('\\')),
        );
    }
    if let Some(client_id) = f.client_id {
        all = all.add(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(link::Entity)
                .and_where(
                    Expr::col((link::Entity, link::Column::JobId))
                        .equals((job::Entity, job::Column::Id)),
                )
                .and_where(Expr::col((link::Entity, link::Column::ClientId)).eq(client_id))
                .and_where(Expr::col((link::Entity, link::Column::IsActive)).eq(true))
                .to_owned(),
        ));
    }
    all
}

/// A job of the tenant.
pub async fn get(db: &Db, scope: &TenantScope, id: Uuid) -> AppResult<job::Model> {
    let t = db.read(scope);
    t.by_id::<job::Entity>(id)
        .one(t.conn())
        .await?
        .ok_or(AppError::NotFound("job"))
}

/// Jobs by id.
pub async fn by_ids(db: &Db, scope: &TenantScope, ids: &[Uuid]) -> AppResult<Vec<job::Model>> {
    let t = db.read(scope);
    Ok(t.select::<job::Entity>()
        .filter(job::Column::Id.is_in(ids.iter().copied()))
        .all(t.conn())
        .await?)
}

/// The cursor of a job in a list (newest first).
pub fn cursor(m: &job::Model) -> String {
    nested::encode_cursor(&m.id)
}

/// Jobs of the tenant, newest first.
pub async fn list(
    db: &Db,
    scope: &TenantScope,
    filter: &JobFilter,
    page: &NestedPage,
) -> AppResult<(Vec<(String, job::Model)>, bool)> {
    let t = db.read(scope);
    let mut select = t.select::<job::Entity>().filter(job_conditions(filter));
    if let Some(after) = &page.after {
        let id: Uuid = nested::decode_cursor(after)?;
        select = select.filter(job::Column::Id.lt(id));
    }
    let rows = select
        .order_by_desc(job::Column::Id)
        .limit(page.first as u64 + 1)
        .all(t.conn())
        .await?;
    Ok(nested::cut(rows, page.first, cursor))
}

/// How many jobs match.
pub async fn count(db: &Db, scope: &TenantScope, filter: &JobFilter) -> AppResult<u64> {
    let t = db.read(scope);
    Ok(t.select::<job::Entity>()
        .filter(job_conditions(filter))
        .count(t.conn())
        .await?)
}

/// Applications per stage, for each of `job_ids`, in one grouped statement.
pub async fn pipelines(
    db: &Db,
    scope: &TenantScope,
    job_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, HashMap<ApplicationStage, u64>>> {
    let t = db.read(scope);
    let rows: Vec<(Uuid, String, i64)> = t
        .select::<application::Entity>()
        .select_only()
        .column(application::Column::JobId)
        .column(application::Column::Stage)
        .column_as(Expr::col(application::Column::Id).count(), "n")
        .filter(application::Column::JobId.is_in(job_ids.iter().copied()))
        .group_by(application::Column::JobId)
        .group_by(application::Column::Stage)
        .into_tuple()
        .all(t.conn())
        .await?;
    let mut out: HashMap<Uuid, HashMap<ApplicationStage, u64>> = HashMap::new();
    for (job_id, stage, n) in rows {
        if let Some(stage) = ApplicationStage::parse(&stage) {
            out.entry(job_id).or_default().insert(stage, n as u64);
        }
    }
    Ok(out)
}

/// The active link of each of `job_ids`.
pub async fn active_links(
    db: &Db,
    scope: &TenantScope,
    job_ids: &[Uuid],
) -> AppResult<Vec<link::Model>> {
    let t = db.read(scope);
    Ok(t.select::<link::Entity>()
        .filter(link::Column::JobId.is_in(job_ids.iter().copied()))
        .filter(link::Column::IsActive.eq(true))
        .all(t.conn())
        .await?)
}

/// Narrows a client's jobs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ClientJobFilter {
    pub statuses: Vec<JobStatus>,
    /// Links made on or after.
    pub from: Option<DateTime<Utc>>,
    /// Links made before.
    pub to: Option<DateTime<Utc>>,
    /// Only current links (default); `false` includes ended ones.
    pub active_only: bool,
}

fn link_col(c: link::Column) -> SimpleExpr {
    Expr::col((link::Entity, c))
}

pub(crate) fn link_conditions(f: &ClientJobFilter) -> Condition {
    let mut all = Condition::all();
    if f.active_only {
        all = all.add(link_col(link::Column::IsActive).eq(true));
    }
    if let Some(v) = f.from {
        all = all.add(link_col(link::Column::AssignedAt).gte(v));
    }
    if let Some(v) = f.to {
        all = all.add(link_col(link::Column::AssignedAt).lt(v));
    }
    if !f.statuses.is_empty() {
        all = all.add(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(job::Entity)
                .and_where(job_col(job::Column::Id).equals((link::Entity, link::Column::JobId)))
                .and_where(
                    job_col(job::Column::Status).is_in(f.statuses.iter().map(|s| s.as_str())),
                )
                .to_owned(),
        ));
    }
    all
}

/// The cursor of a link in a client's jobs (latest link first).
pub fn link_cursor(m: &link::Model) -> String {
    nested::encode_cursor(&(m.assigned_at, m.id))
}

/// One page of links for each of `client_ids`, latest first, in one statement.
pub async fn pages_by_client(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
    filter: &ClientJobFilter,
    page: &NestedPage,
) -> AppResult<HashMap<Uuid, ChildPage<link::Model>>> {
    let t = db.read(scope);
    let mut conditions = link_conditions(filter);
    if let Some(after) = &page.after {
        let (at, id): (DateTime<Utc>, Uuid) = nested::decode_cursor(after)?;
        conditions = conditions.add(nested::after(vec![
            (link_col(link::Column::AssignedAt), Order::Desc, at.into()),
            (link_col(link::Column::Id), Order::Desc, id.into()),
        ]));
    }
    let spec = PerParent::<link::Entity> {
        parent: link::Column::ClientId,
        conditions,
        order_by: "assigned_at DESC, id DESC".into(),
    };
    t.pages(spec, client_ids, page, |m| m.client_id, link_cursor)
        .await
}

/// How many links match, for each of `client_ids`.
pub async fn counts_by_client(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
    filter: &ClientJobFilter,
) -> AppResult<HashMap<Uuid, u64>> {
    let t = db.read(scope);
    t.counts::<link::Entity>(link::Column::ClientId, link_conditions(filter), client_ids)
        .await
}

fn application_conditions(stages: &[ApplicationStage]) -> Condition {
    let col = |c: application::Column| Expr::col((application::Entity, c));
    let mut all = Condition::all();
    if !stages.is_empty() {
        all = all.add(col(application::Column::Stage).is_in(stages.iter().map(|s| s.as_str())));
    }
    all
}

/// The cursor of an application (latest stage change first).
pub fn application_cursor(m: &application::Model) -> String {
    nested::encode_cursor(&(m.stage_changed_at, m.id))
}

/// One page of applications for each of `job_ids`, in one statement.
pub async fn application_pages(
    db: &Db,
    scope: &TenantScope,
    job_ids: &[Uuid],
    stages: &[ApplicationStage],
    page: &NestedPage,
) -> AppResult<HashMap<Uuid, ChildPage<application::Model>>> {
    let t = db.read(scope);
    let mut conditions = application_conditions(stages);
    if let Some(after) = &page.after {
        let (at, id): (DateTime<Utc>, Uuid) = nested::decode_cursor(after)?;
        let col = |c: application::Column| Expr::col((application::Entity, c));
        conditions = conditions.add(nested::after(vec![
            (
                col(application::Column::StageChangedAt),
                Order::Desc,
                at.into(),
            ),
            (col(application::Column::Id), Order::Desc, id.into()),
        ]));
    }
    let spec = PerParent::<application::Entity> {
        parent: application::Column::JobId,
        conditions,
        order_by: "stage_changed_at DESC, id DESC".into(),
    };
    t.pages(spec, job_ids, page, |m| m.job_id, application_cursor)
        .await
}

/// How many applications match, for each of `job_ids`.
pub async fn application_counts(
    db: &Db,
    scope: &TenantScope,
    job_ids: &[Uuid],
    stages: &[ApplicationStage],
) -> AppResult<HashMap<Uuid, u64>> {
    let t = db.read(scope);
    let conditions = application_conditions(stages);
    t.counts::<application::Entity>(application::Column::JobId, conditions, job_ids)
        .await
}
