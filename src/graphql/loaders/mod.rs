//! DataLoaders, one per relation, created per request and bound to the caller's tenant
//! (see `context::attach`): a loader can only ever return rows of that tenant.

mod computed;
mod nested;

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::{
    client, client_address, client_contact, client_document, client_job_assignment,
    document_version, job, user,
};
use uuid::Uuid;

use crate::db::Db;
use crate::error::{AppResult, LoadError};
use crate::service::clients::read as clients;
use crate::service::contacts::read as contacts;
use crate::service::documents::read as documents;
use crate::service::jobs::read as jobs;
use crate::service::nested::group_by_args;
use crate::service::{TenantScope, users};

pub use computed::{
    ActivitiesLoader, AnalyticsLoader, DayRange, FeedbackSummaryLoader, HealthInputsLoader,
    JobFiguresLoader, PipelineLoader, SubsidiariesLoader, TaxIdRevealLoader,
};
pub use nested::{
    ApplicationsOfJob, AuditOfClient, CommunicationsOfClient, ContactsOfClient, CountsLoader,
    DocumentsOfClient, DocumentsOfContact, FeedbackOfClient, JobLinksOfClient, NestedList,
    NotesOfClient, PageArgs, PagesLoader,
};

/// A loader the request's [`crate::graphql::context::Loaders`] can make on first use.
pub trait MakeLoader: Send + Sync + Sized + 'static {
    fn make(db: Db, scope: TenantScope) -> Self;
}

/// [`MakeLoader`] for loaders that hold only the database and the tenant scope.
macro_rules! make_loader {
    ($($name:ident),* $(,)?) => {
        $(impl MakeLoader for $name {
            fn make(db: Db, scope: TenantScope) -> Self {
                $name { db, scope }
            }
        })*
    };
}

/// A loader of rows by a key, with a service function that fetches the rows of many keys
/// in one statement and the key each row answers.
macro_rules! rows_loader {
    ($(#[$meta:meta])* $name:ident, $row:ty, $fetch:path, |$r:ident| $key:expr) => {
        $(#[$meta])*
        pub struct $name {
            pub db: Db,
            pub scope: TenantScope,
        }

        impl Loader<Uuid> for $name {
            type Value = $row;
            type Error = LoadError;

            async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, $row>, Self::Error> {
                let rows = $fetch(&self.db, &self.scope, keys).await?;
                Ok(rows.into_iter().map(|$r| ($key, $r)).collect())
            }
        }
    };
}

rows_loader!(
    /// Users by id, within one tenant.
    UserLoader, user::Model, users::by_ids, |u| u.id
);
rows_loader!(
    /// Live clients by id, within one tenant.
    ClientLoader, client::Model, clients::by_ids, |c| c.id
);
rows_loader!(
    /// Live contacts by id, within one tenant.
    ContactLoader, client_contact::Model, contacts::by_ids, |c| c.id
);
rows_loader!(
    /// The active primary contact of each client.
    PrimaryContactLoader, client_contact::Model, contacts::primaries, |c| c.client_id
);
rows_loader!(
    /// Jobs by id, within one tenant.
    JobLoader, job::Model, jobs::by_ids, |j| j.id
);
rows_loader!(
    /// The active client link of each job.
    ActiveLinkLoader, client_job_assignment::Model, jobs::active_links, |l| l.job_id
);

rows_loader!(
    /// The current logo (newest live `LOGO` document) of each client.
    LogoLoader, client_document::Model, documents::logos, |d| d.client_id
);

/// A loader of every row belonging to a key (a key without rows gets nothing; callers
/// read that as an empty list), fetched for many keys in one statement.
macro_rules! groups_loader {
    ($(#[$meta:meta])* $name:ident, $row:ty, $fetch:path, |$r:ident| $key:expr) => {
        $(#[$meta])*
        pub struct $name {
            pub db: Db,
            pub scope: TenantScope,
        }

        impl Loader<Uuid> for $name {
            type Value = Arc<Vec<$row>>;
            type Error = LoadError;

            async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
                let mut groups: HashMap<Uuid, Vec<$row>> = HashMap::new();
                for $r in $fetch(&self.db, &self.scope, keys).await? {
                    groups.entry($key).or_default().push($r);
                }
                Ok(groups.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
            }
        }
    };
}

groups_loader!(
    /// The postal addresses of each client, primary first.
    AddressesLoader, client_address::Model, clients::addresses, |a| a.client_id
);
groups_loader!(
    /// Every version of each document, newest first.
    VersionsLoader, document_version::Model, documents::versions, |v| v.document_id
);
groups_loader!(
    /// The documents attached to each communication, oldest first.
    AttachmentsLoader, client_document::Model, documents::attachments,
    |d| d.communication_id.unwrap_or_default()
);

/// Loads keys `(parent, args)` with one `fetch(args, parents)` per distinct arguments; a
/// parent the fetch leaves out gets the default (empty) value.
async fn per_args<A, V, Fut>(
    keys: &[(Uuid, A)],
    fetch: impl Fn(A, Vec<Uuid>) -> Fut,
) -> Result<HashMap<(Uuid, A), V>, LoadError>
where
    A: Eq + Hash + Clone,
    V: Default,
    Fut: Future<Output = AppResult<HashMap<Uuid, V>>>,
{
    let mut out = HashMap::new();
    for (args, ids) in group_by_args(keys) {
        let mut values = fetch(args.clone(), ids.clone()).await?;
        for id in ids {
            out.insert((id, args.clone()), values.remove(&id).unwrap_or_default());
        }
    }
    Ok(out)
}

make_loader!(
    UserLoader,
    ClientLoader,
    ContactLoader,
    PrimaryContactLoader,
    JobLoader,
    ActiveLinkLoader,
    LogoLoader,
    VersionsLoader,
    AddressesLoader,
    AttachmentsLoader,
    FeedbackSummaryLoader,
    PipelineLoader,
    JobFiguresLoader,
    HealthInputsLoader,
    ActivitiesLoader,
    AnalyticsLoader,
    SubsidiariesLoader,
    TaxIdRevealLoader,
);
