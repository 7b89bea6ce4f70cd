//! Building the schema once per process, with its limits, and exporting its SDL.

use async_graphql::{EmptyMutation, EmptySubscription, Schema, SchemaBuilder};

use crate::config::Config;
use crate::db::Db;
use crate::graphql::limits::QueryLimits;
use crate::graphql::query::QueryRoot;

/// The executable schema of clientgraph.
pub type AppSchema = Schema<QueryRoot, EmptyMutation, EmptySubscription>;

/// The schema-level limits, taken from [`Config`].
#[derive(Debug, Clone)]
pub struct SchemaSettings {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub limits: QueryLimits,
}

impl From<&Config> for SchemaSettings {
    fn from(config: &Config) -> Self {
        SchemaSettings {
            max_depth: config.max_depth,
            max_complexity: config.max_complexity,
            limits: QueryLimits {
                max_fields: config.max_fields,
                max_aliases: config.max_aliases,
                introspection: config.introspection,
            },
        }
    }
}

fn builder() -> SchemaBuilder<QueryRoot, EmptyMutation, EmptySubscription> {
    Schema::build(QueryRoot::default(), EmptyMutation, EmptySubscription)
}

/// The schema the server executes. `db` is process-wide; per-request data is attached
/// to each request by the HTTP handler.
pub fn build_schema(settings: &SchemaSettings, db: Db) -> AppSchema {
    let mut builder = builder()
        .limit_depth(settings.max_depth)
        .limit_complexity(settings.max_complexity)
        .extension(settings.limits.clone())
        .data(db);
    if !settings.limits.introspection {
        // Suggestions ("Did you mean …") would leak field names introspection hides.
        builder = builder.disable_introspection().disable_suggestions();
    }
    builder.finish()
}

/// The SDL of the schema, as committed in `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
