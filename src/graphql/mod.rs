//! The GraphQL schema: roots, request limits, and the per-request context.
//!
//! Resolvers stay thin: they read the context, call a service, and wrap the result in a
//! GraphQL type. Per-request data (request metadata now, credentials and DataLoaders
//! later) is attached by the HTTP handler, never cached on the schema.

pub mod context;
pub mod limits;
pub mod query;
mod schema;

pub use context::RequestContext;
pub use schema::{AppSchema, SchemaSettings, build_schema, sdl};
