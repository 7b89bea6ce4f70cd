//! The GraphQL endpoint, following GraphQL over HTTP:
//! - `POST /graphql` with `application/json` runs any operation (batches bounded);
//! - `GET /graphql?query=…` runs queries only (mutations → 405 with `Allow: POST`),
//!   and without a query a browser gets GraphiQL;
//! - `GET /graphql` with `Upgrade: websocket` speaks `graphql-transport-ws` (see `ws`);
//! - POSTs a browser form could send cross-site (`text/plain`, urlencoded, multipart or
//!   no `Content-Type`) are refused unless they carry a preflight header (CSRF);
//! - the body is read under a size limit (413 PAYLOAD_TOO_LARGE);
//! - `multipart/form-data` bodies are GraphQL multipart requests (file uploads), read
//!   under their own limits (see `multipart`);
//! - every error leaves with an `extensions.code`; a panic while executing becomes a
//!   generic INTERNAL_SERVER_ERROR response, never a dropped connection.

mod execute;

use execute::{authenticate, execute, unauthorized};
pub(crate) use execute::{ensure_error_codes, never_executed};

use async_graphql::BatchRequest;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use serde::Deserialize;

use super::graphiql;
use super::multipart::{self, MultipartError};
use super::response::{ResponseFormat, error_response, internal_error};
use super::{AppState, ClientMeta, HttpSettings};
use crate::error::code;

/// Headers that a cross-site HTML form cannot set; any one of them proves the request
/// went through a CORS preflight (or came from a non-browser client).
const PREFLIGHT_HEADERS: [&str; 3] = [
    "graphql-require-preflight",
    "apollo-require-preflight",
    "x-apollo-operation-name",
];

/// What the request body claims to be.
enum BodyKind {
    Json,
    /// A GraphQL multipart request (uploads); a browser can send one cross-site too.
    Multipart,
    /// A type an HTML form or `fetch` without preflight can send cross-site.
    BrowserSimple,
    Other,
}

fn body_kind(headers: &HeaderMap) -> BodyKind {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return BodyKind::BrowserSimple;
    };
    let essence = value
        .to_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/json" => BodyKind::Json,
        "multipart/form-data" => BodyKind::Multipart,
        "" | "text/plain" | "application/x-www-form-urlencoded" => BodyKind::BrowserSimple,
        _ => BodyKind::Other,
    }
}

fn has_preflight_header(headers: &HeaderMap) -> bool {
    PREFLIGHT_HEADERS
        .iter()
        .any(|name| headers.get(*name).is_some_and(|v| !v.as_bytes().is_empty()))
}

fn not_acceptable() -> Response {
    error_response(
        StatusCode::NOT_ACCEPTABLE,
        ResponseFormat::Json,
        code::BAD_USER_INPUT,
        "Accept must allow application/graphql-response+json or application/json",
    )
}

/// `POST /graphql`.
pub async fn post_graphql(
    State(state): State<AppState>,
    ClientMeta(context): ClientMeta,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(format) = ResponseFormat::negotiate(&headers) else {
        return not_acceptable();
    };
    let settings = &state.settings;
    let kind = body_kind(&headers);
    match kind {
        BodyKind::Json => {}
        BodyKind::BrowserSimple | BodyKind::Multipart
            if settings.csrf_prevention && !has_preflight_header(&headers) =>
        {
            return error_response(
                StatusCode::BAD_REQUEST,
                format,
                code::BAD_USER_INPUT,
                "refused as a possible cross-site request forgery: send Content-Type: \
                 application/json (or a GraphQL-Require-Preflight header)",
            );
        }
        BodyKind::Multipart => {}
        BodyKind::BrowserSimple if !settings.csrf_prevention => {}
        BodyKind::BrowserSimple | BodyKind::Other => {
            return error_response(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format,
                code::BAD_USER_INPUT,
                "Content-Type must be application/json",
            );
        }
    }

    let auth = match authenticate(&state, &headers, format).await {
        Ok(auth) => auth,
        Err(response) => return response,
    };
    if matches!(kind, BodyKind::Multipart) {
        // Files are only read for a caller who may upload at all: an anonymous request
        // is refused before its body is looked at.
        if auth.is_none() {
            return unauthorized(
                format,
                code::UNAUTHENTICATED,
                "uploads need a credential (Authorization: Bearer …)",
            );
        }
        let boundary = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(multipart::boundary);
        let Some(boundary) = boundary else {
            return error_response(
                StatusCode::BAD_REQUEST,
                format,
                code::BAD_USER_INPUT,
                "a multipart/form-data body needs a boundary in its Content-Type",
            );
        };
        return match multipart::receive(body, boundary, settings.uploads).await {
            Ok(batch) => match check_batch(settings, &batch) {
                Some(message) => error_response(
                    StatusCode::BAD_REQUEST,
                    format,
                    code::BAD_USER_INPUT,
                    &message,
                ),
                None => execute(&state, auth, batch, context, format).await,
            },
            Err(MultipartError::TooLarge(message)) => error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                format,
                code::PAYLOAD_TOO_LARGE,
                &message,
            ),
            Err(MultipartError::Invalid(message)) => error_response(
                StatusCode::BAD_REQUEST,
                format,
                code::BAD_USER_INPUT,
                &message,
            ),
            Err(MultipartError::Internal(err)) => {
                tracing::error!(error = %err, "spooling an upload failed");
                internal_error(format)
            }
        };
    }

    let limit = settings.body_limit_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || {
        error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            format,
            code::PAYLOAD_TOO_LARGE,
            &format!("request body exceeds the limit of {limit} bytes"),
        )
    };
    if declared.is_some_and(|len| len > limit as u64) {
        return too_large();
    }
    // Reading stops at the limit, so a body without Content-Length cannot exhaust memory.
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return too_large();
    };

    let batch: BatchRequest = match serde_json::from_slice(&bytes) {
        Ok(batch) => batch,
        Err(err) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                format,
                code::BAD_USER_INPUT,
                &format!("body is not a GraphQL request: {err}"),
            );
        }
    };
    if let Some(message) = check_batch(settings, &batch) {
        return error_response(
            StatusCode::BAD_REQUEST,
            format,
            code::BAD_USER_INPUT,
            &message,
        );
    }
    execute(&state, auth, batch, context, format).await
}

/// Why a batch is refused (batching off, or too many or no operations), if it is.
fn check_batch(settings: &HttpSettings, batch: &BatchRequest) -> Option<String> {
    let BatchRequest::Batch(requests) = batch else {
        return None;
    };
    if settings.max_batch == 0 {
        Some("batched requests are disabled on this server".to_owned())
    } else if requests.is_empty() || requests.len() > settings.max_batch {
        Some(format!(
            "a batch must hold between 1 and {} operations",
            settings.max_batch
        ))
    } else {
        None
    }
}

/// The query-string parameters of a GraphQL GET request (GraphQL over HTTP spells the
/// operation `operationName`; async-graphql's own parser only knows `operation_name`).
#[derive(Debug, Deserialize)]
struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName", alias = "operation_name")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

impl GetParams {
    fn into_request(self) -> Result<Option<async_graphql::Request>, String> {
        let Some(query) = self.query else {
            return Ok(None);
        };
        let mut request = async_graphql::Request::new(query);
        if let Some(name) = self.operation_name.filter(|n| !n.is_empty()) {
            request = request.operation_name(name);
        }
        if let Some(variables) = self.variables.filter(|v| !v.is_empty()) {
            let json = serde_json::from_str(&variables)
                .map_err(|err| format!("`variables` is not JSON: {err}"))?;
            request = request.variables(async_graphql::Variables::from_json(json));
        }
        if let Some(extensions) = self.extensions.filter(|v| !v.is_empty()) {
            request.extensions = serde_json::from_str(&extensions)
                .map_err(|err| format!("`extensions` is not a JSON object: {err}"))?;
        }
        Ok(Some(request))
    }
}

/// `GET /graphql`: GraphiQL for browsers, queries for everyone else.
pub async fn get_graphql(
    State(state): State<AppState>,
    ClientMeta(context): ClientMeta,
    request: axum::extract::Request,
) -> Response {
    let (mut parts, _) = request.into_parts();
    if super::ws::is_upgrade(&parts.headers) {
        use axum::extract::FromRequestParts;
        use axum::response::IntoResponse;
        return match axum::extract::ws::WebSocketUpgrade::from_request_parts(&mut parts, &state)
            .await
        {
            Ok(upgrade) => super::ws::upgrade(upgrade, state, context, &parts.headers),
            Err(rejection) => rejection.into_response(),
        };
    }
    let (headers, uri) = (parts.headers, parts.uri);
    let parsed = Query::<GetParams>::try_from_uri(&uri)
        .map_err(|err| format!("invalid GraphQL GET request: {}", err.body_text()))
        .and_then(|Query(params)| params.into_request());
    let request = match parsed {
        Ok(Some(request)) => Ok(request),
        Ok(None) if state.settings.graphiql && wants_html(&headers) => return graphiql::page(),
        Ok(None) => Err("missing the `query` parameter".to_owned()),
        Err(message) => Err(message),
    };
    let Some(format) = ResponseFormat::negotiate(&headers) else {
        return not_acceptable();
    };
    let request = match request {
        Ok(request) => request,
        Err(message) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                format,
                code::BAD_USER_INPUT,
                &message,
            );
        }
    };
    if !is_query_operation(&request.query, request.operation_name.as_deref()) {
        let mut response = error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            format,
            code::BAD_USER_INPUT,
            "only queries may be sent with GET; send mutations and subscriptions with POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let auth = match authenticate(&state, &headers, format).await {
        Ok(auth) => auth,
        Err(response) => return response,
    };
    execute(&state, auth, BatchRequest::Single(request), context, format).await
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// False when the selected operation is a mutation or subscription. A document that does
/// not parse, or names no operation clearly, counts as a query: the executor then
/// reports the precise error.
fn is_query_operation(query: &str, operation_name: Option<&str>) -> bool {
    let Ok(document) = async_graphql::parser::parse_query(query) else {
        return true;
    };
    let ty = match (&document.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops
            .iter()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, op)| op.node.ty),
        (DocumentOperations::Multiple(_), None) => None,
    };
    !matches!(
        ty,
        Some(OperationType::Mutation | OperationType::Subscription)
    )
}

#[cfg(test)]
mod tests;
