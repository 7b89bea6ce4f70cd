//! Data attached to each GraphQL request by the HTTP handler, and accessors resolvers
//! use to reach it.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_graphql::dataloader::Loader;

use crate::graphql::batch::{Batcher, Hub};
use async_graphql::{Context, ID, Result};
use uuid::Uuid;

use crate::auth::AuthContext;
use crate::db::Db;
use crate::error::{AppError, LoadError};
use crate::graphql::loaders::MakeLoader;
use crate::service::TenantScope;

pub use crate::service::RequestContext;

/// Attaches the per-request data to one GraphQL request: request metadata always; for
/// an authenticated caller also its context, its tenant scope and a set of DataLoaders
/// bound to that scope (never shared between requests or tenants).
///
/// Its loaders release their batches `loader_delay` after the first key; the server
/// uses [`attach_driven`] instead, whose batching does not depend on timing.
pub fn attach(
    request: async_graphql::Request,
    db: &Db,
    meta: &RequestContext,
    auth: Option<&AuthContext>,
    loader_delay: Duration,
) -> async_graphql::Request {
    attach_with(request, db, meta, auth, Hub::timed(loader_delay))
}

/// Like [`attach`], for an execution wrapped in [`crate::graphql::batch::Driven`] with
/// the returned hub: batches are released when the request goes idle, so the number of
/// statements does not depend on load or timing.
pub fn attach_driven(
    request: async_graphql::Request,
    db: &Db,
    meta: &RequestContext,
    auth: Option<&AuthContext>,
) -> (async_graphql::Request, Arc<Hub>) {
    let hub = Hub::driven();
    (attach_with(request, db, meta, auth, Arc::clone(&hub)), hub)
}

fn attach_with(
    request: async_graphql::Request,
    db: &Db,
    meta: &RequestContext,
    auth: Option<&AuthContext>,
    hub: Arc<Hub>,
) -> async_graphql::Request {
    let request = request.data(meta.clone());
    let Some(auth) = auth else { return request };
    let scope = TenantScope::for_request(auth, meta);
    let loaders = Loaders {
        db: db.clone(),
        scope: scope.clone(),
        hub,
        made: Arc::default(),
    };
    request.data(auth.clone()).data(loaders).data(scope)
}

/// The DataLoaders of one request, all bound to its tenant scope. Each is made the first
/// time a resolver asks for it: a request uses a handful of the thirty-odd relations, and
/// making them all up front was measurable CPU on every request.
pub struct Loaders {
    db: Db,
    scope: TenantScope,
    hub: Arc<Hub>,
    made: Arc<Mutex<MadeLoaders>>,
}

type MadeLoaders = HashMap<TypeId, Arc<dyn Any + Send + Sync>>;

/// Forgets what a request's loaders answered (see [`Loaders::cache`]).
#[derive(Clone)]
pub struct LoaderCache(Arc<Mutex<MadeLoaders>>);

impl LoaderCache {
    /// Drops every loader made so far, with its answers: the next load reads afresh.
    pub fn forget(&self) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

impl Loaders {
    /// A handle on the answers cached by these loaders. A subscription lives for many
    /// events; it forgets before each so every event is resolved from current rows.
    pub fn cache(&self) -> LoaderCache {
        LoaderCache(Arc::clone(&self.made))
    }

    /// The request's loader of kind `L`, made on first use.
    pub fn get<L: MakeLoader>(&self) -> Arc<Batcher<L>> {
        let mut made = self.made.lock().unwrap_or_else(PoisonError::into_inner);
        let loader = made.entry(TypeId::of::<L>()).or_insert_with(|| {
            let loader = L::make(self.db.clone(), self.scope.clone());
            Arc::new(Batcher::new(loader, Arc::clone(&self.hub)))
        });
        Arc::clone(loader)
            .downcast::<Batcher<L>>()
            .unwrap_or_else(|_| unreachable!("loaders are keyed by their own type"))
    }
}

/// The request's tenant-bound DataLoader of kind `L`.
pub fn loader<L: MakeLoader>(ctx: &Context<'_>) -> Result<Arc<Batcher<L>>> {
    Ok(ctx.data::<Loaders>()?.get::<L>())
}

/// One row by id through the request's tenant-bound loader `L` (batched with every other
/// parent asking at the same time). No id, or a row the loader cannot see (another
/// tenant's, a deleted one), gives `None`.
pub async fn load<L>(ctx: &Context<'_>, id: impl Into<Option<Uuid>>) -> Result<Option<L::Value>>
where
    L: Loader<Uuid, Error = LoadError> + MakeLoader,
{
    let Some(id) = id.into() else {
        return Ok(None);
    };
    Ok(loader::<L>(ctx)?.load_one(id).await?)
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
