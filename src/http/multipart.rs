//! GraphQL multipart requests (the "GraphQL multipart request spec": an `operations`
//! part, a `map` part, then the files), read with our own limits. async-graphql's
//! reader is not used because its limits are not ours (`max_num_files` only feeds a
//! total byte cap, and its errors carry no codes): here the number of files, each
//! file's size and the whole body are bounded *while* the request streams in, each
//! breach answered 413 PAYLOAD_TOO_LARGE.
//!
//! Files are spooled to anonymous temporary files (deleted by the OS when closed, so an
//! aborted request leaves nothing behind), never held in memory.

use std::collections::HashMap;

use async_graphql::{BatchRequest, UploadValue};
use axum::body::Body;
use multer::{Constraints, Multipart, SizeLimit};
use tokio::io::AsyncWriteExt;

/// Most variable paths one file may be mapped to (each gets its own handle on the
/// spooled file, so this bounds the handles a request can make).
pub const MAX_PATHS_PER_FILE: usize = 10;

/// The limits of one multipart request.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    /// Largest file.
    pub max_file_bytes: u64,
    /// Most files.
    pub max_files: usize,
    /// Largest whole body.
    pub max_body_bytes: u64,
    /// Largest `operations` or `map` part (the JSON body limit).
    pub max_json_bytes: u64,
}

/// Why a multipart request was refused.
#[derive(Debug)]
pub enum MultipartError {
    /// A limit was exceeded (413).
    TooLarge(String),
    /// The request does not follow the spec (400).
    Invalid(String),
    /// Spooling a file failed on our side (500).
    Internal(std::io::Error),
}

fn from_multer(err: multer::Error, limits: &UploadLimits) -> MultipartError {
    match err {
        multer::Error::FieldSizeExceeded { field_name, .. } => {
            let limit = match field_name.as_deref() {
                Some("operations" | "map") => limits.max_json_bytes,
                _ => limits.max_file_bytes,
            };
            MultipartError::TooLarge(format!(
                "part {:?} exceeds the limit of {limit} bytes",
                field_name.unwrap_or_default()
            ))
        }
        multer::Error::StreamSizeExceeded { limit } => MultipartError::TooLarge(format!(
            "the request body exceeds the limit of {limit} bytes"
        )),
        other => MultipartError::Invalid(format!("malformed multipart body: {other}")),
    }
}

/// Refuses a map naming more files than a request may carry, or a file mapped to more
/// than [`MAX_PATHS_PER_FILE`] paths, before any file is read.
fn check_map(
    map: &HashMap<String, Vec<String>>,
    limits: &UploadLimits,
) -> Result<(), MultipartError> {
    if map.len() > limits.max_files {
        return Err(MultipartError::TooLarge(format!(
            "the map names {} files; a request may carry at most {}",
            map.len(),
            limits.max_files
        )));
    }
    if let Some((name, paths)) = map.iter().find(|(_, p)| p.len() > MAX_PATHS_PER_FILE) {
        return Err(MultipartError::Invalid(format!(
            "file {name:?} is mapped to {} paths; the limit is {MAX_PATHS_PER_FILE}",
            paths.len()
        )));
    }
    Ok(())
}

/// The boundary of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    multer::parse_boundary(content_type).ok()
}

/// Reads a multipart GraphQL request: the operations with every mapped file attached
/// as an `Upload` value.
pub async fn receive(
    body: Body,
    boundary: String,
    limits: UploadLimits,
) -> Result<BatchRequest, MultipartError> {
    let constraints = Constraints::new().size_limit(
        SizeLimit::new()
            .whole_stream(limits.max_body_bytes)
            .per_field(limits.max_file_bytes)
            .for_field("operations", limits.max_json_bytes)
            .for_field("map", limits.max_json_bytes),
    );
    let mut multipart = Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    let mut operations: Option<BatchRequest> = None;
    let mut map: Option<HashMap<String, Vec<String>>> = None;
    let mut files: Vec<(String, UploadValue)> = Vec::new();
    let invalid = |m: &str| MultipartError::Invalid(m.to_owned());

    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| from_multer(e, &limits))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "operations" => {
                let bytes = field.bytes().await.map_err(|e| from_multer(e, &limits))?;
                operations = Some(serde_json::from_slice(&bytes).map_err(|e| {
                    MultipartError::Invalid(format!(
                        "the operations part is not a GraphQL request: {e}"
                    ))
                })?);
            }
            "map" => {
                let bytes = field.bytes().await.map_err(|e| from_multer(e, &limits))?;
                let parsed: HashMap<String, Vec<String>> =
                    serde_json::from_slice(&bytes).map_err(|e| {
                        MultipartError::Invalid(format!(
                            "the map part must map file fields to lists of variable paths: {e}"
                        ))
                    })?;
                check_map(&parsed, &limits)?;
                map = Some(parsed);
            }
            _ => {
                let (Some(_), Some(map)) = (&operations, &map) else {
                    return Err(invalid(
                        "the operations and map parts must come before the files",
                    ));
                };
                if !map.contains_key(&name) {
                    // Not referenced by any variable: skipped unread.
                    continue;
                }
                if files.len() == limits.max_files {
                    return Err(MultipartError::TooLarge(format!(
                        "a request may carry at most {} files",
                        limits.max_files
                    )));
                }
                let filename = field.file_name().unwrap_or_default().to_owned();
                let content_type = field.content_type().map(ToString::to_string);
                let spool = tempfile::tempfile().map_err(MultipartError::Internal)?;
                let mut spool = tokio::fs::File::from_std(spool);
                while let Some(chunk) = field.chunk().await.map_err(|e| from_multer(e, &limits))? {
                    spool
                        .write_all(&chunk)
                        .await
                        .map_err(MultipartError::Internal)?;
                }
                spool.flush().await.map_err(MultipartError::Internal)?;
                let content = spool.into_std().await;
                files.push((
                    name,
                    UploadValue {
                        filename,
                        content_type,
                        content,
                    },
                ));
            }
        }
    }

    let mut request = operations.ok_or_else(|| invalid("the operations part is missing"))?;
    let mut map = map.ok_or_else(|| invalid("the map part is missing"))?;
    for (name, upload) in files {
        let Some(paths) = map.remove(&name) else {
            continue;
        };
        for path in paths {
            let upload = upload.try_clone().map_err(MultipartError::Internal)?;
            match &mut request {
                BatchRequest::Single(single) => single.set_upload(&path, upload),
                BatchRequest::Batch(batch) => {
                    let (index, rest) = path.split_once('.').ok_or_else(|| {
                        invalid("batched file paths start with the operation index")
                    })?;
                    let operation = index
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| batch.get_mut(i))
                        .ok_or_else(|| invalid("a file path names no operation of the batch"))?;
                    operation.set_upload(rest, upload);
                }
            }
        }
    }
    if let Some(missing) = map.keys().next() {
        return Err(MultipartError::Invalid(format!(
            "the map names file {missing:?}, which the request does not carry"
        )));
    }
    Ok(request)
}
