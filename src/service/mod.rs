//! Business rules. Every function takes a [`TenantScope`] and reaches data only through
//! the tenant-bound [`store`]: `db.read(&scope)` for reads, `db.write(&scope, |t| …)` for
//! one write transaction that also records the change (`t.record`: audit event + outbox
//! event). Shared pieces of every aggregate live in [`kernel`]; cross-tenant work goes
//! through `db.system(reason)`.

pub mod api_keys;
pub mod audit;
pub mod change;
pub mod clients;
pub mod communications;
pub mod contacts;
pub mod documents;
pub mod feedback;
pub mod insights;
pub mod jobs;
pub mod kernel;
pub mod nested;
pub mod notes;
pub mod page;
pub mod scope;
pub mod search;
pub mod sessions;
pub mod store;
pub mod tenants;
pub mod users;
pub mod validate;

pub use scope::{Actor, RequestContext, TenantScope};
