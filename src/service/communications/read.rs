//! How communication lists are filtered (follow-ups due or open, importance, contact,
//! time) and walked, newest first; per-client pages, counts and the cross-client list
//! are the kernel's ([`child`](crate::service::kernel::child)).

use chrono::{DateTime, NaiveDate, Utc};
use entity::client_communication::{self, Column};
use sea_orm::sea_query::{Expr, ExprTrait, Order, SimpleExpr};
use sea_orm::{Condition, DbBackend, Value};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::CommunicationType;
use crate::service::kernel::child::ChildList;

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

/// What a communication's cursor holds: its time and id (newest first).
#[derive(Serialize, Deserialize)]
pub struct CursorKey(DateTime<Utc>, Uuid);

impl ChildList for client_communication::Entity {
    type Filter = CommunicationFilter;
    type Query = CommunicationFilter;
    type CursorKey = CursorKey;

    fn conditions(_backend: DbBackend, filter: &CommunicationFilter) -> Condition {
        conditions(filter)
    }

    fn filter(query: &CommunicationFilter) -> &CommunicationFilter {
        query
    }

    fn keys(_query: &CommunicationFilter) -> Vec<(Column, Order)> {
        vec![
            (Column::CommunicationAt, Order::Desc),
            (Column::Id, Order::Desc),
        ]
    }

    fn cursor_key(m: &client_communication::Model) -> CursorKey {
        CursorKey(m.communication_at, m.id)
    }

    fn key_value(CursorKey(at, id): &CursorKey, column: Column) -> Value {
        match column {
            Column::CommunicationAt => (*at).into(),
            _ => (*id).into(),
        }
    }
}
