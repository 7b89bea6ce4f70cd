//! Data attached to each GraphQL request by the HTTP handler, and accessors resolvers
//! use to reach it.

use std::net::IpAddr;

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, ID, Result};
use uuid::Uuid;

use crate::auth::AuthContext;
use crate::db::Db;
use crate::error::AppError;
use crate::graphql::loaders::{
    ClientLoader, ContactCountsLoader, ContactPagesLoader, PrimaryContactLoader, UserLoader,
};
use crate::service::TenantScope;

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

/// Attaches the per-request data to one GraphQL request: request metadata always; for
/// an authenticated caller also its context, its tenant scope and fresh DataLoaders
/// bound to that scope (never shared between requests or tenants).
pub fn attach(
    request: async_graphql::Request,
    db: &Db,
    meta: &RequestContext,
    auth: Option<&AuthContext>,
    loader_delay: std::time::Duration,
) -> async_graphql::Request {
    let request = request.data(meta.clone());
    match auth {
        None => request,
        Some(auth) => {
            let scope = TenantScope::for_request(auth, meta);
            // One fresh loader per relation, bound to this request's tenant.
            let (db, s) = (db.clone(), scope.clone());
            request
                .data(auth.clone())
                .data(
                    DataLoader::new(
                        UserLoader {
                            db: db.clone(),
                            scope: s.clone(),
                        },
                        tokio::spawn,
                    )
                    .delay(loader_delay),
                )
                .data(
                    DataLoader::new(
                        ClientLoader {
                            db: db.clone(),
                            scope: s.clone(),
                        },
                        tokio::spawn,
                    )
                    .delay(loader_delay),
                )
                .data(
                    DataLoader::new(
                        ContactPagesLoader {
                            db: db.clone(),
                            scope: s.clone(),
                        },
                        tokio::spawn,
                    )
                    .delay(loader_delay),
                )
                .data(
                    DataLoader::new(
                        ContactCountsLoader {
                            db: db.clone(),
                            scope: s.clone(),
                        },
                        tokio::spawn,
                    )
                    .delay(loader_delay),
                )
                .data(
                    DataLoader::new(PrimaryContactLoader { db, scope: s }, tokio::spawn)
                        .delay(loader_delay),
                )
                .data(scope)
        }
    }
}

/// The process-wide database handle.
pub fn db<'a>(ctx: &Context<'a>) -> Result<&'a Db> {
    ctx.data::<Db>()
}

/// The caller's tenant scope, or UNAUTHENTICATED.
pub fn scope<'a>(ctx: &Context<'a>) -> Result<&'a TenantScope> {
    ctx.data_opt::<TenantScope>()
        .ok_or_else(|| AppError::Unauthenticated("sign in first".into()).into())
}

/// The request metadata.
pub fn request_meta<'a>(ctx: &Context<'a>) -> Result<&'a RequestContext> {
    ctx.data::<RequestContext>()
}

/// Parses an `ID` argument as a UUID; a malformed id names its field.
pub fn parse_id(field: &str, id: &ID) -> Result<Uuid, AppError> {
    Uuid::parse_str(id.as_str())
        .map_err(|_| AppError::bad_input(field, format!("{field} is not a valid id")))
}
