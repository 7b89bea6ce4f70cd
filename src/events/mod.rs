//! What happens after a commit. Every mutation writes an `event_outbox` row in its own
//! transaction; from there:
//!
//! 1. the **relay** ([`relay`]) publishes committed rows: it gives each a position in
//!    one stream, in commit order, in one transaction;
//! 2. every instance **follows** the stream (woken by PostgreSQL `NOTIFY`, or in memory
//!    on SQLite, with polling as the fallback) and hands each event to its
//!    [`EventBus`], from which GraphQL subscriptions take theirs;
//! 3. webhooks (being built: the tables exist and [`signing`] signs) will persist their
//!    deliveries in the publishing transaction and send them to partners.
//!
//! [`EventType`] names what can happen, and [`Visibility`] says which events and which
//! changed values a caller may see.

pub mod relay;
pub mod signing;
mod types;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use entity::event_outbox;
use serde_json::{Map, Value};
use tokio::sync::{Notify, broadcast};
use uuid::Uuid;

pub use types::{EventType, Visibility, row_visible};

/// One published event, as every instance's subscribers receive it.
#[derive(Debug, Clone)]
pub struct StreamEvent {
    /// The outbox row's id (what a reconnecting subscriber passes as `since`).
    pub id: Uuid,
    /// The position in the stream.
    pub seq: i64,
    pub tenant_id: Uuid,
    /// `entity.verb`, e.g. `client.updated`.
    pub event_type: String,
    pub entity_type: String,
    pub entity_id: Option<Uuid>,
    pub client_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub actor_kind: String,
    pub occurred_at: DateTime<Utc>,
    /// The aggregate's event payload (identifying fields, never secrets).
    pub data: Value,
    /// Field → `{from, to}` (or `{changed: true}` for a secret).
    pub changes: Map<String, Value>,
}

impl StreamEvent {
    /// The published event of an outbox row (`None` while it is unpublished).
    pub fn from_row(row: event_outbox::Model) -> Option<StreamEvent> {
        let seq = row.seq?;
        let mut payload = match row.payload {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let changes = match payload.remove("changes") {
            Some(Value::Object(map)) => map,
            _ => Map::new(),
        };
        let actor_id = payload
            .get("actorId")
            .and_then(Value::as_str)
            .and_then(|id| Uuid::parse_str(id).ok());
        let actor_kind = payload
            .get("actorKind")
            .and_then(Value::as_str)
            .unwrap_or("SYSTEM")
            .to_owned();
        Some(StreamEvent {
            id: row.id,
            seq,
            tenant_id: row.tenant_id,
            event_type: row.event_type,
            entity_type: row.entity_type,
            entity_id: row.entity_id,
            client_id: row.client_id,
            actor_id,
            actor_kind,
            occurred_at: row.created_at,
            data: payload.remove("data").unwrap_or(Value::Null),
            changes,
        })
    }
}

/// How many published events an instance keeps in memory for subscribers that fall
/// behind; one further behind catches up from the database.
pub const BUS_CAPACITY: usize = 4096;

/// This instance's view of the stream: the events its follower has read, broadcast to
/// every subscription of every tenant (each filters its own). Cheap to share.
pub struct EventBus {
    sender: broadcast::Sender<Arc<StreamEvent>>,
    /// Wakes the follower (a local publication, a PostgreSQL notification).
    wake: Notify,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus {
            sender: broadcast::channel(BUS_CAPACITY).0,
            wake: Notify::new(),
        }
    }
}

impl EventBus {
    /// A receiver of every event broadcast from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<StreamEvent>> {
        self.sender.subscribe()
    }

    pub(crate) fn broadcast(&self, event: StreamEvent) {
        // No receiver is not an error: nobody is subscribed on this instance.
        let _ = self.sender.send(Arc::new(event));
    }

    /// Asks the follower to read the stream now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub(crate) async fn woken(&self) {
        self.wake.notified().await;
    }
}
