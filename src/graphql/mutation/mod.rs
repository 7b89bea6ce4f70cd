//! The mutation root, merged from one object per area.

use async_graphql::MergedObject;

mod api_keys;
mod bulk;
mod clients;
mod exports;
mod sessions;
mod users;

/// Every mutation of clientgraph.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    sessions::SessionMutations,
    users::UserMutations,
    api_keys::ApiKeyMutations,
    clients::ClientMutations,
    bulk::BulkMutations,
    exports::ExportMutations,
);
