//! SeaORM entities of clientgraph, one module per table.
//!
//! These are plain data mappings: no GraphQL derives on models (they would expose
//! `tenant_id`) and no business rules; those live in the server crate's `service/` and
//! `graphql/`. The stored enumerations ([`enums`]) are the one exception: each is both
//! a SeaORM active enum and a GraphQL enum, so the database and the API spell it alike.

pub mod api_key;
pub mod audit_event;
pub mod client;
pub mod client_address;
pub mod client_analytics;
pub mod client_communication;
pub mod client_contact;
pub mod client_document;
pub mod client_feedback;
pub mod client_job_assignment;
pub mod client_note;
pub mod client_tag;
pub mod document_version;
pub mod enums;
pub mod event_outbox;
pub mod event_stream;
pub mod job;
pub mod job_application;
pub mod refresh_token;
pub mod revoked_token;
pub mod tenant;
pub mod user;
pub mod webhook;
pub mod webhook_attempt;
pub mod webhook_delivery;
