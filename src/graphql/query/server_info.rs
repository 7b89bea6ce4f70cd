//! `serverInfo`: what this server is and which database it runs on. Public (no
//! credential needed), so clients and health dashboards can check compatibility.

use async_graphql::{Context, Object, Result};

use crate::auth::AuthContext;
use crate::db::Db;

#[derive(Default)]
pub struct ServerInfoQuery;

#[Object]
impl ServerInfoQuery {
    /// Facts about this server: version and database backend.
    async fn server_info(&self) -> ServerInfo {
        ServerInfo
    }
}

pub struct ServerInfo;

/// Facts about the running clientgraph server.
#[Object]
impl ServerInfo {
    /// The server's version (semantic versioning); null for anonymous callers (a
    /// version tells an attacker which known bugs to try).
    async fn version(&self, ctx: &Context<'_>) -> Option<&'static str> {
        ctx.data_opt::<AuthContext>()
            .map(|_| env!("CARGO_PKG_VERSION"))
    }

    /// The database backend in use: `sqlite` or `postgres`.
    async fn database(&self, ctx: &Context<'_>) -> Result<&'static str> {
        Ok(ctx.data::<Db>()?.backend_name())
    }

    /// The newest applied database migration, so operators can tell schema versions apart.
    async fn schema_version(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(ctx.data::<Db>()?.schema_version().await?)
    }
}
