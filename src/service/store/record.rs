//! The change record and the tenant's counters, written through the handle: every
//! mutation's audit event and outbox event (one transaction with the change), audited
//! reads, and the next client code.

use super::{Conn, Tenant};
use crate::error::{AppError, AppResult};
use crate::service::change::{Change, FieldChanges, Recorded};
use chrono::Utc;
use entity::{audit_event, event_outbox};
use sea_orm::Set;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use serde_json::json;
use uuid::Uuid;

impl<C: Conn> Tenant<'_, C> {
    /// Records a change made in this transaction: the audit event and the outbox event
    /// (the domain event for subscriptions and webhooks), committed or rolled back with
    /// the change itself. Secrets never enter a record.
    pub async fn record(&self, change: Change) -> AppResult<()> {
        let now = Utc::now();
        // The client an event belongs to: the client itself, or the `clientId` every
        // child's payload names (per-client subscriptions filter on it).
        let client_id = match change.entity_type {
            "client" => change.entity_id,
            _ => change
                .payload
                .get("clientId")
                .and_then(|id| id.as_str())
                .and_then(|id| Uuid::parse_str(id).ok()),
        };
        let payload = json!({
            "type": change.action,
            "entityType": change.entity_type,
            "entityId": change.entity_id,
            "actorId": self.scope.actor().id,
            "actorKind": self.scope.actor().kind.as_str(),
            "at": now,
            "data": change.payload,
            // Field-level changes (`{from, to}`; secrets only as `{changed: true}`):
            // subscribers and webhooks see the ones their permissions allow.
            "changes": change.changes.clone().into_value(),
        });
        let (event_type, entity_type, entity_id) =
            (change.action, change.entity_type, change.entity_id);
        self.audit(change).await?;
        self.insert(event_outbox::ActiveModel {
            id: Set(Uuid::now_v7()),
            event_type: Set(event_type.to_owned()),
            entity_type: Set(entity_type.to_owned()),
            entity_id: Set(entity_id),
            payload: Set(payload),
            created_at: Set(now),
            published_at: Set(None),
            seq: Set(None),
            client_id: Set(client_id),
            ..Default::default()
        })
        .await?;
        Ok(())
    }

    /// Records `action` on `row` (see [`Tenant::record`]): its entity type, id and event
    /// payload come from its [`Recorded`] implementation.
    pub async fn record_of<R: Recorded>(
        &self,
        action: &'static str,
        row: &R,
        changes: FieldChanges,
    ) -> AppResult<()> {
        self.record(Change {
            action,
            entity_type: R::ENTITY,
            entity_id: Some(row.record_id()),
            changes,
            payload: row.event_payload(),
        })
        .await
    }

    /// Writes only the audit event: for audited reads (revealing a secret, exporting),
    /// which change nothing and so emit no domain event.
    pub async fn audit(&self, change: Change) -> AppResult<()> {
        self.audit_all(vec![change]).await
    }

    /// Writes the audit events of several audited reads in one statement.
    pub async fn audit_all(&self, changes: Vec<Change>) -> AppResult<()> {
        let actor = self.scope.actor();
        let at = Utc::now();
        let rows = changes
            .into_iter()
            .map(|change| audit_event::ActiveModel {
                id: Set(Uuid::now_v7()),
                actor_id: Set(actor.id),
                actor_kind: Set(actor.kind.as_str().to_owned()),
                action: Set(change.action.to_owned()),
                entity_type: Set(change.entity_type.to_owned()),
                entity_id: Set(change.entity_id),
                changes: Set(change.changes.into_value()),
                request_id: Set(actor.request_id.clone()),
                ip: Set(actor.ip.clone()),
                user_agent: Set(actor.user_agent.clone()),
                at: Set(at),
                ..Default::default()
            })
            .collect();
        self.insert_many(rows).await
    }

    /// The next client code of the tenant for the current year (`CLT-<year>-<n>`): a
    /// per-tenant, per-year counter incremented with one upsert inside the creating
    /// transaction. On PostgreSQL the counter row stays locked until commit, on SQLite
    /// writers are serialised, so concurrent creations never share a number; the unique
    /// index on (tenant_id, client_code) is the backstop.
    pub async fn next_client_code(&self) -> AppResult<String> {
        use chrono::Datelike;
        let year = Utc::now().year();
        let table = Alias::new("client_code_counters");
        let last_value = Alias::new("last_value");
        let statement = Query::insert()
            .into_table(table.clone())
            .columns([
                Alias::new("tenant_id"),
                Alias::new("year"),
                last_value.clone(),
            ])
            .values_panic([self.tenant_id().into(), year.into(), 1i64.into()])
            .on_conflict(
                OnConflict::columns([Alias::new("tenant_id"), Alias::new("year")])
                    .value(
                        last_value.clone(),
                        Expr::col((table, last_value.clone())).add(1),
                    )
                    .to_owned(),
            )
            .returning_col(last_value)
            .to_owned();
        let row = self.conn.query_one(&statement).await?.ok_or_else(|| {
            AppError::internal(anyhow::anyhow!("client code counter returned no row"))
        })?;
        let n: i64 = row.try_get("", "last_value")?;
        Ok(format!("CLT-{year}-{n:04}"))
    }
}
