//! Building the schema once per process, with its limits, and exporting its SDL.

use std::sync::Arc;

use async_graphql::{EmptySubscription, Schema, SchemaBuilder};

use crate::config::Config;
use crate::crypto::FieldCipher;
use crate::db::Db;
use crate::graphql::limits::QueryLimits;
use crate::graphql::mutation::MutationRoot;
use crate::graphql::query::QueryRoot;
use crate::service::documents::FileSettings;
use crate::service::sessions::Sessions;

/// The executable schema of clientgraph.
pub type AppSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// The schema-level limits, taken from [`Config`].
#[derive(Debug, Clone)]
pub struct SchemaSettings {
    pub max_depth: usize,
    pub limits: QueryLimits,
}

impl From<&Config> for SchemaSettings {
    fn from(config: &Config) -> Self {
        SchemaSettings {
            max_depth: config.max_depth,
            limits: QueryLimits {
                max_fields: config.max_fields,
                max_aliases: config.max_aliases,
                introspection: config.introspection,
                max_cost: config.max_cost,
            },
        }
    }
}

fn builder() -> SchemaBuilder<QueryRoot, MutationRoot, EmptySubscription> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
}

/// The schema the server executes. `db` and `sessions` are process-wide; per-request
/// data (credentials, tenant scope, DataLoaders) is attached to each request by the
/// HTTP handler (see `context::attach`), never to the schema.
pub fn build_schema(
    settings: &SchemaSettings,
    db: Db,
    sessions: Arc<Sessions>,
    cipher: FieldCipher,
    links: DownloadLinks,
    files: FileSettings,
) -> AppSchema {
    let mut builder = builder()
        .limit_depth(settings.max_depth)
        .data(db)
        .data(sessions)
        .data(cipher)
        .data(links)
        .data(files);
    if !settings.limits.introspection {
        // Suggestions ("Did you mean …") would leak field names introspection hides.
        builder = builder.disable_introspection().disable_suggestions();
    }
    builder.finish()
}

/// Signs short-lived download links (exports, document files).
#[derive(Clone)]
pub struct DownloadLinks {
    pub signer: crate::auth::signed::UrlSigner,
    pub ttl: chrono::Duration,
}

/// The SDL of the schema, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
