//! The client aggregate: input rules, code generation, writes and reads.

pub mod bulk;
pub mod code;
mod codes;
pub mod export;
pub mod input;
pub mod kinds;
pub mod read;
pub mod write;

pub use input::{AddressInput, ClientPatch, Patch};
pub use kinds::{AddressKind, ClientStage, ClientStatus, ClientTier};
pub use write::{Lifecycle, NewClient};
