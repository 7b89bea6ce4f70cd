//! The client aggregate: input rules, code generation, writes and reads.

pub mod bulk;
mod codes;
pub mod export;
pub mod input;
pub mod kinds;
pub mod read;
pub mod write;

/// Most postal addresses of one client (set when it is created).
pub const MAX_ADDRESSES: usize = 20;

pub use input::{AddressInput, ClientPatch};
pub use kinds::{AddressKind, ClientStage, ClientStatus, ClientTier};
pub use write::{Lifecycle, NewClient};
