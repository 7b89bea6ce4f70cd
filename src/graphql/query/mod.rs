//! The query root, merged from one object per area so each area owns its file.

use async_graphql::MergedObject;

mod server_info;

pub use server_info::ServerInfo;

/// Every query of clientgraph.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(server_info::ServerInfoQuery);
