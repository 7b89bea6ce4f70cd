//! The change record: every mutation calls [`record`] inside its own transaction, which
//! writes one `audit_events` row (actor, action, entity, field-level changes, request
//! metadata) and one `event_outbox` row (the domain event for subscriptions and
//! webhooks). Both commit or roll back with the change itself.
//!
//! Secrets never enter a record: [`FieldChanges::secret`] notes *that* a field changed,
//! not its value.

use chrono::{DateTime, Utc};
use entity::{
    audit_event, client_communication, client_document, client_feedback, client_note, event_outbox,
    job,
};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, Set,
};
use serde::Serialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::TenantScope;
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

/// Writes the audit event and the outbox event of `change` in `txn`.
pub async fn record(
    txn: &impl ConnectionTrait,
    scope: &TenantScope,
    change: Change,
) -> AppResult<()> {
    let now = Utc::now();
    let payload = json!({
        "type": change.action,
        "entityType": change.entity_type,
        "entityId": change.entity_id,
        "actorId": scope.actor().id,
        "actorKind": scope.actor().kind.as_str(),
        "at": now,
        "data": change.payload,
    });
    let (event_type, entity_type, entity_id) =
        (change.action, change.entity_type, change.entity_id);
    audit(txn, scope, change).await?;
    event_outbox::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.tenant_id()),
        event_type: Set(event_type.to_owned()),
        entity_type: Set(entity_type.to_owned()),
        entity_id: Set(entity_id),
        payload: Set(payload),
        created_at: Set(now),
        published_at: Set(None),
    }
    .insert(txn)
    .await
    .map_err(AppError::from)?;
    Ok(())
}

/// Writes only the audit event: for audited reads (revealing a secret, exporting),
/// which change nothing and so emit no domain event.
pub async fn audit(
    txn: &impl ConnectionTrait,
    scope: &TenantScope,
    change: Change,
) -> AppResult<()> {
    let actor = scope.actor();
    audit_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.tenant_id()),
        actor_id: Set(actor.id),
        actor_kind: Set(actor.kind.as_str().to_owned()),
        action: Set(change.action.to_owned()),
        entity_type: Set(change.entity_type.to_owned()),
        entity_id: Set(change.entity_id),
        changes: Set(change.changes.into_value()),
        request_id: Set(actor.request_id.clone()),
        ip: Set(actor.ip.clone()),
        user_agent: Set(actor.user_agent.clone()),
        at: Set(Utc::now()),
    }
    .insert(txn)
    .await
    .map_err(AppError::from)?;
    Ok(())
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

/// Writes `next` over `current` when a field of `fields` differs: the version is bumped
/// and the row updated. Returns the saved row and what changed, or `None` (nothing
/// written) when the two snapshots agree.
pub async fn update_versioned<M, A, E>(
    txn: &impl ConnectionTrait,
    current: &M,
    mut next: M,
    fields: fn(&M) -> Vec<(&'static str, Value)>,
) -> AppResult<Option<(M, FieldChanges)>>
where
    M: Versioned + IntoActiveModel<A> + Send,
    A: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
    E: EntityTrait<Model = M>,
{
    let changes = FieldChanges::between(fields(current), fields(&next));
    if changes.is_empty() {
        return Ok(None);
    }
    debug_assert_eq!(next.version(), current.version());
    next.bump(Utc::now());
    let saved = next.into_active_model().reset_all().update(txn).await?;
    Ok(Some((saved, changes)))
}
