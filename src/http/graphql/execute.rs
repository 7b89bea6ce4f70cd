//! Running an admitted request: its credential, its cost and bounds, the executor
//! under a time limit with panics caught, and the status and codes of the response.

use std::panic::AssertUnwindSafe;

use async_graphql::{BatchRequest, BatchResponse, ErrorExtensionValues};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;

use super::super::AppState;
use super::super::response::{ResponseFormat, error_response, internal_error, json_response};
use crate::auth::AuthContext;
use crate::error::{AppError, code};
use crate::graphql::limits::{Admitted, MAX_WRITES_PER_REQUEST};
use crate::graphql::model::SchemaModel;
use crate::graphql::selection::Operation;
use crate::graphql::{RequestContext, context, normalize};

/// The request's credential: `Ok(None)` when it carries none, `Err` with the response
/// to send when it carries an invalid one.
pub(super) async fn authenticate(
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

pub(super) fn unauthorized(format: ResponseFormat, code: &str, message: &str) -> Response {
    let mut response = error_response(StatusCode::UNAUTHORIZED, format, code, message);
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

pub(super) async fn execute(
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
            Err(_) => {
                return super::super::response::timed_out(format, state.settings.request_timeout);
            }
        }
    };
    let mut response = match outcome {
        Ok(response) => response,
        Err(panic) => {
            super::super::response::log_panic(panic.as_ref());
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
pub(super) async fn run_admitted(
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
    if let Some(operation) = operation
        && !never_executed(&response)
    {
        normalize::response_data(model, &operation, &response.errors, &mut response.data);
    }
    response
}

/// Whether the request asks for its cost (`"extensions": {"cost": true}`).
pub(super) fn wants_cost(request: &async_graphql::Request) -> bool {
    request.extensions.get("cost") == Some(&async_graphql::Value::Boolean(true))
}

/// Errors raised by our code carry a code already (see [`crate::error`]). The rest come
/// from parsing, validation, argument coercion or the executor's limits: all of them
/// are about the request the client sent.
/// Messages are also capped (see [`super::super::response::cap_message`]): parse and validation
/// errors quote the client's input, which must not come back a hundred kilobytes long.
pub(crate) fn ensure_error_codes(response: &mut async_graphql::Response) {
    for error in &mut response.errors {
        super::super::response::cap_message(&mut error.message);
        let extensions = error
            .extensions
            .get_or_insert_with(ErrorExtensionValues::default);
        if extensions.get("code").is_none() {
            extensions.set("code", code::BAD_USER_INPUT);
        }
    }
}

/// Whether a response is of a request that never reached execution: no data, only
/// errors without a path (parsing, validation, limits).
pub(crate) fn never_executed(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty())
}

/// Under `application/graphql-response+json`, a request that never reached execution
/// (no data, only errors without a path) is a 400.
pub(super) fn request_error_status(
    response: &async_graphql::Response,
    format: ResponseFormat,
) -> StatusCode {
    if format == ResponseFormat::GraphqlResponseJson && never_executed(response) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    }
}
