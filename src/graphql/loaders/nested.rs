//! Nested lists: one page (and one count) of a relation per parent, one statement per
//! distinct arguments, for every client of a page at once.

use std::collections::HashMap;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::{
    client_communication, client_contact, client_document, client_feedback, client_job_assignment,
    client_note, job_application,
};
use uuid::Uuid;

use super::{MakeLoader, per_args};

use crate::db::Db;
use crate::error::{AppResult, LoadError};
use crate::service::TenantScope;
use crate::service::communications::read as communications;
use crate::service::contacts::read as contacts;
use crate::service::documents::read as documents;
use crate::service::feedback;
use crate::service::jobs::applications::ApplicationStage;
use crate::service::jobs::read as jobs;
use crate::service::kernel::child;
use crate::service::nested::{ChildPage, NestedPage};
use crate::service::notes::read as notes;

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
    child::pages_by_client::<client_communication::Entity>,
    child::counts_by_client::<client_communication::Entity>,
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
    child::pages_by_client::<entity::client_feedback::Entity>,
    child::counts_by_client::<entity::client_feedback::Entity>,
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
