//! `GET /exports/clients?token=…`: streams an export requested with `exportClients`.
//! The signed token fixes tenant, principal, query and format; the principal must
//! still be valid and still hold `clients:export`, with its *current* role deciding
//! which columns it sees.

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::client::signed_link_scope;
use super::response::{ResponseFormat, error_response};
use super::{AppState, ClientMeta};
use crate::auth::{ActorKind, Permission};
use crate::error::AppError;
use crate::service::clients::export::{self, ExportGrant};
use crate::service::clients::read;

#[derive(Deserialize)]
pub struct ExportParams {
    token: Option<String>,
}

fn refusal(err: AppError) -> Response {
    let status = match &err {
        AppError::Internal(cause) => {
            tracing::error!(error = format!("{cause:#}"), "export failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
        AppError::BadUserInput { .. } => StatusCode::BAD_REQUEST,
        _ => StatusCode::FORBIDDEN,
    };
    error_response(
        status,
        ResponseFormat::Json,
        err.code(),
        &err.public_message(),
    )
}

/// Streams the export named by the token.
pub async fn download_clients(
    State(state): State<AppState>,
    ClientMeta(meta): ClientMeta,
    params: Result<Query<ExportParams>, QueryRejection>,
) -> Response {
    let Some(token) = params.ok().and_then(|Query(p)| p.token) else {
        return refusal(AppError::bad_input("token", "the export link has no token"));
    };
    let grant: ExportGrant = match state.signer.verify(export::PURPOSE, &token) {
        Ok(grant) => grant,
        Err(err) => return refusal(err),
    };
    let kind = ActorKind::parse(&grant.actor_kind);
    let Some(actor_id) = grant.actor_id else {
        return refusal(AppError::Forbidden(
            "this link is invalid or has expired".into(),
        ));
    };
    let principal = (grant.tenant_id, kind, actor_id);
    let scope = match signed_link_scope(
        &state,
        principal,
        &meta,
        Permission::ClientsExport,
        "exporting clients",
    )
    .await
    {
        Ok(scope) => scope,
        Err(err) => return refusal(err),
    };
    if let Err(err) = read::check(&state.db, &scope, &grant.query) {
        return refusal(err);
    }
    if let Err(err) = export::audit_download(&state.db, &scope, &grant).await {
        return refusal(err);
    }
    let filename = format!(
        "clients-{}.{}",
        chrono::Utc::now().format("%Y%m%d-%H%M%S"),
        grant.format.extension()
    );
    let content_type = grant.format.content_type();
    let body = Body::from_stream(export::rows(state.db.clone(), scope, grant));
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
