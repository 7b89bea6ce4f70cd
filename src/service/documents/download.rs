//! Downloading a document's file: signed, short-lived links, the `Range` a request asks
//! for, and a byte stream that checks the stored sha256 as it goes.
//!
//! A link is `/files/<tenant>/<document>/<version>?by=<actor>&exp=<unix>&sig=<hmac>`:
//! the HMAC covers tenant, document, version, actor and expiry, so changing any of them
//! breaks it. The download then re-checks, as of now, that the actor is still valid,
//! still holds `documents:read` and may still see the document.

use std::ops::Range;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use entity::{client_document, document_version};
use futures_util::StreamExt;
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::content::hex;
use crate::auth::ActorKind;
use crate::auth::signed::UrlSigner;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::TenantScope;
use crate::service::change::{Change, FieldChanges};
use crate::storage::ByteStream;

/// The purpose bound into file-link signatures.
const PURPOSE: &str = "document-file";

/// The message of a stored file whose bytes no longer match their sha256.
pub const INTEGRITY_FAILURE: &str = "the stored file failed its integrity check";

/// A signed path to version `version_no` of a document, for this caller, valid until
/// `expires_at`.
pub fn link(
    signer: &UrlSigner,
    scope: &TenantScope,
    document_id: Uuid,
    version_no: i32,
    expires_at: DateTime<Utc>,
) -> AppResult<String> {
    let actor = scope.actor();
    let id = actor.id.ok_or_else(|| {
        AppError::Forbidden("download links are issued to users and API keys only".into())
    })?;
    let (tenant, document, version) = (
        scope.tenant_id().to_string(),
        document_id.to_string(),
        version_no.to_string(),
    );
    let by = format!("{}:{id}", actor.kind.as_str());
    let exp = expires_at.timestamp().to_string();
    let sig = signer.sign_fields(PURPOSE, &[&tenant, &document, &version, &by, &exp]);
    Ok(format!(
        "/files/{tenant}/{document}/{version}?by={by}&exp={exp}&sig={sig}"
    ))
}

/// What a valid link grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileGrant {
    pub tenant_id: Uuid,
    pub document_id: Uuid,
    pub version_no: i32,
    pub actor_kind: ActorKind,
    pub actor_id: Uuid,
}

/// The parts of a link as a request carries them.
pub struct LinkParts<'a> {
    pub tenant: &'a str,
    pub document: &'a str,
    pub version: &'a str,
    pub by: &'a str,
    pub exp: &'a str,
    pub sig: &'a str,
}

/// Checks a link's signature and expiry; FORBIDDEN for a tampered or expired one.
pub fn verify(signer: &UrlSigner, parts: &LinkParts<'_>) -> AppResult<FileGrant> {
    signer.verify_fields(
        PURPOSE,
        &[
            parts.tenant,
            parts.document,
            parts.version,
            parts.by,
            parts.exp,
        ],
        parts.sig,
    )?;
    let invalid = || AppError::Forbidden("this link is invalid or has expired".into());
    let exp: i64 = parts.exp.parse().map_err(|_| invalid())?;
    if exp <= Utc::now().timestamp() {
        return Err(invalid());
    }
    let (kind, actor) = parts.by.split_once(':').ok_or_else(invalid)?;
    let actor_kind = ActorKind::parse(kind);
    if actor_kind == ActorKind::System {
        return Err(invalid());
    }
    Ok(FileGrant {
        tenant_id: parts.tenant.parse().map_err(|_| invalid())?,
        document_id: parts.document.parse().map_err(|_| invalid())?,
        version_no: parts.version.parse().map_err(|_| invalid())?,
        actor_kind,
        actor_id: actor.parse().map_err(|_| invalid())?,
    })
}

/// Records a download in the audit log (no domain event: nothing changed).
pub async fn audit(
    db: &Db,
    scope: &TenantScope,
    document: &client_document::Model,
    version: &document_version::Model,
    range: Option<&Range<u64>>,
) -> AppResult<()> {
    let mut details = FieldChanges::new()
        .initial("versionNo", version.version_no)
        .initial("sha256", &version.sha256);
    if let Some(range) = range {
        details = details.initial("range", format!("{}-{}", range.start, range.end - 1));
    }
    let document_id = document.id;
    db.write(scope, move |t| {
        Box::pin(async move {
            t.audit(Change {
                action: "document.downloaded",
                entity_type: "document",
                entity_id: Some(document_id),
                changes: details,
                payload: Value::Null,
            })
            .await
        })
    })
    .await
}

/// What a `Range` header asks of a file of `len` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeRequest {
    /// No (usable) range: the whole file. Multi-range requests are answered whole too,
    /// as RFC 9110 allows.
    Whole,
    /// One satisfiable range (end exclusive).
    Part(Range<u64>),
    /// A well-formed single range that lies outside the file (416).
    Unsatisfiable,
}

/// Parses `bytes=a-b`, `bytes=a-` and `bytes=-n`. Malformed headers are ignored.
pub fn parse_range(header: Option<&str>, len: u64) -> RangeRequest {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return RangeRequest::Whole;
    };
    if spec.contains(',') {
        return RangeRequest::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeRequest::Whole;
    };
    let parse = |s: &str| s.trim().parse::<u64>().ok();
    let range = match (first.trim().is_empty(), last.trim().is_empty()) {
        (true, false) => match parse(last) {
            Some(0) => return RangeRequest::Unsatisfiable,
            Some(n) => len.saturating_sub(n)..len,
            None => return RangeRequest::Whole,
        },
        (false, _) => {
            let Some(start) = parse(first) else {
                return RangeRequest::Whole;
            };
            let end = if last.trim().is_empty() {
                len
            } else {
                match parse(last) {
                    Some(end) if end >= start => end.saturating_add(1).min(len),
                    _ => return RangeRequest::Whole,
                }
            };
            start..end
        }
        (true, true) => return RangeRequest::Whole,
    };
    if range.start >= len || range.is_empty() {
        RangeRequest::Unsatisfiable
    } else {
        RangeRequest::Part(range)
    }
}

/// The bytes of `range` of the stored file, while the *whole* file is hashed. The last
/// piece of the range is held back until the file has ended and its length and sha256
/// match the recorded ones; on a mismatch the stream fails instead, so a corrupted file
/// is never delivered complete (and a small one is refused before its first byte).
pub fn verified(
    source: ByteStream,
    expected_sha256: String,
    expected_len: u64,
    range: Range<u64>,
) -> ByteStream {
    struct State {
        source: ByteStream,
        hasher: Sha256,
        position: u64,
        held: Option<Bytes>,
        expected_sha256: String,
        expected_len: u64,
        range: Range<u64>,
        finished: bool,
    }
    let state = State {
        source,
        hasher: Sha256::new(),
        position: 0,
        held: None,
        expected_sha256,
        expected_len,
        range,
        finished: false,
    };
    futures_util::stream::unfold(state, |mut s| async move {
        if s.finished {
            return None;
        }
        loop {
            match s.source.next().await {
                Some(Ok(chunk)) => {
                    s.hasher.update(&chunk);
                    let (from, to) = (s.position, s.position + chunk.len() as u64);
                    s.position = to;
                    let start = s.range.start.max(from);
                    let end = s.range.end.min(to);
                    if start < end {
                        let piece = chunk.slice((start - from) as usize..(end - from) as usize);
                        if let Some(ready) = s.held.replace(piece) {
                            return Some((Ok(ready), s));
                        }
                    }
                }
                Some(Err(err)) => {
                    s.finished = true;
                    return Some((Err(err), s));
                }
                None => {
                    s.finished = true;
                    let digest = hex(&std::mem::take(&mut s.hasher).finalize());
                    if s.position != s.expected_len || digest != s.expected_sha256 {
                        tracing::error!(
                            expected = s.expected_sha256,
                            actual = digest,
                            bytes = s.position,
                            "stored file failed its integrity check; not served"
                        );
                        let err =
                            std::io::Error::new(std::io::ErrorKind::InvalidData, INTEGRITY_FAILURE);
                        return Some((Err(err), s));
                    }
                    return s.held.take().map(|last| (Ok(last), s));
                }
            }
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(parts: &[&'static [u8]]) -> ByteStream {
        futures_util::stream::iter(
            parts
                .iter()
                .map(|p| Ok(Bytes::from_static(p)))
                .collect::<Vec<_>>(),
        )
        .boxed()
    }

    fn sha(bytes: &[u8]) -> String {
        hex(&Sha256::digest(bytes))
    }

    async fn collect(stream: ByteStream) -> Result<Vec<u8>, std::io::Error> {
        let mut out = Vec::new();
        let mut stream = stream;
        while let Some(chunk) = stream.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }

    #[tokio::test]
    async fn serves_ranges_across_chunks_and_refuses_corruption() {
        let whole = b"hello, wonderful world";
        let parts: &[&'static [u8]] = &[b"hello, ", b"wonderful", b" world"];
        let sum = sha(whole);
        let all = collect(verified(source(parts), sum.clone(), 22, 0..22)).await;
        assert_eq!(all.unwrap(), whole);
        let middle = collect(verified(source(parts), sum.clone(), 22, 4..12)).await;
        assert_eq!(middle.unwrap(), b"o, wonde");
        let corrupt: &[&'static [u8]] = &[b"hello, ", b"wonderfuL", b" world"];
        let mut stream = verified(source(corrupt), sum.clone(), 22, 0..22);
        let mut delivered = Vec::new();
        let mut failed = false;
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(bytes) => delivered.extend_from_slice(&bytes),
                Err(_) => failed = true,
            }
        }
        assert!(failed);
        assert!(delivered.len() < whole.len(), "the last piece is withheld");
        let truncated = collect(verified(source(&[b"hello"]), sum, 22, 0..22)).await;
        assert!(truncated.is_err());
    }

    #[test]
    fn ranges_follow_rfc_9110() {
        use RangeRequest::*;
        assert_eq!(parse_range(None, 10), Whole);
        assert_eq!(parse_range(Some("bytes=0-4"), 10), Part(0..5));
        assert_eq!(parse_range(Some("bytes=5-"), 10), Part(5..10));
        assert_eq!(parse_range(Some("bytes=-3"), 10), Part(7..10));
        assert_eq!(parse_range(Some("bytes=-30"), 10), Part(0..10));
        assert_eq!(parse_range(Some("bytes=8-100"), 10), Part(8..10));
        assert_eq!(parse_range(Some("bytes=10-"), 10), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=-0"), 10), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=0-1,4-5"), 10), Whole);
        assert_eq!(parse_range(Some("bytes=x-y"), 10), Whole);
        assert_eq!(parse_range(Some("items=0-1"), 10), Whole);
        assert_eq!(parse_range(Some("bytes=5-2"), 10), Whole);
    }
}
