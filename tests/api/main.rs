//! End-to-end tests: each test starts the real application on 127.0.0.1:0 with a fresh
//! database (SQLite by default; PostgreSQL when `TEST_DATABASE_URL` is set) and talks
//! HTTP to it. One test binary with modules keeps link time down.

mod helpers;

mod architecture;
mod auth_tokens;
mod browsers;
mod cli;
mod clients;
mod communications;
mod contacts;
mod database;
mod documents;
mod events;
mod feedback;
mod graphiql;
mod graphql_http;
mod hardening;
mod insights;
mod jobs;
mod limits_and_errors;
mod nested_view;
mod notes;
mod operations;
mod permissions;
mod sessions;
mod stored_input;
mod tenancy;
mod tenant_keys;
mod users_admin;
mod ws;
