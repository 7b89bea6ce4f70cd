//! The `Tenant` type.

use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use entity::tenant;

/// An organisation using clientgraph; all its data is invisible to every other tenant.
pub struct Tenant(pub tenant::Model);

/// An organisation using clientgraph; all its data is invisible to every other tenant.
#[Object]
impl Tenant {
    /// The tenant's id (a UUID, time-ordered).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Short unique name, used to sign in (`login(tenant: …)`).
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// The organisation's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// When the tenant was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
