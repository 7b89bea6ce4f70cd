//! Response formats of the GraphQL endpoint and the error bodies written outside the
//! executor (bad media types, body limits, panics), so every error a client gets has the
//! GraphQL shape and an `extensions.code`.

use std::any::Any;

use axum::http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use axum::response::IntoResponse;
use serde_json::{Value, json};

use crate::error::{INTERNAL_MESSAGE, code};

/// The media type a GraphQL response is written in, per GraphQL over HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseFormat {
    /// `application/graphql-response+json`: request errors are answered 400.
    GraphqlResponseJson,
    /// `application/json` (legacy): every well-formed GraphQL request is answered 200.
    Json,
}

pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
pub const JSON: &str = "application/json";

impl ResponseFormat {
    /// Picks the format from `Accept`; `None` means nothing acceptable (406).
    /// No `Accept` at all is treated as `application/json`, as the spec asks.
    pub fn negotiate(headers: &HeaderMap) -> Option<Self> {
        let Some(accept) = headers.get(header::ACCEPT) else {
            return Some(ResponseFormat::Json);
        };
        let accept = accept.to_str().unwrap_or("").to_ascii_lowercase();
        let ranges: Vec<&str> = accept
            .split(',')
            .map(|range| range.split(';').next().unwrap_or("").trim())
            .collect();
        if ranges.contains(&GRAPHQL_RESPONSE_JSON) {
            Some(ResponseFormat::GraphqlResponseJson)
        } else if ranges
            .iter()
            .any(|r| *r == JSON || *r == "application/*" || *r == "*/*" || r.is_empty())
        {
            Some(ResponseFormat::Json)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ResponseFormat::GraphqlResponseJson => GRAPHQL_RESPONSE_JSON,
            ResponseFormat::Json => JSON,
        }
    }
}

/// `{"errors":[{"message":…,"extensions":{"code":…}}]}`; the message is capped (see
/// [`cap_message`]).
pub fn graphql_error_body(code: &str, message: &str) -> Value {
    let mut message = message.to_owned();
    cap_message(&mut message);
    json!({ "errors": [ { "message": message, "extensions": { "code": code } } ] })
}

/// Longest error message sent, in characters; longer ones are cut (they only grow that
/// long by quoting the request).
pub const MAX_ERROR_MESSAGE_CHARS: usize = 300;

/// Cuts `message` to [`MAX_ERROR_MESSAGE_CHARS`], marking the cut with `…`.
pub fn cap_message(message: &mut String) {
    if let Some((cut, _)) = message.char_indices().nth(MAX_ERROR_MESSAGE_CHARS) {
        message.truncate(cut);
        message.push('…');
    }
}

/// An error answered before (or instead of) execution.
pub fn error_response(
    status: StatusCode,
    format: ResponseFormat,
    code: &str,
    message: &str,
) -> axum::response::Response {
    json_response(status, format, &graphql_error_body(code, message))
}

/// Serialises `body` with the right content type.
pub fn json_response(
    status: StatusCode,
    format: ResponseFormat,
    body: &impl serde::Serialize,
) -> axum::response::Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            )],
            bytes,
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = %err, "failed to serialise a GraphQL response");
            internal_error(format)
        }
    }
}

/// Answers a request that takes longer than the limit with a JSON 408 (a GraphQL
/// error with a code, never an empty body). GraphQL requests are left to their handler,
/// which times queries itself and lets mutations finish (see `graphql`): cancelling a
/// request between two of its write transactions would leave its caller unable to tell
/// what was written.
pub async fn timeout(
    axum::extract::State(limit): axum::extract::State<std::time::Duration>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if request.uri().path() == "/graphql" {
        return next.run(request).await;
    }
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => timed_out(ResponseFormat::Json, limit),
    }
}

/// The 408 of a request stopped at the time limit.
pub fn timed_out(format: ResponseFormat, limit: std::time::Duration) -> axum::response::Response {
    error_response(
        StatusCode::REQUEST_TIMEOUT,
        format,
        code::TIMEOUT,
        &format!(
            "the request took longer than {} s and was stopped (it wrote nothing)",
            limit.as_secs()
        ),
    )
}

/// A generic 500 in GraphQL shape.
pub fn internal_error(format: ResponseFormat) -> axum::response::Response {
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        format,
        code::INTERNAL_SERVER_ERROR,
        INTERNAL_MESSAGE,
    )
}

/// Turns a panic anywhere below the panic layer into a logged, generic 500 instead of a
/// dropped connection. The panic message is logged, never sent.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response<String> {
    log_panic(panic.as_ref());
    let body = graphql_error_body(code::INTERNAL_SERVER_ERROR, INTERNAL_MESSAGE).to_string();
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    response
}

/// Logs a caught panic's message (inside the request's span, so with its request id).
pub fn log_panic(panic: &(dyn Any + Send)) {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_owned());
    tracing::error!(panic = %detail, "request handler panicked");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> Option<ResponseFormat> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        ResponseFormat::negotiate(&headers)
    }

    #[test]
    fn accept_header_picks_the_response_format() {
        assert_eq!(
            ResponseFormat::negotiate(&HeaderMap::new()),
            Some(ResponseFormat::Json)
        );
        assert_eq!(accept("application/json"), Some(ResponseFormat::Json));
        assert_eq!(accept("*/*"), Some(ResponseFormat::Json));
        assert_eq!(
            accept("application/graphql-response+json, application/json;q=0.9"),
            Some(ResponseFormat::GraphqlResponseJson)
        );
        assert_eq!(accept("text/xml"), None);
    }

    #[tokio::test]
    async fn a_panicking_handler_gets_a_generic_500_not_a_dropped_connection() {
        use axum::routing::get;
        use tower::ServiceExt;
        use tower_http::catch_panic::CatchPanicLayer;

        async fn boom() -> &'static str {
            panic!("secret detail at /src/x.rs")
        }
        let router = axum::Router::new()
            .route("/", get(boom))
            .layer(CatchPanicLayer::custom(panic_response));
        let request = axum::http::Request::get("/")
            .body(axum::body::Body::empty())
            .unwrap();
        let response = router.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let bytes = axum::body::to_bytes(response.into_body(), 10_000)
            .await
            .unwrap();
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            code::INTERNAL_SERVER_ERROR
        );
        assert!(!String::from_utf8_lossy(&bytes).contains("secret"));
    }
}
