//! `webhook_deliveries`: one event to one endpoint, persisted before it is sent (so a
//! process killed mid-send sends it again) and kept as the delivery log.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub webhook_id: Uuid,
    /// The outbox event: the `webhook-id` header, stable across retries.
    pub event_id: Uuid,
    /// The event's stream position: deliveries of one entity go out in this order.
    pub seq: i64,
    pub event_type: String,
    /// The entity the event is about (or the event itself when it names none).
    pub entity_key: Uuid,
    /// The exact JSON body sent on every attempt.
    pub body: String,
    /// `PENDING`, `SENDING`, `SUCCEEDED` or `FAILED`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// While `SENDING`: when another worker may take it over (the sender died).
    pub lease_until: Option<DateTimeUtc>,
    pub last_attempt_at: Option<DateTimeUtc>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
