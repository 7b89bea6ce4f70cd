//! Field guards. Every guarded field's doc says `Requires \`resource:action\`.`, and the
//! permission-matrix test reads that line from the SDL to check each role against the
//! role table — so a guard and its documentation cannot drift apart unnoticed.

use async_graphql::{Context, Guard, Result};

use crate::auth::{AuthContext, Permission};
use crate::error::AppError;

/// Allows the field only to callers whose role holds the permission.
pub struct RequirePermission(pub Permission);

/// `#[graphql(guard = "require(Permission::UsersManage)")]`.
pub fn require(permission: Permission) -> RequirePermission {
    RequirePermission(permission)
}

impl Guard for RequirePermission {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        let auth = authenticated(ctx)?;
        if auth.has(self.0) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!("requires the {} permission", self.0.as_str())).into())
        }
    }
}

/// Allows the field to any authenticated caller.
pub struct RequireAuth;

impl Guard for RequireAuth {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        authenticated(ctx).map(|_| ())
    }
}

/// The caller's context, or UNAUTHENTICATED.
pub fn authenticated<'a>(ctx: &Context<'a>) -> Result<&'a AuthContext> {
    ctx.data_opt::<AuthContext>().ok_or_else(|| {
        AppError::Unauthenticated("sign in first: send `Authorization: Bearer <token>`".into())
            .into()
    })
}
