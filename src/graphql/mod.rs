//! The GraphQL schema: roots, request limits, and the per-request context.
//!
//! Resolvers stay thin: they read the context, call a service, and wrap the result in a
//! GraphQL type. Per-request data (request metadata now, credentials and DataLoaders
//! later) is attached by the HTTP handler, never cached on the schema.

pub mod batch;
pub mod connection;
pub mod context;
pub mod cost;
pub mod guards;
pub mod inputs;
pub mod limits;
pub mod loaders;
pub mod model;
pub mod mutation;
pub mod normalize;
pub mod query;
mod schema;
pub mod selection;
pub mod subscription;
pub mod types;

pub use context::RequestContext;
pub use limits::QueryLimits;
pub use schema::{
    AppSchema, DownloadLinks, SchemaSettings, Schemas, Services, build_schema, build_schemas, sdl,
};
