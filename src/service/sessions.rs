//! Sessions: `login`, `refreshToken`, `logout`.
//!
//! A login starts a refresh-token *family*. Each refresh rotates: the presented token is
//! marked used and a new one of the same family is issued. Presenting a used (rotated)
//! token again means it leaked: the whole family is revoked and the request refused.
//! Logout revokes the family and the access token's `jti` (refused until it expires).
//! Login failures are throttled per account and per IP, and an unknown account costs the
//! same argon2 verification as a known one.

use chrono::{DateTime, Duration, Utc};
use entity::{refresh_token, revoked_token, tenant, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, QueryFilter, Set};
use serde_json::json;
use uuid::Uuid;

use super::change::{Change, FieldChanges};
use super::store::Writer;
use super::{RequestContext, TenantScope};
use crate::auth::throttle::{LoginThrottle, Verdict};
use crate::auth::{AuthContext, JwtKeys, Principal, Role, password, secrets};
use crate::db::Db;
use crate::error::{AppError, AppResult};

/// Tokens handed to a client after login or refresh.
#[derive(Debug, Clone)]
pub struct Session {
    pub access_token: String,
    pub expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
}

/// Issues and rotates sessions. One per process (it owns the login throttle).
pub struct Sessions {
    jwt: JwtKeys,
    refresh_ttl: Duration,
    throttle: LoginThrottle,
}

fn bad_credentials() -> AppError {
    AppError::Unauthenticated("invalid tenant, email or password".into())
}

fn bad_refresh() -> AppError {
    AppError::Unauthenticated("invalid, expired or revoked refresh token".into())
}

impl Sessions {
    pub fn new(jwt: JwtKeys, refresh_ttl: Duration, throttle: LoginThrottle) -> Self {
        Sessions {
            jwt,
            refresh_ttl,
            throttle,
        }
    }

    /// Verifies the credentials and starts a session.
    pub async fn login(
        &self,
        db: &Db,
        tenant_slug: &str,
        email: &str,
        password: &str,
        request: &RequestContext,
    ) -> AppResult<Session> {
        let email = email.trim().to_lowercase();
        let account = format!("{}/{email}", tenant_slug.trim().to_lowercase());
        let ip = request.ip.map(|ip| ip.to_string()).unwrap_or_default();
        let verdict = self.throttle.attempt(&account, &ip);
        if let Verdict::Locked(retry_after_secs) = verdict {
            return Err(AppError::RateLimited { retry_after_secs });
        }
        let found = find_user(db, tenant_slug, &email).await?;
        let verified =
            password::verify(password, found.as_ref().map(|u| u.password_hash.as_str())).await;
        let user = match found {
            Some(user) if verified && user.is_active => user,
            _ => {
                self.throttle.record_failure(&account, &ip);
                // A locked address is only a signal: it turns a wrong password into a
                // back-off, never a right one.
                if let Verdict::AddressLocked(retry_after_secs) = verdict {
                    return Err(AppError::RateLimited { retry_after_secs });
                }
                return Err(bad_credentials());
            }
        };
        self.throttle.record_success(&account, &ip);
        let role = Role::parse(&user.role).ok_or_else(bad_credentials)?;
        let scope = TenantScope::for_user(user.tenant_id, user.id, request);
        let family_id = Uuid::now_v7();
        let refresh = secrets::generate(secrets::REFRESH_PREFIX);
        let refresh_expires_at = Utc::now() + self.refresh_ttl;
        let hash = secrets::digest(&refresh);
        let user_id = user.id;
        let tenant_id = scope.tenant_id();
        db.write(&scope, move |t| {
            Box::pin(async move {
                t.update(user::ActiveModel {
                    id: Set(user.id),
                    last_login_at: Set(Some(Utc::now())),
                    ..Default::default()
                })
                .await?;
                insert_refresh(t, user_id, family_id, hash, refresh_expires_at).await?;
                t.record(Change {
                    action: "user.logged_in",
                    entity_type: "user",
                    entity_id: Some(user_id),
                    changes: FieldChanges::new(),
                    payload: json!({ "id": user_id, "sessionId": family_id }),
                })
                .await
            })
        })
        .await?;
        let access = self.jwt.issue(user_id, tenant_id, family_id, role)?;
        Ok(Session {
            access_token: access.token,
            expires_at: access.expires_at,
            refresh_token: refresh,
            refresh_expires_at,
        })
    }

    /// Rotates a refresh token into a new session pair.
    pub async fn refresh(
        &self,
        db: &Db,
        presented: &str,
        request: &RequestContext,
    ) -> AppResult<Session> {
        // The token itself names its tenant; this lookup is what establishes the scope.
        let sys = db.system("refresh: the presented token names its tenant");
        let current = sys
            .find::<refresh_token::Entity>()
            .filter(refresh_token::Column::TokenHash.eq(secrets::digest(presented)))
            .one(sys.conn())
            .await?
            .ok_or_else(bad_refresh)?;
        let scope = TenantScope::for_user(current.tenant_id, current.user_id, request);
        if current.rotated_at.is_some() {
            revoke_family_after_reuse(db, &scope, &current, self.jwt.ttl()).await?;
            return Err(bad_refresh());
        }
        if current.revoked_at.is_some() || current.expires_at <= Utc::now() {
            return Err(bad_refresh());
        }
        let t = db.read(&scope);
        let user = t
            .by_id::<user::Entity>(current.user_id)
            .one(t.conn())
            .await?
            .filter(|u| u.is_active)
            .ok_or_else(bad_refresh)?;
        let role = Role::parse(&user.role).ok_or_else(bad_refresh)?;
        let refresh = secrets::generate(secrets::REFRESH_PREFIX);
        let refresh_expires_at = Utc::now() + self.refresh_ttl;
        let hash = secrets::digest(&refresh);
        let rotated = {
            let current = current.clone();
            db.write(&scope, move |t| {
                Box::pin(async move {
                    // Conditional: of two concurrent refreshes with one token, one wins.
                    let result = t
                        .update_many::<refresh_token::Entity>()
                        .col_expr(refresh_token::Column::RotatedAt, Expr::value(Utc::now()))
                        .filter(refresh_token::Column::Id.eq(current.id))
                        .filter(refresh_token::Column::RotatedAt.is_null())
                        .filter(refresh_token::Column::RevokedAt.is_null())
                        .exec(t.conn())
                        .await?;
                    if result.rows_affected != 1 {
                        return Ok(false);
                    }
                    insert_refresh(
                        t,
                        current.user_id,
                        current.family_id,
                        hash,
                        refresh_expires_at,
                    )
                    .await?;
                    Ok(true)
                })
            })
            .await?
        };
        if !rotated {
            revoke_family_after_reuse(db, &scope, &current, self.jwt.ttl()).await?;
            return Err(bad_refresh());
        }
        let access = self
            .jwt
            .issue(user.id, user.tenant_id, current.family_id, role)?;
        Ok(Session {
            access_token: access.token,
            expires_at: access.expires_at,
            refresh_token: refresh,
            refresh_expires_at,
        })
    }

    /// Ends the caller's session: its refresh family and its access token.
    pub async fn logout(&self, db: &Db, auth: &AuthContext, scope: &TenantScope) -> AppResult<()> {
        let Principal::User {
            user_id,
            session_id,
            jti,
            expires_at,
        } = auth.principal
        else {
            return Err(AppError::BadUserInput {
                field: None,
                message: "an API key has no session; revoke it with revokeApiKey".into(),
            });
        };
        let access_ttl = self.jwt.ttl();
        db.write(scope, move |t| {
            Box::pin(async move {
                revoke_family(t, session_id, access_ttl).await?;
                // Housekeeping of this tenant's expired entries (never another tenant's rows).
                t.delete_many::<revoked_token::Entity>()
                    .filter(revoked_token::Column::ExpiresAt.lt(Utc::now()))
                    .exec(t.conn())
                    .await?;
                t.insert(revoked_token::ActiveModel {
                    jti: Set(jti),
                    expires_at: Set(expires_at),
                    ..Default::default()
                })
                .await?;
                t.record(Change {
                    action: "user.logged_out",
                    entity_type: "user",
                    entity_id: Some(user_id),
                    changes: FieldChanges::new(),
                    payload: json!({ "id": user_id, "sessionId": session_id }),
                })
                .await
            })
        })
        .await
    }
}

/// The active user a CLI-minted token is for; NOT_FOUND when there is none.
pub async fn user_for_token(db: &Db, tenant_slug: &str, email: &str) -> AppResult<user::Model> {
    find_user(db, tenant_slug, &email.trim().to_lowercase())
        .await?
        .filter(|u| u.is_active)
        .ok_or(AppError::NotFound("active user"))
}

async fn find_user(db: &Db, tenant_slug: &str, email: &str) -> AppResult<Option<user::Model>> {
    let sys = db.system("login: find the account named by tenant slug and email");
    let Some(tenant) = sys
        .find::<tenant::Entity>()
        .filter(tenant::Column::Slug.eq(tenant_slug.trim().to_lowercase()))
        .one(sys.conn())
        .await?
    else {
        return Ok(None);
    };
    let scope = sys.scope(tenant.id);
    let t = db.read(&scope);
    Ok(t.select::<user::Entity>()
        .filter(user::Column::Email.eq(email))
        .one(t.conn())
        .await?)
}

async fn insert_refresh(
    t: Writer<'_>,
    user_id: Uuid,
    family_id: Uuid,
    token_hash: String,
    expires_at: DateTime<Utc>,
) -> AppResult<()> {
    t.insert(refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        family_id: Set(family_id),
        token_hash: Set(token_hash),
        expires_at: Set(expires_at),
        created_at: Set(Utc::now()),
        rotated_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    })
    .await?;
    Ok(())
}

/// Revokes a session: its refresh tokens, and — by listing the session id among the
/// revoked token ids, which every request checks (one primary-key lookup) — every
/// access token minted for it. The entry outlives the longest access token.
async fn revoke_family(t: Writer<'_>, family_id: Uuid, access_ttl: Duration) -> AppResult<()> {
    t.update_many::<refresh_token::Entity>()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(t.conn())
        .await?;
    t.insert_unless_exists(
        revoked_token::ActiveModel {
            jti: Set(family_id),
            expires_at: Set(Utc::now() + access_ttl),
            ..Default::default()
        },
        [revoked_token::Column::TenantId, revoked_token::Column::Jti],
    )
    .await?;
    Ok(())
}

/// A rotated token came back: revoke its family, and say so in the audit log.
async fn revoke_family_after_reuse(
    db: &Db,
    scope: &TenantScope,
    token: &refresh_token::Model,
    access_ttl: Duration,
) -> AppResult<()> {
    tracing::warn!(family = %token.family_id, "refresh token reuse detected; revoking its family");
    let (family_id, user_id) = (token.family_id, token.user_id);
    db.write(scope, move |t| {
        Box::pin(async move {
            revoke_family(t, family_id, access_ttl).await?;
            t.record(Change {
                action: "session.reuse_detected",
                entity_type: "user",
                entity_id: Some(user_id),
                changes: FieldChanges::new(),
                payload: json!({ "id": user_id, "sessionId": family_id }),
            })
            .await
        })
    })
    .await
}
