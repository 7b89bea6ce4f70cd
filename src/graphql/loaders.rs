//! DataLoaders, one per relation, created per request and bound to the caller's tenant
//! (see `context::attach`): a loader can only ever return rows of that tenant.

use std::collections::HashMap;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::{NaiveDate, Utc};
use entity::{
    client, client_address, client_analytics, client_communication, client_contact,
    client_document, client_feedback, client_job_assignment, client_note, document_version, job,
    job_application, user,
};
use uuid::Uuid;

use crate::db::Db;
use crate::error::{AppResult, LoadError};
use crate::service::clients::read as clients;
use crate::service::communications::read as communications;
use crate::service::contacts::read as contacts;
use crate::service::documents::read as documents;
use crate::service::feedback;
use crate::service::insights::analytics;
use crate::service::insights::dashboard::{self, Activity};
use crate::service::insights::figures::{self, JobFigures};
use crate::service::insights::health::{self, Inputs};
use crate::service::jobs::applications::ApplicationStage;
use crate::service::jobs::read as jobs;
use crate::service::kernel::child;
use crate::service::nested::{ChildPage, NestedPage, group_by_args};
use crate::service::notes::read as notes;
use crate::service::{TenantScope, users};

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

/// A list nested under a parent (a client, a job), paged per parent by a [`PagesLoader`]
/// and counted per
/// client by a [`CountsLoader`].
pub trait NestedList: Send + Sync + 'static {
    /// The list's filter (the same for every client of one batch, as the same field is
    /// resolved for each parent).
    type Filter: Clone + Eq + Hash + Send + Sync + 'static;
    /// A row of the list.
    type Row: Clone + Send + Sync + 'static;

    /// One page per parent, in one statement.
    fn pages(
        db: &Db,
        scope: &TenantScope,
        parent_ids: &[Uuid],
        filter: &Self::Filter,
        page: &NestedPage,
    ) -> impl Future<Output = AppResult<HashMap<Uuid, ChildPage<Self::Row>>>> + Send;

    /// How many rows match per parent, in one statement.
    fn counts(
        db: &Db,
        scope: &TenantScope,
        parent_ids: &[Uuid],
        filter: &Self::Filter,
    ) -> impl Future<Output = AppResult<HashMap<Uuid, u64>>> + Send;
}

/// A nested page request: the list's filter and the page.
pub type PageArgs<L> = (<L as NestedList>::Filter, NestedPage);

/// One page of `L` per client, one statement per distinct arguments.
pub struct PagesLoader<L> {
    pub db: Db,
    pub scope: TenantScope,
    pub list: PhantomData<L>,
}

impl<L: NestedList> Loader<(Uuid, PageArgs<L>)> for PagesLoader<L> {
    /// Shared: the DataLoader hands each requester a clone of the value, and a page of
    /// rows is worth not copying (see `connection::nested_connection`).
    type Value = Arc<ChildPage<L::Row>>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(Uuid, PageArgs<L>)],
    ) -> Result<HashMap<(Uuid, PageArgs<L>), Self::Value>, Self::Error> {
        per_args(keys, |(filter, page), ids| async move {
            let pages = L::pages(&self.db, &self.scope, &ids, &filter, &page).await?;
            Ok(pages.into_iter().map(|(id, p)| (id, Arc::new(p))).collect())
        })
        .await
    }
}

impl<L: NestedList> MakeLoader for PagesLoader<L> {
    fn make(db: Db, scope: TenantScope) -> Self {
        PagesLoader {
            db,
            scope,
            list: PhantomData,
        }
    }
}

/// How many rows of `L` match per client, one statement per distinct filter.
pub struct CountsLoader<L> {
    pub db: Db,
    pub scope: TenantScope,
    pub list: PhantomData<L>,
}

impl<L: NestedList> Loader<(Uuid, L::Filter)> for CountsLoader<L> {
    type Value = u64;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(Uuid, L::Filter)],
    ) -> Result<HashMap<(Uuid, L::Filter), u64>, Self::Error> {
        per_args(keys, |filter, ids| async move {
            L::counts(&self.db, &self.scope, &ids, &filter).await
        })
        .await
    }
}

impl<L: NestedList> MakeLoader for CountsLoader<L> {
    fn make(db: Db, scope: TenantScope) -> Self {
        CountsLoader {
            db,
            scope,
            list: PhantomData,
        }
    }
}

/// Implements [`NestedList`] for a marker type with a service's per-parent `pages`
/// and `counts` functions; `count_by` picks what the counts take from the arguments.
macro_rules! nested_list {
    ($(#[$meta:meta])* $name:ident, $pages:path, $counts:path, $filter:ty, $row:ty, |$f:ident| $count_by:expr) => {
        $(#[$meta])*
        pub struct $name;

        impl NestedList for $name {
            type Filter = $filter;
            type Row = $row;

            async fn pages(
                db: &Db,
                scope: &TenantScope,
                parent_ids: &[Uuid],
                filter: &Self::Filter,
                page: &NestedPage,
            ) -> AppResult<HashMap<Uuid, ChildPage<Self::Row>>> {
                $pages(db, scope, parent_ids, filter, page).await
            }

            async fn counts(
                db: &Db,
                scope: &TenantScope,
                parent_ids: &[Uuid],
                $f: &Self::Filter,
            ) -> AppResult<HashMap<Uuid, u64>> {
                $counts(db, scope, parent_ids, $count_by).await
            }
        }
    };
}

nested_list!(
    /// `Client.auditTrail`: the client's change history, newest first.
    AuditOfClient,
    crate::service::audit::pages_by_client,
    crate::service::audit::counts_by_client,
    (),
    entity::audit_event::Model,
    |filter| filter
);

nested_list!(
    /// `Client.contacts`.
    ContactsOfClient,
    contacts::pages_by_client,
    contacts::counts_by_client,
    contacts::ContactFilter,
    client_contact::Model,
    |filter| filter
);

nested_list!(
    /// `Client.notes`.
    NotesOfClient,
    child::pages_by_client::<client_note::Entity>,
    child::counts_by_client::<client_note::Entity>,
    notes::NoteQuery,
    client_note::Model,
    |query| &query.filter
);

nested_list!(
    /// `Client.communications`.
    CommunicationsOfClient,
    communications::pages_by_client,
    communications::counts_by_client,
    communications::CommunicationFilter,
    client_communication::Model,
    |filter| filter
);

nested_list!(
    /// `Client.jobs`: the client's job links, latest first.
    JobLinksOfClient,
    jobs::pages_by_client,
    jobs::counts_by_client,
    jobs::ClientJobFilter,
    client_job_assignment::Model,
    |filter| filter
);

nested_list!(
    /// `Job.applications`, by stage filter.
    ApplicationsOfJob,
    jobs::application_pages,
    jobs::application_counts,
    Vec<ApplicationStage>,
    job_application::Model,
    |stages| stages
);

nested_list!(
    /// `Client.feedback`, newest first.
    FeedbackOfClient,
    feedback::pages_by_client,
    feedback::counts_by_client,
    feedback::FeedbackFilter,
    client_feedback::Model,
    |filter| filter
);

nested_list!(
    /// `Client.documents`, newest first.
    DocumentsOfClient,
    documents::pages_by_client,
    documents::counts_by_client,
    documents::DocumentFilter,
    client_document::Model,
    |filter| filter
);

nested_list!(
    /// `Contact.documents`, newest first.
    DocumentsOfContact,
    documents::pages_by_contact,
    documents::counts_by_contact,
    documents::DocumentFilter,
    client_document::Model,
    |filter| filter
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

/// Records the tax-id reveals of one request: every client whose `taxId` was resolved
/// gets its audit event, all in one write when the batch is released.
pub struct TaxIdRevealLoader {
    pub db: Db,
    pub scope: TenantScope,
}

impl Loader<Uuid> for TaxIdRevealLoader {
    type Value = ();
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, ()>, Self::Error> {
        crate::service::clients::write::audit_tax_id_reveals(&self.db, &self.scope, keys).await?;
        Ok(keys.iter().map(|id| (*id, ())).collect())
    }
}

/// A range of days (`from`, `to`, inclusive, open-ended when absent).
pub type DayRange = (Option<NaiveDate>, Option<NaiveDate>);

/// Feedback summaries per client, one grouped statement per distinct range.
pub struct FeedbackSummaryLoader {
    pub db: Db,
    pub scope: TenantScope,
}

impl Loader<(Uuid, DayRange)> for FeedbackSummaryLoader {
    type Value = feedback::Summary;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(Uuid, DayRange)],
    ) -> Result<HashMap<(Uuid, DayRange), Self::Value>, Self::Error> {
        per_args(keys, |(from, to), ids| async move {
            feedback::summaries(&self.db, &self.scope, &ids, from, to).await
        })
        .await
    }
}

/// Applications per stage of each job.
pub struct PipelineLoader {
    pub db: Db,
    pub scope: TenantScope,
}

impl Loader<Uuid> for PipelineLoader {
    type Value = HashMap<ApplicationStage, u64>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(jobs::pipelines(&self.db, &self.scope, keys).await?)
    }
}

/// The recruiting figures of each client (dashboard), as of the batch's moment.
pub struct JobFiguresLoader {
    pub db: Db,
    pub scope: TenantScope,
}

impl Loader<Uuid> for JobFiguresLoader {
    type Value = JobFigures;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(figures::job_figures(&self.db, &self.scope, keys, Utc::now()).await?)
    }
}

/// The health-score inputs of each client other than its recruiting figures (those come
/// from [`JobFiguresLoader`], shared with the dashboard).
pub struct HealthInputsLoader {
    pub db: Db,
    pub scope: TenantScope,
}

impl Loader<Uuid> for HealthInputsLoader {
    type Value = Arc<Inputs>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let inputs =
            health::inputs_without_jobs_by_ids(&self.db, &self.scope, keys, Utc::now()).await?;
        Ok(inputs
            .into_iter()
            .map(|(id, i)| (id, Arc::new(i)))
            .collect())
    }
}

/// The newest activities of each client; the key's second part is how many.
pub struct ActivitiesLoader {
    pub db: Db,
    pub scope: TenantScope,
}

impl Loader<(Uuid, usize)> for ActivitiesLoader {
    type Value = Arc<Vec<Activity>>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(Uuid, usize)],
    ) -> Result<HashMap<(Uuid, usize), Self::Value>, Self::Error> {
        let now = Utc::now();
        per_args(keys, |first, ids| async move {
            let lists = dashboard::recent_activities(&self.db, &self.scope, &ids, first, now);
            Ok(lists
                .await?
                .into_iter()
                .map(|(id, l)| (id, Arc::new(l)))
                .collect())
        })
        .await
    }
}

/// The first live subsidiaries of each client; the key's second part is how many.
pub struct SubsidiariesLoader {
    pub db: Db,
    pub scope: TenantScope,
}

impl Loader<(Uuid, usize)> for SubsidiariesLoader {
    type Value = Arc<Vec<client::Model>>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(Uuid, usize)],
    ) -> Result<HashMap<(Uuid, usize), Self::Value>, Self::Error> {
        per_args(keys, |first, ids| async move {
            let lists = clients::subsidiaries(&self.db, &self.scope, &ids, first).await?;
            Ok(lists.into_iter().map(|(id, l)| (id, Arc::new(l))).collect())
        })
        .await
    }
}

/// The daily analytics rows of each client in a range of days.
pub struct AnalyticsLoader {
    pub db: Db,
    pub scope: TenantScope,
}

impl Loader<(Uuid, DayRange)> for AnalyticsLoader {
    type Value = Arc<Vec<client_analytics::Model>>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(Uuid, DayRange)],
    ) -> Result<HashMap<(Uuid, DayRange), Self::Value>, Self::Error> {
        per_args(keys, |(from, to), ids| async move {
            let series = analytics::series(&self.db, &self.scope, &ids, from, to).await?;
            Ok(series
                .into_iter()
                .map(|(id, s)| (id, Arc::new(s)))
                .collect())
        })
        .await
    }
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
