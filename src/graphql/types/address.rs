//! The `Address` type: a postal address of a client.

use async_graphql::{ID, Object};
use entity::client_address;

use crate::service::clients::AddressKind;

/// A postal address of a client.
pub struct Address(pub client_address::Model);

/// A postal address of a client.
#[Object]
impl Address {
    /// The address's id (a UUID, time-ordered).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// What the address is for.
    async fn kind(&self) -> AddressKind {
        self.0.kind
    }
    /// Street and number, 1-200 characters.
    async fn line1(&self) -> &str {
        &self.0.line1
    }
    /// Building, floor or suite; up to 200 characters.
    async fn line2(&self) -> Option<&str> {
        self.0.line2.as_deref()
    }
    /// 1-100 characters.
    async fn city(&self) -> &str {
        &self.0.city
    }
    /// State, province or region; up to 100 characters.
    async fn state(&self) -> Option<&str> {
        self.0.state.as_deref()
    }
    /// Up to 20 characters.
    async fn postal_code(&self) -> Option<&str> {
        self.0.postal_code.as_deref()
    }
    /// ISO 3166-1 alpha-2.
    async fn country(&self) -> &str {
        &self.0.country
    }
    /// The client's main address (at most one is).
    async fn is_primary(&self) -> bool {
        self.0.is_primary
    }
}
