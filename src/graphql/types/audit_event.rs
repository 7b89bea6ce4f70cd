//! The `AuditEvent` type: one change or audited read, with its actor and request.

use async_graphql::{Context, ID, Json, Object, Result};
use chrono::{DateTime, Utc};
use entity::audit_event;
use uuid::Uuid;

use super::User;
use crate::auth::ActorKind;
use crate::graphql::connection::nested_total;
use crate::graphql::context;
use crate::graphql::loaders::{AuditOfClient, UserLoader};
use crate::service::audit::{self, AuditFilter};

/// One recorded change, written in the same transaction as the change itself.
pub struct AuditEvent(pub audit_event::Model);

/// One recorded change, written in the same transaction as the change itself.
#[Object]
impl AuditEvent {
    /// The audit event's id (a UUID, time-ordered).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// What happened, as `entity.verb` (e.g. `user.created`).
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The kind of entity changed (e.g. `user`).
    async fn entity_type(&self) -> &str {
        &self.0.entity_type
    }
    /// The id of the changed or read record.
    async fn entity_id(&self) -> Option<ID> {
        self.0.entity_id.map(|id| ID(id.to_string()))
    }
    /// Field → `{ "from": …, "to": … }`; secrets appear only as `{ "changed": true }`.
    async fn changes(&self) -> Json<serde_json::Value> {
        Json(self.0.changes.clone())
    }
    /// Whether a user, an API key or the system acted.
    async fn actor_kind(&self) -> ActorKind {
        ActorKind::parse(&self.0.actor_kind)
    }
    /// The user or API key id that acted (none for the system).
    async fn actor_id(&self) -> Option<ID> {
        self.0.actor_id.map(|id| ID(id.to_string()))
    }
    /// The acting user, when a user acted.
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        match (ActorKind::parse(&self.0.actor_kind), self.0.actor_id) {
            (ActorKind::User, Some(id)) => {
                Ok(context::load::<UserLoader>(ctx, id).await?.map(User))
            }
            _ => Ok(None),
        }
    }
    /// The request id of the change (matches the `X-Request-Id` response header).
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
    /// The client address the request came from (the proxy's view when trusted).
    async fn ip(&self) -> Option<&str> {
        self.0.ip.as_deref()
    }
    /// The request's User-Agent, cut to 512 characters.
    async fn user_agent(&self) -> Option<&str> {
        self.0.user_agent.as_deref()
    }
    /// When it happened.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
}

/// Totals of an audit-event list.
pub enum AuditEventConnectionFields {
    /// One client's trail (batched across the clients of a page).
    OfClient {
        client_id: Uuid,
        /// Already counted by the page statement (no cursor).
        total: Option<u64>,
    },
    /// The tenant's audit log, filtered.
    All(AuditFilter),
}

/// Totals of an audit-event list.
#[Object]
impl AuditEventConnectionFields {
    /// How many events match the filter (counted only when asked for).
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        match self {
            AuditEventConnectionFields::OfClient { client_id, total } => {
                nested_total::<AuditOfClient>(ctx, *client_id, &(), *total).await
            }
            AuditEventConnectionFields::All(filter) => {
                Ok(audit::count(context::db(ctx)?, context::scope(ctx)?, filter).await?)
            }
        }
    }
}
