//! Database migrations, one module per change, each with `up` and `down`, written with
//! sea-query so the same code targets SQLite (embedded default) and PostgreSQL.
//!
//! Invariants for every migration added here: `tenant_id` is the first column of every
//! index on a tenant-owned table; `down` undoes exactly what `up` did.

pub use sea_orm_migration::prelude::*;
pub use sea_orm_migration::{MigrationStatus, seaql_migrations};

mod m20261122_000001_create_tenants;
mod m20261122_000002_create_identity;
mod m20261122_000003_create_clients;
mod m20261122_000004_create_contacts;
mod m20261122_000005_create_notes_communications;
mod m20261122_000006_create_jobs;
mod m20261122_000007_create_feedback;
mod m20261122_000008_create_client_analytics;
mod m20261123_000009_create_documents;
mod m20261202_000010_tenant_keys;
mod m20261202_000011_events;

/// The ordered list of migrations of clientgraph.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_tenants::Migration),
            Box::new(m20261122_000002_create_identity::Migration),
            Box::new(m20261122_000003_create_clients::Migration),
            Box::new(m20261122_000004_create_contacts::Migration),
            Box::new(m20261122_000005_create_notes_communications::Migration),
            Box::new(m20261122_000006_create_jobs::Migration),
            Box::new(m20261122_000007_create_feedback::Migration),
            Box::new(m20261122_000008_create_client_analytics::Migration),
            Box::new(m20261123_000009_create_documents::Migration),
            Box::new(m20261202_000010_tenant_keys::Migration),
            Box::new(m20261202_000011_events::Migration),
        ]
    }
}
