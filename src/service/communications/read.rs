//! Reading communications, newest first: per-client pages (one statement for a page of
//! clients, see [`nested`]), counts, and the cross-client list (e.g. follow-ups due).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::client_communication::{self, Column};
use sea_orm::sea_query::{Expr, ExprTrait, Order, SimpleExpr};
use sea_orm::{Condition, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::CommunicationType;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::TenantScope;
use crate::service::nested::{self, ChildPage, NestedPage};
use crate::service::store::{PerParent, Tenant};

/// Narrows a communication list; every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CommunicationFilter {
    pub types: Vec<CommunicationType>,
    /// `communication_at` on or after.
    pub from: Option<DateTime<Utc>>,
    /// `communication_at` before.
    pub to: Option<DateTime<Utc>>,
    pub important_only: bool,
    pub contact_id: Option<Uuid>,
    pub client_id: Option<Uuid>,
    /// `true`: an open follow-up is due on or before `today`; `false`: none is.
    pub follow_up_due: Option<bool>,
    /// `true`: a follow-up is required and not done; `false`: none is open.
    pub follow_up_open: Option<bool>,
    /// The day "due" is measured against (UTC today when the filter is built by the API).
    pub today: Option<NaiveDate>,
}

fn col(c: Column) -> SimpleExpr {
    Expr::col((client_communication::Entity, c))
}

fn open_follow_up() -> Condition {
    Condition::all()
        .add(col(Column::FollowUpRequired).eq(true))
        .add(col(Column::FollowUpDoneAt).is_null())
}

/// The conditions of `filter` on `client_communications` (tenant included).
pub(crate) fn conditions(f: &CommunicationFilter) -> Condition {
    let mut all = Condition::all();
    if !f.types.is_empty() {
        all = all.add(col(Column::CommunicationType).is_in(f.types.iter().map(|t| t.as_str())));
    }
    if let Some(v) = f.from {
        all = all.add(col(Column::CommunicationAt).gte(v));
    }
    if let Some(v) = f.to {
        all = all.add(col(Column::CommunicationAt).lt(v));
    }
    if f.important_only {
        all = all.add(col(Column::IsImportant).eq(true));
    }
    if let Some(id) = f.contact_id {
        all = all.add(col(Column::ContactId).eq(id));
    }
    if let Some(id) = f.client_id {
        all = all.add(col(Column::ClientId).eq(id));
    }
    if let Some(open) = f.follow_up_open {
        all = all.add(if open {
            open_follow_up()
        } else {
            open_follow_up().not()
        });
    }
    if let Some(due) = f.follow_up_due {
        let today = f.today.unwrap_or_else(|| Utc::now().date_naive());
        let is_due = open_follow_up().add(col(Column::FollowUpOn).lte(today));
        all = all.add(if due { is_due } else { is_due.not() });
    }
    all
}

/// The cursor of a communication (newest first).
pub fn cursor(m: &client_communication::Model) -> String {
    nested::encode_cursor(&(m.communication_at, m.id))
}

fn after_condition(cursor: &str) -> AppResult<Condition> {
    let (at, id): (DateTime<Utc>, Uuid) = nested::decode_cursor(cursor)?;
    Ok(nested::after(vec![
        (col(Column::CommunicationAt), Order::Desc, at.into()),
        (col(Column::Id), Order::Desc, id.into()),
    ]))
}

/// One page of communications for each of `client_ids`, in one statement.
pub async fn pages_by_client(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
    filter: &CommunicationFilter,
    page: &NestedPage,
) -> AppResult<HashMap<Uuid, ChildPage<client_communication::Model>>> {
    let t = db.read(scope);
    let mut conditions = conditions(filter);
    if let Some(after) = &page.after {
        conditions = conditions.add(after_condition(after)?);
    }
    let spec = PerParent::<client_communication::Entity> {
        parent: Column::ClientId,
        conditions,
        order_by: "communication_at DESC, id DESC".into(),
    };
    t.pages(spec, client_ids, page, |m| m.client_id, cursor)
        .await
}

/// How many communications match, for each of `client_ids`, in one statement.
pub async fn counts_by_client(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
    filter: &CommunicationFilter,
) -> AppResult<HashMap<Uuid, u64>> {
    let t = db.read(scope);
    let conditions = conditions(filter);
    t.counts::<client_communication::Entity>(Column::ClientId, conditions, client_ids)
        .await
}

/// A communication of a live client.
pub async fn get(db: &Db, scope: &TenantScope, id: Uuid) -> AppResult<client_communication::Model> {
    let t = db.read(scope);
    t.by_id::<client_communication::Entity>(id)
        .filter(t.client_is_live(col(Column::ClientId)))
        .one(t.conn())
        .await?
        .ok_or(AppError::NotFound("communication"))
}

fn listed(t: Tenant<'_>, filter: &CommunicationFilter) -> Condition {
    conditions(filter).add(t.client_is_live(col(Column::ClientId)))
}

/// Communications across the tenant's live clients, newest first.
pub async fn list(
    db: &Db,
    scope: &TenantScope,
    filter: &CommunicationFilter,
    page: &NestedPage,
) -> AppResult<(Vec<(String, client_communication::Model)>, bool)> {
    let t = db.read(scope);
    let mut select = t
        .select::<client_communication::Entity>()
        .filter(listed(t, filter));
    if let Some(after) = &page.after {
        select = select.filter(after_condition(after)?);
    }
    let rows = select
        .order_by_desc(Column::CommunicationAt)
        .order_by_desc(Column::Id)
        .limit(page.first as u64 + 1)
        .all(t.conn())
        .await?;
    Ok(nested::cut(rows, page.first, cursor))
}

/// How many communications across live clients match.
pub async fn count(db: &Db, scope: &TenantScope, filter: &CommunicationFilter) -> AppResult<u64> {
    let t = db.read(scope);
    Ok(t.select::<client_communication::Entity>()
        .filter(listed(t, filter))
        .count(t.conn())
        .await?)
}
