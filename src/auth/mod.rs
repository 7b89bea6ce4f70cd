//! Identity: who is calling. One [`Authenticator`] turns the `Authorization` header into
//! an optional [`AuthContext`] (no header → anonymous); anything presented but invalid
//! is UNAUTHENTICATED. Permissions come from the caller's *current* role in the
//! database, so a role change or deactivation takes effect on the next request.

pub mod jwt;
pub mod password;
pub mod permissions;
pub mod secrets;
pub mod signed;
pub mod throttle;

use async_graphql::Enum;
use axum::http::HeaderValue;
use chrono::{DateTime, Utc};
use entity::{api_key, revoked_token, user};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, QueryFilter};
use uuid::Uuid;

pub use jwt::JwtKeys;
pub use permissions::{Permission, Role};

use crate::db::Db;
use crate::error::{AppError, AppResult};

/// Who performed a change, as recorded in audit events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ActorKind {
    /// A signed-in user.
    User,
    /// A partner's API key.
    ApiKey,
    /// The server itself (CLI, background tasks).
    System,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "USER",
            ActorKind::ApiKey => "API_KEY",
            ActorKind::System => "SYSTEM",
        }
    }

    pub fn parse(text: &str) -> ActorKind {
        match text {
            "USER" => ActorKind::User,
            "API_KEY" => ActorKind::ApiKey,
            _ => ActorKind::System,
        }
    }
}

/// The credential behind a request.
#[derive(Debug, Clone)]
pub enum Principal {
    /// A user with an access token of session `session_id`.
    User {
        user_id: Uuid,
        session_id: Uuid,
        jti: Uuid,
        expires_at: DateTime<Utc>,
    },
    /// A partner's API key.
    ApiKey { key_id: Uuid },
}

/// The authenticated caller: one tenant, one role.
#[derive(Debug, Clone)]
pub struct AuthContext {
    pub tenant_id: Uuid,
    pub principal: Principal,
    pub role: Role,
}

impl AuthContext {
    pub fn has(&self, permission: Permission) -> bool {
        self.role.has(permission)
    }

    /// The user id, for user credentials.
    pub fn user_id(&self) -> Option<Uuid> {
        match self.principal {
            Principal::User { user_id, .. } => Some(user_id),
            Principal::ApiKey { .. } => None,
        }
    }

    /// The id recorded as the actor of changes (user or API key).
    pub fn actor_id(&self) -> Uuid {
        match self.principal {
            Principal::User { user_id, .. } => user_id,
            Principal::ApiKey { key_id } => key_id,
        }
    }

    pub fn actor_kind(&self) -> ActorKind {
        match self.principal {
            Principal::User { .. } => ActorKind::User,
            Principal::ApiKey { .. } => ActorKind::ApiKey,
        }
    }
}

/// Verifies credentials against the signing keys and the database.
#[derive(Clone)]
pub struct Authenticator {
    pub jwt: JwtKeys,
    db: Db,
}

fn refused() -> AppError {
    AppError::Unauthenticated("invalid, expired or revoked credential".into())
}

impl Authenticator {
    pub fn new(jwt: JwtKeys, db: Db) -> Self {
        Authenticator { jwt, db }
    }

    /// `None` for no header; the caller's context for a valid bearer credential;
    /// UNAUTHENTICATED for anything else.
    pub async fn authenticate(
        &self,
        header: Option<&HeaderValue>,
    ) -> AppResult<Option<AuthContext>> {
        let Some(header) = header else {
            return Ok(None);
        };
        let value = header.to_str().map_err(|_| refused())?.trim();
        let (scheme, credential) = value.split_once(' ').ok_or_else(refused)?;
        if !scheme.eq_ignore_ascii_case("bearer") || credential.trim().is_empty() {
            return Err(AppError::Unauthenticated(
                "the Authorization header must be `Bearer <token or API key>`".into(),
            ));
        }
        let credential = credential.trim();
        if credential.starts_with(secrets::API_KEY_PREFIX) {
            self.api_key(credential).await.map(Some)
        } else {
            self.access_token(credential).await.map(Some)
        }
    }

    /// The current role of a principal named by a signed link: the user must still be
    /// active, the API key unrevoked and unexpired, both in `tenant_id`.
    pub async fn current_role(
        &self,
        tenant_id: Uuid,
        kind: ActorKind,
        id: Uuid,
    ) -> AppResult<Role> {
        let scope = self
            .db
            .system("a signed link names its principal and tenant")
            .scope(tenant_id);
        let t = self.db.read(&scope);
        let role = match kind {
            ActorKind::User => t
                .by_id::<user::Entity>(id)
                .one(t.conn())
                .await?
                .filter(|u| u.is_active)
                .map(|u| u.role),
            ActorKind::ApiKey => t
                .by_id::<api_key::Entity>(id)
                .one(t.conn())
                .await?
                .filter(|k| k.revoked_at.is_none() && k.expires_at.is_none_or(|at| at > Utc::now()))
                .map(|k| k.role),
            ActorKind::System => None,
        };
        role.as_deref().and_then(Role::parse).ok_or_else(refused)
    }

    async fn access_token(&self, token: &str) -> AppResult<AuthContext> {
        let claims = self.jwt.verify(token)?;
        // One statement per request: the user, unless the token or its session (listed
        // by its id when revoked: logout, refresh-token reuse) has been revoked.
        let not_revoked = Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(revoked_token::Entity)
                .and_where(
                    Expr::col((revoked_token::Entity, revoked_token::Column::Jti))
                        .is_in([claims.jti, claims.sid]),
                )
                .to_owned(),
        )
        .not();
        let scope = self
            .db
            .system("an access token names its user and tenant")
            .scope(claims.tid);
        let t = self.db.read(&scope);
        let user = t
            .by_id::<user::Entity>(claims.sub)
            .filter(not_revoked)
            .one(t.conn())
            .await?
            .filter(|u| u.is_active)
            .ok_or_else(refused)?;
        let role = Role::parse(&user.role).ok_or_else(refused)?;
        Ok(AuthContext {
            tenant_id: user.tenant_id,
            principal: Principal::User {
                user_id: user.id,
                session_id: claims.sid,
                jti: claims.jti,
                expires_at: DateTime::from_timestamp(claims.exp, 0).unwrap_or_else(Utc::now),
            },
            role,
        })
    }

    async fn api_key(&self, secret: &str) -> AppResult<AuthContext> {
        let sys = self
            .db
            .system("an API key names its tenant: find it by its digest");
        let key = sys
            .find::<api_key::Entity>()
            .filter(api_key::Column::SecretHash.eq(secrets::digest(secret)))
            .one(sys.conn())
            .await?
            .ok_or_else(refused)?;
        let now = Utc::now();
        if key.revoked_at.is_some() || key.expires_at.is_some_and(|at| at <= now) {
            return Err(refused());
        }
        let role = Role::parse(&key.role).ok_or_else(refused)?;
        // A key never outlives its creator's account or role. Deactivating or demoting
        // the creator revokes such keys (audited, see `service::api_keys`); this check
        // holds even for a change made behind the service's back.
        if let Some(creator) = key.created_by {
            let scope = sys.scope(key.tenant_id);
            let t = self.db.read(&scope);
            let creator = t.by_id::<user::Entity>(creator).one(t.conn()).await?;
            if let Some(creator) = creator {
                let creator_role = Role::parse(&creator.role);
                if !creator.is_active || !creator_role.is_some_and(|r| r.covers(role)) {
                    return Err(refused());
                }
            }
        }
        Ok(AuthContext {
            tenant_id: key.tenant_id,
            principal: Principal::ApiKey { key_id: key.id },
            role,
        })
    }
}
