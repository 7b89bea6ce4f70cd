//! Cross-origin requests from browser apps (CORS): exactly the configured origins, the
//! methods GraphQL over HTTP uses, the headers apps send (credentials, content type,
//! the CSRF preflight headers, Apollo's client and persisted-query headers, request
//! ids), and the response headers they may read (request id, rate limits). Preflights
//! are answered here and cached by browsers for `CLIENTGRAPH_CORS_MAX_AGE_SECS`.

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::Config;

/// Request headers a browser app may send.
const ALLOWED_HEADERS: [&str; 10] = [
    "authorization",
    "content-type",
    "accept",
    "graphql-require-preflight",
    "apollo-require-preflight",
    "x-apollo-operation-name",
    "apollographql-client-name",
    "apollographql-client-version",
    "x-request-id",
    "traceparent",
];

/// Response headers a browser app may read.
const EXPOSED_HEADERS: [&str; 8] = [
    "x-request-id",
    "ratelimit",
    "ratelimit-policy",
    "ratelimit-limit",
    "ratelimit-remaining",
    "ratelimit-reset",
    "retry-after",
    "www-authenticate",
];

/// The allowed origins of the configuration: `None` for any (`*`).
fn origins(config: &Config) -> anyhow::Result<Option<Vec<HeaderValue>>> {
    let listed: Vec<&str> = config
        .cors_origins
        .split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .collect();
    if listed.contains(&"*") {
        anyhow::ensure!(
            !config.cors_allow_credentials,
            "CLIENTGRAPH_CORS_ORIGINS=* cannot be combined with \
             CLIENTGRAPH_CORS_ALLOW_CREDENTIALS: list the origins"
        );
        return Ok(None);
    }
    listed
        .into_iter()
        .map(|origin| {
            let valid = (origin.starts_with("https://") || origin.starts_with("http://"))
                && !origin.trim_end_matches('/').contains(['*', ' '])
                && origin.matches('/').count() == 2;
            anyhow::ensure!(
                valid,
                "CORS origin {origin:?} must be scheme://host[:port], without a path"
            );
            Ok(HeaderValue::from_str(origin)?)
        })
        .collect::<anyhow::Result<Vec<_>>>()
        .map(Some)
}

/// The CORS layer of the configuration (refused at start-up when it is unsafe).
pub fn layer(config: &Config) -> anyhow::Result<CorsLayer> {
    let allow_origin = match origins(config)? {
        None => AllowOrigin::any(),
        Some(list) => AllowOrigin::list(list),
    };
    Ok(CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers(ALLOWED_HEADERS.map(HeaderName::from_static))
        .expose_headers(EXPOSED_HEADERS.map(HeaderName::from_static))
        .allow_credentials(config.cors_allow_credentials)
        .max_age(Duration::from_secs(config.cors_max_age_secs))
        .vary([header::ORIGIN]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_or_malformed_origins_are_refused_at_start_up() {
        let mut config = Config::with_database("sqlite::memory:");
        config.cors_origins = "*".into();
        config.cors_allow_credentials = true;
        assert!(layer(&config).is_err());
        config.cors_allow_credentials = false;
        assert!(layer(&config).is_ok());
        config.cors_origins = "https://app.example.com/path".into();
        assert!(layer(&config).is_err());
        config.cors_origins = "https://*.example.com".into();
        assert!(layer(&config).is_err());
        config.cors_origins = "https://app.example.com, http://localhost:5173".into();
        assert!(layer(&config).is_ok());
    }
}
