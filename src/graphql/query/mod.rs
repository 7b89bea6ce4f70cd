//! The query root, merged from one object per area so each area owns its file.

use async_graphql::MergedObject;

mod api_keys;
mod audit;
pub(crate) mod clients;
pub(crate) mod communications;
pub(crate) mod contacts;
mod documents;
pub(crate) mod jobs;
pub(crate) mod notes;
mod server_info;
mod users;
mod viewer;

pub use server_info::ServerInfo;

/// Every query of clientgraph.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    server_info::ServerInfoQuery,
    viewer::ViewerQuery,
    users::UsersQuery,
    api_keys::ApiKeysQuery,
    audit::AuditQuery,
    clients::ClientsQuery,
    contacts::ContactsQuery,
    notes::NotesQuery,
    communications::CommunicationsQuery,
    jobs::JobsQuery,
    documents::DocumentsQuery,
);
