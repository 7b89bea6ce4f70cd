//! Building the schema once per process, with its limits, and exporting its SDL.

use std::sync::Arc;

use async_graphql::{Schema, SchemaBuilder};

use crate::config::{Config, Exposure};
use crate::crypto::FieldCipher;
use crate::db::Db;
use crate::events::EventBus;
use crate::graphql::limits::QueryLimits;
use crate::graphql::mutation::MutationRoot;
use crate::graphql::query::QueryRoot;
use crate::graphql::subscription::SubscriptionRoot;
use crate::service::documents::FileSettings;
use crate::service::sessions::Sessions;

/// The executable schema of clientgraph.
pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The schema-level limits, taken from [`Config`].
#[derive(Debug, Clone)]
pub struct SchemaSettings {
    pub max_depth: usize,
    pub limits: QueryLimits,
    /// Who may introspect and who gets suggestions.
    pub introspection: Exposure,
    pub suggestions: Exposure,
}

impl From<&Config> for SchemaSettings {
    fn from(config: &Config) -> Self {
        SchemaSettings {
            max_depth: config.max_depth,
            limits: QueryLimits {
                max_fields: config.max_fields,
                max_aliases: config.max_aliases,
                max_cost: config.max_cost,
            },
            introspection: config.introspection(),
            suggestions: config.suggestions(),
        }
    }
}

fn builder() -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot,
    )
}

/// The two schemas the server executes: one for authenticated callers, one for
/// anonymous ones (which may differ in introspection and suggestions). Cheap to clone.
#[derive(Clone)]
pub struct Schemas {
    pub authenticated: AppSchema,
    pub anonymous: AppSchema,
}

impl Schemas {
    /// The schema for a caller.
    pub fn for_caller(&self, authenticated: bool) -> &AppSchema {
        if authenticated {
            &self.authenticated
        } else {
            &self.anonymous
        }
    }
}

/// What every resolver may reach, process-wide. Per-request data (credentials, tenant
/// scope, DataLoaders) is attached to each request by the HTTP handler (see
/// `context::attach`), never to the schema.
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub sessions: Arc<Sessions>,
    pub cipher: FieldCipher,
    pub links: DownloadLinks,
    pub files: FileSettings,
    /// This instance's view of the event stream (subscriptions).
    pub bus: Arc<EventBus>,
}

/// Both schemas (see [`Schemas`]).
pub fn build_schemas(settings: &SchemaSettings, services: &Services) -> Schemas {
    Schemas {
        authenticated: build_schema(settings, true, services),
        anonymous: build_schema(settings, false, services),
    }
}

/// The schema the server executes for authenticated or anonymous callers.
pub fn build_schema(
    settings: &SchemaSettings,
    authenticated: bool,
    services: &Services,
) -> AppSchema {
    let services = services.clone();
    let mut builder = builder()
        .limit_depth(settings.max_depth)
        .data(services.db)
        .data(services.sessions)
        .data(services.cipher)
        .data(services.links)
        .data(services.files)
        .data(services.bus);
    if !settings.introspection.allows(authenticated) {
        builder = builder.disable_introspection();
    }
    if !settings.suggestions.allows(authenticated) {
        // Suggestions ("Did you mean …") leak field names introspection may hide.
        builder = builder.disable_suggestions();
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
