//! SeaORM entities of clientgraph, one module per table.
//!
//! These are plain data mappings: no GraphQL derives (they would expose `tenant_id`)
//! and no business rules; those live in the server crate's `service/` and `graphql/`.

pub mod tenant;
