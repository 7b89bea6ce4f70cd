//! The file store: where document bytes live. A small trait, [`FileStore`], with one
//! implementation over the `object_store` crate, which gives the same behaviour over a
//! local directory (the default) and an S3-compatible bucket (AWS, MinIO, Ceph, R2 …).
//!
//! Keys are chosen by the server (`documents/<tenant>/<random uuid>`), never derived
//! from a client's filename, so no upload can name a path. Writes stream in parts and
//! are atomic: a failed or aborted write leaves nothing under its key.

use std::sync::Arc;

use anyhow::Context as _;
use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use uuid::Uuid;

use crate::config::{StorageKind, StorageSettings};

/// A stream of file bytes.
pub type ByteStream = BoxStream<'static, std::io::Result<Bytes>>;

/// Stores and serves opaque byte objects by key.
#[async_trait]
pub trait FileStore: Send + Sync {
    /// Stores everything `source` yields under `key`, never holding it whole in memory.
    /// On any error (including one from `source`) nothing is left under `key`.
    async fn put(&self, key: &str, source: ByteStream) -> anyhow::Result<()>;

    /// The bytes stored under `key`; an error when there is no such object.
    async fn get(&self, key: &str) -> anyhow::Result<ByteStream>;

    /// Removes `key`. A key that is already gone is not an error.
    async fn delete(&self, key: &str) -> anyhow::Result<()>;

    /// Every object whose key starts with `prefix` (a `/`-separated path), with the time
    /// it was last written.
    async fn list(&self, prefix: &str) -> anyhow::Result<Vec<(String, DateTime<Utc>)>>;
}

/// The process-wide file store.
pub type Storage = Arc<dyn FileStore>;

/// The prefix under which document files are stored.
pub const DOCUMENTS_PREFIX: &str = "documents";

/// A fresh key for a new file of `tenant_id`.
pub fn new_key(tenant_id: Uuid) -> String {
    format!("{DOCUMENTS_PREFIX}/{tenant_id}/{}", Uuid::new_v4().simple())
}

/// Bytes buffered per part of a write to S3, which requires at least 5 MiB per part but
/// the last.
const S3_PART_BYTES: usize = 5 * 1024 * 1024;

/// Bytes buffered per part of a write to a local directory (no minimum there, so little
/// memory per upload).
const LOCAL_PART_BYTES: usize = 256 * 1024;

/// A [`FileStore`] over any `object_store` backend.
pub struct ObjectFileStore {
    store: Arc<dyn ObjectStore>,
    /// Bytes held in memory per part of a streaming write.
    part_bytes: usize,
}

impl ObjectFileStore {
    pub fn new(store: Arc<dyn ObjectStore>, part_bytes: usize) -> Self {
        ObjectFileStore { store, part_bytes }
    }
}

fn location(key: &str) -> anyhow::Result<Path> {
    Path::parse(key).with_context(|| format!("invalid storage key {key:?}"))
}

#[async_trait]
impl FileStore for ObjectFileStore {
    async fn put(&self, key: &str, mut source: ByteStream) -> anyhow::Result<()> {
        let path = location(key)?;
        let upload = self
            .store
            .put_multipart(&path)
            .await
            .context("starting a file write")?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, self.part_bytes);
        while let Some(chunk) = source.next().await {
            let written = match chunk {
                Ok(bytes) => writer.wait_for_capacity(2).await.map(|()| bytes),
                Err(err) => Err(object_store::Error::Generic {
                    store: "source",
                    source: Box::new(err),
                }),
            };
            match written {
                Ok(bytes) => writer.put(bytes),
                Err(err) => {
                    // Best effort: the part files or the pending upload go too.
                    let _ = writer.abort().await;
                    return Err(err).context("writing a file");
                }
            }
        }
        writer.finish().await.context("finishing a file write")?;
        Ok(())
    }

    async fn get(&self, key: &str) -> anyhow::Result<ByteStream> {
        let path = location(key)?;
        let result = self.store.get(&path).await.context("reading a file")?;
        Ok(result
            .into_stream()
            .map(|chunk| chunk.map_err(std::io::Error::other))
            .boxed())
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        let path = location(key)?;
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(err).context("deleting a file"),
        }
    }

    async fn list(&self, prefix: &str) -> anyhow::Result<Vec<(String, DateTime<Utc>)>> {
        let prefix = location(prefix)?;
        let mut listing = self.store.list(Some(&prefix));
        let mut out = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta.context("listing files")?;
            out.push((meta.location.to_string(), meta.last_modified));
        }
        Ok(out)
    }
}

/// The store `config` selects: a local directory (created if missing) or an S3 bucket.
pub fn from_config(config: &StorageSettings) -> anyhow::Result<Storage> {
    let (store, part_bytes): (Arc<dyn ObjectStore>, usize) = match config.kind {
        StorageKind::Local => {
            let root = &config.path;
            std::fs::create_dir_all(root)
                .with_context(|| format!("creating the file store directory {root}"))?;
            let local = LocalFileSystem::new_with_prefix(root)
                .with_context(|| format!("opening the file store directory {root}"))?
                // Empty per-tenant directories go with their last file.
                .with_automatic_cleanup(true);
            (Arc::new(local), LOCAL_PART_BYTES)
        }
        StorageKind::S3 => {
            let bucket = config
                .s3_bucket
                .as_deref()
                .context("CLIENTGRAPH_S3_BUCKET is required when CLIENTGRAPH_STORAGE=s3")?;
            // Credentials and other AWS_* settings come from the environment.
            let mut builder = AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .with_region(&config.s3_region)
                .with_allow_http(config.s3_allow_http);
            if let Some(key) = &config.s3_access_key_id {
                builder = builder.with_access_key_id(key);
            }
            if let Some(secret) = &config.s3_secret_access_key {
                builder = builder.with_secret_access_key(secret.expose());
            }
            if let Some(endpoint) = &config.s3_endpoint {
                // S3-compatible servers usually want path-style addressing.
                builder = builder
                    .with_endpoint(endpoint)
                    .with_virtual_hosted_style_request(false);
            }
            let s3 = builder.build().context("configuring the S3 file store")?;
            (Arc::new(s3), S3_PART_BYTES)
        }
    };
    Ok(Arc::new(ObjectFileStore::new(store, part_bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::stream;

    fn chunks(parts: Vec<std::io::Result<Bytes>>) -> ByteStream {
        stream::iter(parts).boxed()
    }

    async fn read_all(store: &dyn FileStore, key: &str) -> Vec<u8> {
        let mut out = Vec::new();
        let mut s = store.get(key).await.unwrap();
        while let Some(chunk) = s.next().await {
            out.extend_from_slice(&chunk.unwrap());
        }
        out
    }

    #[tokio::test]
    async fn local_store_round_trips_deletes_and_leaves_nothing_after_a_failed_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = ObjectFileStore::new(
            Arc::new(LocalFileSystem::new_with_prefix(dir.path()).unwrap()),
            LOCAL_PART_BYTES,
        );
        assert!(store.list(DOCUMENTS_PREFIX).await.unwrap().is_empty());
        let key = new_key(Uuid::new_v4());
        store
            .put(
                &key,
                chunks(vec![
                    Ok(Bytes::from_static(b"hello ")),
                    Ok(Bytes::from_static(b"world")),
                ]),
            )
            .await
            .unwrap();
        assert_eq!(keys(&store).await, vec![key.clone()]);
        assert_eq!(read_all(&store, &key).await, b"hello world");
        store.delete(&key).await.unwrap();
        assert!(keys(&store).await.is_empty());
        store.delete(&key).await.unwrap();

        let failed = new_key(Uuid::new_v4());
        let err = store
            .put(
                &failed,
                chunks(vec![
                    Ok(Bytes::from_static(b"partial")),
                    Err(std::io::Error::other("client went away")),
                ]),
            )
            .await;
        assert!(err.is_err());
        assert!(keys(&store).await.is_empty());
        let leftovers: Vec<_> = walk(dir.path());
        assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
    }

    async fn keys(store: &ObjectFileStore) -> Vec<String> {
        let listed = store.list(DOCUMENTS_PREFIX).await.unwrap();
        listed.into_iter().map(|(key, _)| key).collect()
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files.extend(walk(&path));
            } else {
                files.push(path);
            }
        }
        files
    }
}
