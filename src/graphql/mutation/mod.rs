//! The mutation root, merged from one object per area.

use async_graphql::{ID, MaybeUndefined, MergedObject};
use uuid::Uuid;

use crate::error::AppError;
use crate::graphql::context::parse_id;

use crate::service::kernel::Patch;

mod api_keys;
mod bulk;
mod clients;
mod communications;
mod contacts;
mod documents;
mod exports;
mod feedback;
mod jobs;
mod notes;
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
    notes::NoteMutations,
    communications::CommunicationMutations,
    jobs::JobMutations,
    feedback::FeedbackMutations,
    documents::DocumentMutations,
);

/// A partial-update field: absent keeps, `null` clears, a value sets.
fn patch<T>(value: MaybeUndefined<T>) -> Patch<T> {
    match value {
        MaybeUndefined::Undefined => Patch::Keep,
        MaybeUndefined::Null => Patch::Clear,
        MaybeUndefined::Value(v) => Patch::Set(v),
    }
}

/// A partial-update id field: absent keeps, `null` clears, a value must be an id.
fn patch_id(field: &str, value: MaybeUndefined<ID>) -> Result<Patch<Uuid>, AppError> {
    Ok(match value {
        MaybeUndefined::Undefined => Patch::Keep,
        MaybeUndefined::Null => Patch::Clear,
        MaybeUndefined::Value(id) => Patch::Set(parse_id(field, &id)?),
    })
}
