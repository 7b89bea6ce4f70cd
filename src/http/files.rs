//! `GET /files/<tenant>/<document>/<version>?by=…&exp=…&sig=…`: streams one version of
//! a document through a signed link from `Document.downloadUrl`.
//!
//! Refusals never tell more than they must: a tampered, expired or revoked link is 403;
//! a document the link's actor can no longer see (deleted, private, another tenant's
//! data) is 404. The stored sha256 is checked as the file streams (see
//! `documents::download::verified`); a file that fails it is not delivered.

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt;
use serde::Deserialize;

use super::client::signed_link_scope;
use super::response::{ResponseFormat, error_response};
use super::{AppState, ClientMeta};
use crate::auth::Permission;
use crate::error::{AppError, code};
use crate::service::documents::content::{ascii_filename, encode_rfc5987};
use crate::service::documents::download::{self, LinkParts, RangeRequest};
use crate::service::documents::read;

/// Bytes read ahead before the response starts: a corrupted file up to this size is
/// refused with a clean error instead of a broken stream.
const READ_AHEAD_BYTES: usize = 1024 * 1024;

#[derive(Deserialize)]
pub struct LinkQuery {
    by: Option<String>,
    exp: Option<String>,
    sig: Option<String>,
}

fn refusal(err: AppError) -> Response {
    let status = match &err {
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Internal(cause) => {
            tracing::error!(error = format!("{cause:#}"), "document download failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
        _ => StatusCode::FORBIDDEN,
    };
    error_response(
        status,
        ResponseFormat::Json,
        err.code(),
        &err.public_message(),
    )
}

fn integrity_failure() -> Response {
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        ResponseFormat::Json,
        code::INTERNAL_SERVER_ERROR,
        &format!("{}; it was not served", download::INTEGRITY_FAILURE),
    )
}

/// Streams the document version named by a signed link.
pub async fn download_document(
    State(state): State<AppState>,
    ClientMeta(meta): ClientMeta,
    Path((tenant, document, version)): Path<(String, String, String)>,
    link: Result<Query<LinkQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let Ok(Query(link)) = link else {
        return refusal(AppError::bad_input("link", "this is not a download link"));
    };
    let parts = LinkParts {
        tenant: &tenant,
        document: &document,
        version: &version,
        by: link.by.as_deref().unwrap_or_default(),
        exp: link.exp.as_deref().unwrap_or_default(),
        sig: link.sig.as_deref().unwrap_or_default(),
    };
    let grant = match download::verify(&state.signer, &parts) {
        Ok(grant) => grant,
        Err(err) => return refusal(err),
    };
    let principal = (grant.tenant_id, grant.actor_kind, grant.actor_id);
    let scope = match signed_link_scope(
        &state,
        principal,
        &meta,
        Permission::DocumentsRead,
        "downloading documents",
    )
    .await
    {
        Ok(scope) => scope,
        Err(err) => return refusal(err),
    };
    let (document, version) =
        match read::version(&state.db, &scope, grant.document_id, grant.version_no).await {
            Ok(found) => found,
            Err(err) => return refusal(err),
        };
    let len = version.size_bytes as u64;
    let range_header = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let range = match download::parse_range(range_header, len) {
        RangeRequest::Whole => None,
        RangeRequest::Part(range) => Some(range),
        RangeRequest::Unsatisfiable => {
            let mut response = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{len}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            return response;
        }
    };
    if let Err(err) = download::audit(&state.db, &scope, &document, &version, range.as_ref()).await
    {
        return refusal(err);
    }
    let source = match state.storage.get(&version.storage_key).await {
        Ok(source) => source,
        Err(err) => {
            tracing::error!(
                document = %document.id,
                version = version.version_no,
                error = format!("{err:#}"),
                "a stored file is missing"
            );
            return integrity_failure();
        }
    };
    let served = range.clone().unwrap_or(0..len);
    let mut stream = download::verified(source, version.sha256.clone(), len, served.clone());

    // Read ahead, so a small corrupted file is refused before the status line is sent.
    let mut ahead: Vec<Bytes> = Vec::new();
    let mut buffered = 0usize;
    let mut ended = false;
    while buffered < READ_AHEAD_BYTES {
        match stream.next().await {
            Some(Ok(chunk)) => {
                buffered += chunk.len();
                ahead.push(chunk);
            }
            Some(Err(_)) => return integrity_failure(),
            None => {
                ended = true;
                break;
            }
        }
    }
    let head = futures_util::stream::iter(ahead.into_iter().map(Ok::<_, std::io::Error>));
    let body = if ended {
        Body::from_stream(head)
    } else {
        Body::from_stream(head.chain(stream))
    };

    let status = if range.is_some() {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let mut response = (status, body).into_response();
    let h = response.headers_mut();
    let mut set = |name, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            h.insert(name, value);
        }
    };
    set(header::CONTENT_TYPE, version.mime_type.clone());
    set(
        header::CONTENT_LENGTH,
        (served.end - served.start).to_string(),
    );
    set(
        header::CONTENT_DISPOSITION,
        format!(
            "attachment; filename=\"{}\"; filename*=UTF-8''{}",
            ascii_filename(&version.original_filename),
            encode_rfc5987(&version.original_filename)
        ),
    );
    set(header::ETAG, format!("\"{}\"", version.sha256));
    if let Some(range) = &range {
        set(
            header::CONTENT_RANGE,
            format!("bytes {}-{}/{len}", range.start, range.end - 1),
        );
    }
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Opened directly in a browser, the file can never run script in our origin.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    response
}
