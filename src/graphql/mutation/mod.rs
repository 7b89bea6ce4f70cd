//! The mutation root, merged from one object per area.

use async_graphql::{MaybeUndefined, MergedObject};

use crate::service::clients::Patch;

mod api_keys;
mod bulk;
mod clients;
mod contacts;
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
    contacts::ContactMutations,
);

/// A partial-update field: absent keeps, `null` clears, a value sets.
fn patch<T>(value: MaybeUndefined<T>) -> Patch<T> {
    match value {
        MaybeUndefined::Undefined => Patch::Keep,
        MaybeUndefined::Null => Patch::Clear,
        MaybeUndefined::Value(v) => Patch::Set(v),
    }
}
