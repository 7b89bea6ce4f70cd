//! The GraphQL endpoint, following GraphQL over HTTP:
//! - `POST /graphql` with `application/json` runs any operation (batches bounded);
//! - `GET /graphql?query=…` runs queries only (mutations → 405 with `Allow: POST`),
//!   and without a query a browser gets GraphiQL;
//! - POSTs a browser form could send cross-site (`text/plain`, urlencoded, multipart or
//!   no `Content-Type`) are refused unless they carry a preflight header (CSRF);
//! - the body is read under a size limit (413 PAYLOAD_TOO_LARGE);
//! - `multipart/form-data` bodies are GraphQL multipart requests (file uploads), read
//!   under their own limits (see `multipart`);
//! - every error leaves with an `extensions.code`; a panic while executing becomes a
//!   generic INTERNAL_SERVER_ERROR response, never a dropped connection.

use std::panic::AssertUnwindSafe;

use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{BatchRequest, BatchResponse, ErrorExtensionValues};
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use serde::Deserialize;

use super::graphiql;
use super::multipart::{self, MultipartError};
use super::response::{ResponseFormat, error_response, internal_error, json_response};
use super::{AppState, ClientMeta, HttpSettings};
use crate::auth::AuthContext;
use crate::error::{AppError, code};
use crate::graphql::limits::{Admitted, MAX_WRITES_PER_REQUEST};
use crate::graphql::model::SchemaModel;
use crate::graphql::selection::Operation;
use crate::graphql::{RequestContext, context, normalize};

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
    headers: HeaderMap,
    uri: Uri,
) -> Response {
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

/// The request's credential: `Ok(None)` when it carries none, `Err` with the response
/// to send when it carries an invalid one.
async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    format: ResponseFormat,
) -> Result<Option<AuthContext>, Response> {
    // An invalid credential fails the whole request: acting as anonymous instead would
    // hide the client's mistake behind confusing field errors.
    match state
        .authenticator
        .authenticate(headers.get(header::AUTHORIZATION))
        .await
    {
        Ok(auth) => Ok(auth),
        Err(AppError::Internal(cause)) => {
            tracing::error!(
                error = format!("{cause:#}"),
                "authentication failed internally"
            );
            Err(internal_error(format))
        }
        Err(err) => Err(unauthorized(format, err.code(), &err.public_message())),
    }
}

fn unauthorized(format: ResponseFormat, code: &str, message: &str) -> Response {
    let mut response = error_response(StatusCode::UNAUTHORIZED, format, code, message);
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

async fn execute(
    state: &AppState,
    auth: Option<AuthContext>,
    batch: BatchRequest,
    meta: RequestContext,
    format: ResponseFormat,
) -> Response {
    if let Some(auth) = &auth {
        tracing::Span::current().record("tenant_id", tracing::field::display(auth.tenant_id));
    }
    let (requests, batched) = match batch {
        BatchRequest::Single(request) => (vec![request], false),
        BatchRequest::Batch(requests) => (requests, true),
    };
    // Every operation of a batch is admitted before any runs: the sign-in rule counts
    // the whole request.
    let model = SchemaModel::shared();
    let authenticated = auth.is_some();
    let introspection = state.settings.introspection.allows(authenticated);
    let schema = state.schemas.for_caller(authenticated);
    let admitted: Vec<_> = requests
        .into_iter()
        .map(|request| {
            let (mut request, hub) =
                context::attach_driven(request, &state.db, &meta, auth.as_ref());
            let wants_cost = wants_cost(&request);
            let admitted = state
                .settings
                .limits
                .admit(model, &mut request, introspection);
            (request, admitted.map(|a| (a, hub)), wants_cost)
        })
        .collect();
    let sign_ins: usize = admitted
        .iter()
        .filter_map(|(_, admitted, _)| admitted.as_ref().ok())
        .map(|(a, _)| a.sign_ins)
        .sum();
    let writes: usize = admitted
        .iter()
        .filter_map(|(_, admitted, _)| admitted.as_ref().ok())
        .map(|(a, _)| a.writes)
        .sum();
    if writes > MAX_WRITES_PER_REQUEST {
        return error_response(
            StatusCode::BAD_REQUEST,
            format,
            code::BAD_USER_INPUT,
            &format!(
                "a request may run at most {MAX_WRITES_PER_REQUEST} mutation fields (aliases \
                 and batches included); it has {writes}"
            ),
        );
    }
    if sign_ins > 1 {
        return error_response(
            StatusCode::BAD_REQUEST,
            format,
            code::BAD_USER_INPUT,
            "a request may hold one `login` or `refreshToken` (aliases and batches \
             included); send each sign-in on its own",
        );
    }
    let max_cost = state.settings.limits.max_cost;
    let work = async {
        let mut responses = Vec::with_capacity(admitted.len());
        for (request, admitted, wants_cost) in admitted {
            let response = match admitted {
                Ok((admitted, hub)) => {
                    let mut response = run_admitted(schema, model, request, &admitted, hub).await;
                    if wants_cost {
                        response.extensions.insert(
                            "cost".to_owned(),
                            async_graphql::value!({ "estimated": admitted.cost, "limit": max_cost }),
                        );
                    }
                    response
                }
                Err(error) => async_graphql::Response::from_errors(vec![error]),
            };
            responses.push(response);
        }
        if batched {
            BatchResponse::Batch(responses)
        } else {
            BatchResponse::Single(responses.pop().unwrap_or_default())
        }
    };
    // Queries stop at the time limit (nothing to undo). Mutations run to the end: each
    // write transaction is bounded by the write budget and their number by
    // MAX_WRITES_PER_REQUEST, and stopping between two of them would leave the caller
    // unable to tell what was written.
    let guarded = AssertUnwindSafe(work).catch_unwind();
    let outcome = if writes > 0 {
        guarded.await
    } else {
        match tokio::time::timeout(state.settings.request_timeout, guarded).await {
            Ok(outcome) => outcome,
            Err(_) => return super::response::timed_out(format, state.settings.request_timeout),
        }
    };
    let mut response = match outcome {
        Ok(response) => response,
        Err(panic) => {
            super::response::log_panic(panic.as_ref());
            return internal_error(format);
        }
    };
    let status = match &mut response {
        BatchResponse::Single(single) => {
            ensure_error_codes(single);
            request_error_status(single, format)
        }
        BatchResponse::Batch(all) => {
            all.iter_mut().for_each(ensure_error_codes);
            StatusCode::OK
        }
    };
    json_response(status, format, &response).into_response()
}

/// Executes an admitted request and puts its data into the shape the spec wants (see
/// `graphql::normalize`).
async fn run_admitted(
    schema: &crate::graphql::AppSchema,
    model: &SchemaModel,
    request: async_graphql::Request,
    admitted: &Admitted,
    hub: std::sync::Arc<crate::graphql::batch::Hub>,
) -> async_graphql::Response {
    let operation = Operation::select(
        &admitted.document,
        request.operation_name.as_deref(),
        &request.variables,
    );
    let mut response = crate::graphql::batch::Driven::new(schema.execute(request), hub).await;
    let never_ran = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    if let Some(operation) = operation
        && !never_ran
    {
        normalize::response_data(model, &operation, &response.errors, &mut response.data);
    }
    response
}

/// Whether the request asks for its cost (`"extensions": {"cost": true}`).
fn wants_cost(request: &async_graphql::Request) -> bool {
    request.extensions.get("cost") == Some(&async_graphql::Value::Boolean(true))
}

/// Errors raised by our code carry a code already (see [`crate::error`]). The rest come
/// from parsing, validation, argument coercion or the executor's limits: all of them
/// are about the request the client sent.
/// Messages are also capped (see [`super::response::cap_message`]): parse and validation
/// errors quote the client's input, which must not come back a hundred kilobytes long.
fn ensure_error_codes(response: &mut async_graphql::Response) {
    for error in &mut response.errors {
        super::response::cap_message(&mut error.message);
        let extensions = error
            .extensions
            .get_or_insert_with(ErrorExtensionValues::default);
        if extensions.get("code").is_none() {
            extensions.set("code", code::BAD_USER_INPUT);
        }
    }
}

/// Under `application/graphql-response+json`, a request that never reached execution
/// (no data, only errors without a path) is a 400.
fn request_error_status(response: &async_graphql::Response, format: ResponseFormat) -> StatusCode {
    let not_executed = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    if format == ResponseFormat::GraphqlResponseJson && not_executed {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_queries_pass_the_get_check() {
        assert!(is_query_operation("{ a }", None));
        assert!(is_query_operation("query Q { a }", None));
        assert!(!is_query_operation("mutation { a }", None));
        assert!(!is_query_operation("subscription { a }", None));
        assert!(!is_query_operation(
            "query A { a } mutation B { b }",
            Some("B")
        ));
        assert!(is_query_operation(
            "query A { a } mutation B { b }",
            Some("A")
        ));
        assert!(is_query_operation("not graphql", None));
    }
}
