//! [`TenantScope`]: the tenant a piece of work belongs to and the actor doing it.
//!
//! The only ways to build one are from an authenticated request, for a user proving
//! their identity (login), for a principal re-established from a signed link, or — via
//! [`System`](super::store::System) only — for the server itself. Statements on tenant
//! tables go through the tenant-bound [`store`](super::store), which adds the tenant;
//! a row of another tenant is simply not found.

use std::net::IpAddr;

use uuid::Uuid;

use crate::auth::{ActorKind, AuthContext, Permission, Role};
use crate::error::{AppError, AppResult};

/// Where a request came from; recorded in logs and audit events.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    /// The request id (from `X-Request-Id` or generated), echoed in the response.
    pub request_id: String,
    /// The peer address of the connection.
    pub ip: Option<IpAddr>,
    /// The `User-Agent` header, if any.
    pub user_agent: Option<String>,
}

/// Who acts, and from where (recorded in audit events).
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<Uuid>,
    pub kind: ActorKind,
    /// The acting role; `None` for the system, which may do anything.
    pub role: Option<Role>,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// One tenant's view of the data, with the actor working in it.
#[derive(Debug, Clone)]
pub struct TenantScope {
    tenant_id: Uuid,
    actor: Actor,
}

fn request_actor(
    id: Option<Uuid>,
    kind: ActorKind,
    role: Option<Role>,
    request: &RequestContext,
) -> Actor {
    Actor {
        id,
        kind,
        role,
        request_id: Some(request.request_id.clone()).filter(|r| !r.is_empty()),
        ip: request.ip.map(|ip| ip.to_string()),
        user_agent: request.user_agent.clone(),
    }
}

impl TenantScope {
    /// The scope of an authenticated request.
    pub fn for_request(auth: &AuthContext, request: &RequestContext) -> Self {
        TenantScope {
            tenant_id: auth.tenant_id,
            actor: request_actor(
                Some(auth.actor_id()),
                auth.actor_kind(),
                Some(auth.role),
                request,
            ),
        }
    }

    /// The scope of a user who has just proven who they are (login, refresh); it only
    /// records session changes, so it carries no role.
    pub fn for_user(tenant_id: Uuid, user_id: Uuid, request: &RequestContext) -> Self {
        TenantScope {
            tenant_id,
            actor: request_actor(Some(user_id), ActorKind::User, Some(Role::Viewer), request),
        }
    }

    /// The scope of a principal re-established from a signed link (downloads), with its
    /// current role.
    pub fn for_principal(
        tenant_id: Uuid,
        actor_id: Option<Uuid>,
        kind: ActorKind,
        role: Role,
        request: &RequestContext,
    ) -> Self {
        TenantScope {
            tenant_id,
            actor: request_actor(actor_id, kind, Some(role), request),
        }
    }

    /// The server acting on its own (CLI, background tasks). Only
    /// [`System`](super::store::System) makes one: it holds every permission.
    pub(super) fn system(tenant_id: Uuid) -> Self {
        TenantScope {
            tenant_id,
            actor: Actor {
                id: None,
                kind: ActorKind::System,
                role: None,
                request_id: None,
                ip: None,
                user_agent: None,
            },
        }
    }

    pub fn tenant_id(&self) -> Uuid {
        self.tenant_id
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// Whether the actor holds `permission` (the system holds every one).
    pub fn can(&self, permission: Permission) -> bool {
        self.actor.role.is_none_or(|role| role.has(permission))
    }

    /// FORBIDDEN unless the actor holds `permission`; `what` says what needed it.
    pub fn require(&self, permission: Permission, what: &str) -> AppResult<()> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "{what} requires the {} permission",
                permission.as_str()
            )))
        }
    }
}
