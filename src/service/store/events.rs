//! The event stream's statements: publishing outbox rows in commit order, reading the
//! stream after a position (every instance's subscribers, a reconnecting client), and
//! pruning what is past its retention. The relay (`crate::events`) decides when.

use chrono::{DateTime, Utc};
use entity::{event_outbox, event_stream};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Statement,
};
use uuid::Uuid;

use super::{Conn, System, SystemTxn, Tenant};
use crate::error::{AppError, AppResult};

/// The PostgreSQL channel the relay notifies after each publication; the payload is
/// the last stream position published (a wake-up, never the event itself).
pub const EVENTS_CHANNEL: &str = "clientgraph_events";

/// The one row of `event_stream`.
const STREAM_ROW: i32 = 1;

impl SystemTxn<'_> {
    /// Locks the stream (until this transaction ends) and returns the last position
    /// handed out. Every publisher takes this lock before it picks rows, so positions
    /// are assigned one publication at a time, in commit order.
    pub async fn lock_event_stream(&self) -> AppResult<i64> {
        event_stream::Entity::find_by_id(STREAM_ROW)
            .lock_exclusive()
            .one(self.conn())
            .await?
            .map(|row| row.last_seq)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("event_stream has no row")))
    }

    /// The oldest committed rows not yet published (any tenant).
    pub async fn unpublished_events(&self, limit: u64) -> AppResult<Vec<event_outbox::Model>> {
        Ok(event_outbox::Entity::find()
            .filter(event_outbox::Column::Seq.is_null())
            .order_by_asc(event_outbox::Column::CreatedAt)
            .order_by_asc(event_outbox::Column::Id)
            .limit(limit)
            .all(self.conn())
            .await?)
    }

    /// Gives each row its position (`first`, `first + 1`, …, in the order given), marks
    /// it published at `at`, and moves the stream to the last position.
    pub async fn publish_events(
        &self,
        rows: &[event_outbox::Model],
        first: i64,
        at: DateTime<Utc>,
    ) -> AppResult<i64> {
        let mut seq = first - 1;
        for row in rows {
            seq += 1;
            event_outbox::Entity::update_many()
                .col_expr(event_outbox::Column::Seq, Expr::val(seq))
                .col_expr(event_outbox::Column::PublishedAt, Expr::val(at))
                .filter(event_outbox::Column::TenantId.eq(row.tenant_id))
                .filter(event_outbox::Column::Id.eq(row.id))
                .exec(self.conn())
                .await?;
        }
        event_stream::Entity::update_many()
            .col_expr(event_stream::Column::LastSeq, Expr::val(seq))
            .filter(event_stream::Column::Id.eq(STREAM_ROW))
            .exec(self.conn())
            .await?;
        Ok(seq)
    }

    /// PostgreSQL: tells every listening instance, at commit, that the stream reached
    /// `last` (delivered only if this transaction commits). Nothing on SQLite, where
    /// the one process is woken in memory.
    pub async fn notify_event_stream(&self, last: i64) -> AppResult<()> {
        if self.conn().get_database_backend() == DbBackend::Postgres {
            self.conn()
                .execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT pg_notify($1, $2)",
                    [EVENTS_CHANNEL.into(), last.to_string().into()],
                ))
                .await?;
        }
        Ok(())
    }
}

impl System<'_> {
    /// Published events after stream position `after`, in stream order (any tenant).
    pub async fn events_after(
        &self,
        after: i64,
        limit: u64,
    ) -> AppResult<Vec<event_outbox::Model>> {
        Ok(event_outbox::Entity::find()
            .filter(event_outbox::Column::Seq.gt(after))
            .order_by_asc(event_outbox::Column::Seq)
            .limit(limit)
            .all(self.conn())
            .await?)
    }

    /// The last position published so far.
    pub async fn event_stream_position(&self) -> AppResult<i64> {
        Ok(event_stream::Entity::find_by_id(STREAM_ROW)
            .one(self.conn())
            .await?
            .map_or(0, |row| row.last_seq))
    }

    /// Deletes published events published before `before`; returns how many.
    pub async fn prune_events(&self, before: DateTime<Utc>) -> AppResult<u64> {
        let result = event_outbox::Entity::delete_many()
            .filter(event_outbox::Column::Seq.is_not_null())
            .filter(event_outbox::Column::PublishedAt.lt(before))
            .exec(self.conn())
            .await?;
        Ok(result.rows_affected)
    }
}

impl<C: Conn> Tenant<'_, C> {
    /// This tenant's published events after position `after`, in stream order.
    pub async fn events_after(
        &self,
        after: i64,
        limit: u64,
    ) -> AppResult<Vec<event_outbox::Model>> {
        Ok(self
            .select::<event_outbox::Entity>()
            .filter(Expr::col(event_outbox::Column::Seq).gt(after))
            .order_by_asc(event_outbox::Column::Seq)
            .limit(limit)
            .all(self.conn())
            .await?)
    }

    /// The stream position of one of this tenant's events: `None` when it is unknown
    /// (another tenant's, pruned) or not published yet.
    pub async fn event_position(&self, id: Uuid) -> AppResult<Option<i64>> {
        Ok(self
            .by_id::<event_outbox::Entity>(id)
            .one(self.conn())
            .await?
            .and_then(|row| row.seq))
    }
}
