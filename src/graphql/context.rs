//! Data attached to each GraphQL request by the HTTP handler, and accessors resolvers
//! use to reach it.

use std::marker::PhantomData;
use std::net::IpAddr;
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, ID, Result};
use uuid::Uuid;

use crate::auth::AuthContext;
use crate::db::Db;
use crate::error::{AppError, LoadError};
use crate::graphql::loaders::{
    ActiveLinkLoader, ActivitiesLoader, AnalyticsLoader, ApplicationsOfJob, AttachmentsLoader,
    ClientLoader, CommunicationsOfClient, ContactLoader, ContactsOfClient, CountsLoader,
    DocumentsOfClient, DocumentsOfContact, FeedbackOfClient, FeedbackSummaryLoader,
    HealthInputsLoader, JobFiguresLoader, JobLinksOfClient, JobLoader, LogoLoader, NestedList,
    NotesOfClient, PagesLoader, PipelineLoader, PrimaryContactLoader, UserLoader, VersionsLoader,
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
    loader_delay: Duration,
) -> async_graphql::Request {
    let request = request.data(meta.clone());
    let Some(auth) = auth else { return request };
    let scope = TenantScope::for_request(auth, meta);
    let loaders = Loaders {
        db: db.clone(),
        scope: scope.clone(),
        delay: loader_delay,
    };
    // One fresh loader per relation, bound to this request's tenant.
    request
        .data(auth.clone())
        .data(loaders.plain(|db, scope| UserLoader { db, scope }))
        .data(loaders.plain(|db, scope| ClientLoader { db, scope }))
        .data(loaders.plain(|db, scope| ContactLoader { db, scope }))
        .data(loaders.plain(|db, scope| PrimaryContactLoader { db, scope }))
        .data(loaders.pages::<ContactsOfClient>())
        .data(loaders.counts::<ContactsOfClient>())
        .data(loaders.pages::<NotesOfClient>())
        .data(loaders.counts::<NotesOfClient>())
        .data(loaders.pages::<CommunicationsOfClient>())
        .data(loaders.counts::<CommunicationsOfClient>())
        .data(loaders.pages::<JobLinksOfClient>())
        .data(loaders.counts::<JobLinksOfClient>())
        .data(loaders.pages::<ApplicationsOfJob>())
        .data(loaders.counts::<ApplicationsOfJob>())
        .data(loaders.pages::<FeedbackOfClient>())
        .data(loaders.counts::<FeedbackOfClient>())
        .data(loaders.keyed(|db, scope| FeedbackSummaryLoader { db, scope }))
        .data(loaders.plain(|db, scope| JobLoader { db, scope }))
        .data(loaders.plain(|db, scope| PipelineLoader { db, scope }))
        .data(loaders.plain(|db, scope| ActiveLinkLoader { db, scope }))
        .data(loaders.plain(|db, scope| JobFiguresLoader { db, scope }))
        .data(loaders.plain(|db, scope| HealthInputsLoader { db, scope }))
        .data(loaders.keyed(|db, scope| ActivitiesLoader { db, scope }))
        .data(loaders.keyed(|db, scope| AnalyticsLoader { db, scope }))
        .data(loaders.pages::<DocumentsOfClient>())
        .data(loaders.counts::<DocumentsOfClient>())
        .data(loaders.pages::<DocumentsOfContact>())
        .data(loaders.counts::<DocumentsOfContact>())
        .data(loaders.plain(|db, scope| LogoLoader { db, scope }))
        .data(loaders.plain(|db, scope| VersionsLoader { db, scope }))
        .data(loaders.plain(|db, scope| AttachmentsLoader { db, scope }))
        .data(scope)
}

/// Makes the request's loaders, all bound to one tenant scope.
struct Loaders {
    db: Db,
    scope: TenantScope,
    delay: Duration,
}

impl Loaders {
    fn plain<L: Loader<Uuid>>(&self, make: impl FnOnce(Db, TenantScope) -> L) -> DataLoader<L> {
        self.keyed::<Uuid, L>(make)
    }

    fn keyed<K, L>(&self, make: impl FnOnce(Db, TenantScope) -> L) -> DataLoader<L>
    where
        K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
        L: Loader<K>,
    {
        DataLoader::new(make(self.db.clone(), self.scope.clone()), tokio::spawn).delay(self.delay)
    }

    fn pages<L: NestedList>(&self) -> DataLoader<PagesLoader<L>> {
        let loader = PagesLoader::<L> {
            db: self.db.clone(),
            scope: self.scope.clone(),
            list: PhantomData,
        };
        DataLoader::new(loader, tokio::spawn).delay(self.delay)
    }

    fn counts<L: NestedList>(&self) -> DataLoader<CountsLoader<L>> {
        let loader = CountsLoader::<L> {
            db: self.db.clone(),
            scope: self.scope.clone(),
            list: PhantomData,
        };
        DataLoader::new(loader, tokio::spawn).delay(self.delay)
    }
}

/// One row by id through the request's tenant-bound loader `L` (batched with every other
/// parent asking at the same time). No id, or a row the loader cannot see (another
/// tenant's, a deleted one), gives `None`.
pub async fn load<L>(ctx: &Context<'_>, id: impl Into<Option<Uuid>>) -> Result<Option<L::Value>>
where
    L: Loader<Uuid, Error = LoadError>,
{
    let Some(id) = id.into() else {
        return Ok(None);
    };
    Ok(ctx.data::<DataLoader<L>>()?.load_one(id).await?)
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
