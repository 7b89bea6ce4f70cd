//! The change record: every mutation calls
//! [`Tenant::record`](super::store::Tenant::record) inside its own transaction, which
//! writes one `audit_events` row (actor, action, entity, field-level changes, request
//! metadata) and one `event_outbox` row (the domain event for subscriptions and
//! webhooks). Both commit or roll back with the change itself.
//!
//! Secrets never enter a record: [`FieldChanges::secret`] notes *that* a field changed,
//! not its value.

use chrono::{DateTime, Utc};
use entity::{client_communication, client_document, client_feedback, client_note, job};
use serde::Serialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Field name → `{ "from": …, "to": … }`.
#[derive(Debug, Default, Clone)]
pub struct FieldChanges(Map<String, Value>);

fn to_json(value: impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

impl FieldChanges {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `field` when `from` and `to` differ.
    pub fn set(mut self, field: &str, from: impl Serialize, to: impl Serialize) -> Self {
        let (from, to) = (to_json(from), to_json(to));
        if from != to {
            self.0
                .insert(field.to_owned(), json!({ "from": from, "to": to }));
        }
        self
    }

    /// Records the initial value of `field` (creations).
    pub fn initial(self, field: &str, to: impl Serialize) -> Self {
        self.set(field, Value::Null, to)
    }

    /// Every field of a new record as its initial value (`fields` is the record's
    /// snapshot, e.g. a service's `fields(&model)`).
    pub fn created(fields: Vec<(&'static str, Value)>) -> Self {
        fields
            .into_iter()
            .fold(Self::new(), |changes, (field, value)| {
                changes.initial(field, value)
            })
    }

    /// The fields that differ between two snapshots of a record taken by the same
    /// function (same fields, same order).
    pub fn between(before: Vec<(&'static str, Value)>, after: Vec<(&'static str, Value)>) -> Self {
        before
            .into_iter()
            .zip(after)
            .fold(Self::new(), |changes, ((field, old), (_, new))| {
                changes.set(field, old, new)
            })
    }

    /// Records that a secret field changed, without any value.
    pub fn secret(mut self, field: &str) -> Self {
        self.0.insert(field.to_owned(), json!({ "changed": true }));
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_value(self) -> Value {
        Value::Object(self.0)
    }
}

/// One change to record.
#[derive(Debug)]
pub struct Change {
    /// Audit action and event type, `entity.verb` (e.g. `user.created`).
    pub action: &'static str,
    /// The kind of entity (e.g. `user`).
    pub entity_type: &'static str,
    pub entity_id: Option<Uuid>,
    pub changes: FieldChanges,
    /// Event payload (never secrets).
    pub payload: Value,
}

/// A row whose changes are recorded: the entity type and id in its audit events, and
/// the payload of its domain events. One implementation per aggregate replaces a
/// `record` wrapper per aggregate (see [`Tenant::record_of`](super::store::Tenant::record_of)).
pub trait Recorded {
    /// The kind of entity in audit and domain events (e.g. `note`).
    const ENTITY: &'static str;
    /// The id the audit event and the domain event name.
    fn record_id(&self) -> Uuid;
    /// What subscribers and webhooks receive as `data` (never secrets).
    fn event_payload(&self) -> Value;
}

/// Optimistic locking: CONFLICT unless the row is still at `expected` (any version when
/// `None`). `what` names the row in the message ("job", "client CLT-2026-0042").
pub fn expect_version(what: &str, current: i32, expected: Option<i32>) -> AppResult<()> {
    match expected {
        Some(expected) if expected != current => Err(AppError::Conflict(format!(
            "{what} was changed by someone else (version {current} is current, {expected} was expected)"
        ))),
        _ => Ok(()),
    }
}

/// A row under optimistic locking: a `version` that every change bumps, and the time of
/// its last change.
pub trait Versioned: Clone {
    fn version(&self) -> i32;
    /// Makes this the row's next version, changed at `now`.
    fn bump(&mut self, now: DateTime<Utc>);
}

macro_rules! versioned {
    ($($model:path),* $(,)?) => {
        $(impl Versioned for $model {
            fn version(&self) -> i32 {
                self.version
            }
            fn bump(&mut self, now: DateTime<Utc>) {
                self.version += 1;
                self.updated_at = now;
            }
        })*
    };
}
versioned!(
    client_note::Model,
    client_communication::Model,
    client_feedback::Model,
    client_document::Model,
    job::Model,
);
