//! clientgraph: a multi-tenant GraphQL API server for client (customer) management.
//!
//! The binary (`src/main.rs`) only parses the command line; everything it runs lives
//! here so integration tests can start the very same application on port 0.

pub mod auth;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod error;
pub mod events;
pub mod graphql;
pub mod healthcheck;
pub mod http;
pub mod service;
pub mod startup;
pub mod storage;
pub mod telemetry;

pub use config::Config;
pub use error::AppError;
pub use startup::Application;
