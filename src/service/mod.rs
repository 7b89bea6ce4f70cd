//! Business rules. Every function takes a [`TenantScope`]: reads are filtered by the
//! scope's tenant and inserts are stamped with it, so resolvers never build queries
//! themselves. Writes run in one [`crate::db::Db::write`] transaction that also records
//! the change ([`change::record`]: audit event + outbox event).

pub mod api_keys;
pub mod audit;
pub mod change;
pub mod clients;
pub mod communications;
pub mod contacts;
pub mod documents;
pub(crate) mod enums;
pub mod feedback;
pub mod insights;
pub mod jobs;
pub mod nested;
pub mod notes;
pub mod page;
pub mod scope;
pub mod search;
pub mod sessions;
pub mod tenants;
pub mod users;
pub mod validate;

pub use scope::{Actor, TenantScope};
