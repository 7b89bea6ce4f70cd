//! The HTTP surface: routes, middleware order, and the state every handler shares.
//!
//! Middleware, outermost first: request id → sensitive headers → CORS → trace span →
//! panic catcher → timeout (JSON 408; GraphQL requests time themselves, see `graphql`)
//! → compression. The request id is outermost so every log line of a request, even one
//! written by a panicking handler, carries it.

use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::auth::Authenticator;
use crate::auth::signed::UrlSigner;
use crate::config::Config;
use crate::config::Exposure;
use crate::db::Db;
use crate::graphql::Schemas;
pub use client::ClientMeta;

pub mod client;
mod cors;
mod exports;
mod files;
mod graphiql;
mod graphql;
mod health;
mod multipart;
pub mod request_id;
mod response;
pub mod serve;
pub mod ws;

pub use response::graphql_error_body;

/// HTTP-level settings of the GraphQL endpoint, taken from [`Config`].
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub body_limit_bytes: usize,
    pub max_batch: usize,
    pub csrf_prevention: bool,
    pub graphiql: bool,
    /// Limits of multipart (file upload) requests.
    pub uploads: multipart::UploadLimits,
    /// Who may introspect the schema.
    pub introspection: Exposure,
    /// How long a query may run before it is answered 408.
    pub request_timeout: std::time::Duration,
    /// Proxies whose forwarding headers name the client's address.
    pub trusted_proxies: Vec<client::IpNet>,
    /// Field, alias and introspection limits, checked on each parsed document before
    /// it executes (see `graphql::limits`).
    pub limits: crate::graphql::QueryLimits,
}

impl From<&Config> for HttpSettings {
    fn from(config: &Config) -> Self {
        HttpSettings {
            body_limit_bytes: config.body_limit_bytes,
            max_batch: config.max_batch,
            csrf_prevention: config.csrf_prevention,
            graphiql: config.graphiql,
            uploads: multipart::UploadLimits {
                max_file_bytes: config.upload_max_file_bytes,
                max_files: config.upload_max_files.max(1),
                max_body_bytes: config.upload_max_body_bytes,
                max_json_bytes: config.body_limit_bytes as u64,
            },
            introspection: config.introspection(),
            request_timeout: config.request_timeout(),
            trusted_proxies: config.trusted_proxies.0.clone(),
            limits: crate::graphql::SchemaSettings::from(config).limits,
        }
    }
}

/// What every handler may use. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The schemas for authenticated and anonymous callers.
    pub schemas: Schemas,
    pub authenticator: Authenticator,
    pub signer: UrlSigner,
    pub db: Db,
    /// The document file store.
    pub storage: crate::storage::Storage,
    pub settings: Arc<HttpSettings>,
    /// This instance's view of the event stream (revocations reach open sockets).
    pub bus: Arc<crate::events::EventBus>,
    /// The open WebSocket connections.
    pub sockets: ws::Sockets,
}

/// The complete router of the server (refused when the CORS settings are unsafe).
pub fn router(state: AppState, config: &Config) -> anyhow::Result<Router> {
    let cors = cors::layer(config)?;
    Ok(Router::new()
        .route(
            "/graphql",
            get(graphql::get_graphql).post(graphql::post_graphql),
        )
        .route("/graphiql/{file}", get(graphiql::asset))
        .route("/exports/clients", get(exports::download_clients))
        .route(
            "/files/{tenant}/{document}/{version}",
            get(files::download_document),
        )
        .route("/health", get(health::health))
        .route("/ready", get(health::ready))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .layer(
            CompressionLayer::new().compress_when(DefaultPredicate::new().and(
                // Files are sent as stored (exact Content-Length, byte ranges, sha256).
                |_: StatusCode,
                 _: axum::http::Version,
                 headers: &axum::http::HeaderMap,
                 _: &axum::http::Extensions| {
                    !headers.contains_key(header::CONTENT_DISPOSITION)
                },
            )),
        )
        .layer(axum::middleware::from_fn_with_state(
            config.request_timeout(),
            response::timeout,
        ))
        .layer(CatchPanicLayer::custom(response::panic_response))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_id::make_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(cors)
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
        ]))
        .layer(axum::middleware::from_fn(request_id::assign_request_id)))
}

async fn not_found() -> Response {
    response::error_response(
        StatusCode::NOT_FOUND,
        response::ResponseFormat::Json,
        crate::error::code::NOT_FOUND,
        "no such route",
    )
}

async fn method_not_allowed() -> Response {
    response::error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        response::ResponseFormat::Json,
        crate::error::code::BAD_USER_INPUT,
        "this route does not answer that method",
    )
}
