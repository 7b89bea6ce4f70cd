//! [`TenantScope`]: the tenant a piece of work belongs to and the actor doing it.
//!
//! The only ways to build one are from an authenticated request, for the system (CLI,
//! background tasks), or for a user proving their identity (login). Queries on
//! tenant-owned tables go through [`TenantScope::select`] / [`TenantScope::find_by_id`],
//! which add the tenant filter; a row of another tenant is simply not found.

use entity::{
    api_key, audit_event, client, client_address, client_analytics, client_communication,
    client_contact, client_document, client_feedback, client_job_assignment, client_note,
    client_tag, document_version, event_outbox, job, job_application, refresh_token, revoked_token,
    user,
};
use sea_orm::{ColumnTrait, EntityTrait, PrimaryKeyTrait, QueryFilter, Select};
use uuid::Uuid;

use crate::auth::{ActorKind, AuthContext, Permission, Role};
use crate::error::{AppError, AppResult};
use crate::graphql::RequestContext;

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

/// A table whose rows belong to a tenant.
pub trait TenantOwned: EntityTrait {
    fn tenant_column() -> Self::Column;
}

macro_rules! tenant_owned {
    ($($module:ident),* $(,)?) => {
        $(impl TenantOwned for $module::Entity {
            fn tenant_column() -> Self::Column {
                $module::Column::TenantId
            }
        })*
    };
}
tenant_owned!(
    user,
    api_key,
    audit_event,
    event_outbox,
    refresh_token,
    revoked_token,
    client,
    client_address,
    client_analytics,
    client_contact,
    client_tag,
    client_note,
    client_communication,
    job,
    client_job_assignment,
    job_application,
    client_feedback,
    client_document,
    document_version,
);

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

    /// The server acting on its own (CLI, background tasks).
    pub fn system(tenant_id: Uuid) -> Self {
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

    /// `SELECT … WHERE tenant_id = <scope>` on a tenant-owned table.
    pub fn select<E: TenantOwned>(&self) -> Select<E> {
        E::find().filter(E::tenant_column().eq(self.tenant_id))
    }

    /// One row by primary key, within the scope's tenant.
    pub fn find_by_id<E>(&self, id: Uuid) -> Select<E>
    where
        E: TenantOwned,
        <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
    {
        E::find_by_id(id).filter(E::tenant_column().eq(self.tenant_id))
    }
}
