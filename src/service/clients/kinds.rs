//! The enumerations of the client domain. Stored as their GraphQL names
//! (`ACTIVE`, `MID_MARKET`, …), so the database reads like the API.

pub use entity::enums::{AddressKind, ClientStage, ClientStatus, ClientTier};
