//! The `Document` and `DocumentVersion` types, with signed download links.

use std::sync::Arc;

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use entity::{client_document, document_version};
use uuid::Uuid;

use super::{Client, Contact, User};
use crate::auth::Permission;
use crate::error::AppError;
use crate::graphql::DownloadLinks;
use crate::graphql::connection::{nested_connection, nested_total};
use crate::graphql::context;
use crate::graphql::guards::require;
use crate::graphql::loaders::{
    AttachmentsLoader, ClientLoader, ContactLoader, DocumentsOfClient, DocumentsOfContact,
    LogoLoader, UserLoader, VersionsLoader,
};
use crate::service::documents::download;
use crate::service::documents::read::{DocumentFilter, Parent};
use crate::service::documents::{self, DocType, Visibility};

/// A document kept about a client: metadata plus one or more uploaded file versions.
pub struct Document(pub client_document::Model);

/// The versions of a document, newest first (through the request's loader).
async fn versions_of(
    ctx: &Context<'_>,
    document_id: Uuid,
) -> Result<Arc<Vec<document_version::Model>>> {
    Ok(context::loader::<VersionsLoader>(ctx)?
        .load_one(document_id)
        .await?
        .unwrap_or_default())
}

/// A signed, short-lived download link for version `version_no` of a document.
fn download_url(ctx: &Context<'_>, document_id: Uuid, version_no: i32) -> Result<String> {
    let links = ctx.data::<DownloadLinks>()?;
    let expires_at = Utc::now() + links.ttl;
    Ok(download::link(
        &links.signer,
        context::scope(ctx)?,
        document_id,
        version_no,
        expires_at,
    )?)
}

/// A document kept about a client: metadata plus one or more uploaded file versions.
#[Object]
impl Document {
    /// The document's id (a UUID, time-ordered).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// 1-255 characters (defaults to the first file's name).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Up to 5,000 characters.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// What kind of document it is.
    async fn doc_type(&self) -> DocType {
        self.0.doc_type
    }
    /// A free label for grouping (e.g. "legal", "finance").
    async fn category(&self) -> Option<&str> {
        self.0.category.as_deref()
    }
    /// Lower-case labels.
    async fn tags(&self) -> Vec<String> {
        documents::tags(&self.0)
    }
    /// Who may see it: internal staff only, or shareable with the client.
    async fn visibility(&self) -> Visibility {
        self.0.visibility
    }
    /// The version downloads get by default (the newest upload).
    async fn current_version(&self, ctx: &Context<'_>) -> Result<Option<DocumentVersion>> {
        let versions = versions_of(ctx, self.0.id).await?;
        Ok(versions
            .iter()
            .find(|v| Some(v.id) == self.0.current_version_id)
            .cloned()
            .map(DocumentVersion))
    }
    /// The uploaded versions, newest first (the newest 100); all stay downloadable.
    async fn versions(&self, ctx: &Context<'_>) -> Result<Vec<DocumentVersion>> {
        let versions = versions_of(ctx, self.0.id).await?;
        Ok(versions
            .iter()
            .take(super::MAX_LISTED)
            .cloned()
            .map(DocumentVersion)
            .collect())
    }
    /// A signed link to download a version (default: the current one), valid for a few
    /// minutes (`CLIENTGRAPH_DOWNLOAD_URL_TTL_SECS`) and only for the caller: a plain
    /// `GET`, no Authorization header needed. Supports `Range`.
    async fn download_url(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Version number (default: the current version).")] version: Option<i32>,
    ) -> Result<String> {
        let number = version.unwrap_or(self.0.current_version_no);
        if number < 1 || number > self.0.current_version_no {
            return Err(AppError::NotFound("document version").into());
        }
        download_url(ctx, self.0.id, number)
    }
    /// The files may not be purged before this instant (even once deleted).
    async fn retention_until(&self) -> Option<DateTime<Utc>> {
        self.0.retention_until
    }
    /// Under legal hold the document can be neither deleted nor purged.
    async fn legal_hold(&self) -> bool {
        self.0.legal_hold
    }
    /// The client the document belongs to.
    async fn client(&self, ctx: &Context<'_>) -> Result<Option<Client>> {
        Ok(context::load::<ClientLoader>(ctx, self.0.client_id)
            .await?
            .map(Client))
    }
    /// The contact it concerns, if any (and still live). Requires `contacts:read`.
    #[graphql(guard = "require(Permission::ContactsRead)")]
    async fn contact(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        Ok(context::load::<ContactLoader>(ctx, self.0.contact_id)
            .await?
            .map(Contact))
    }
    /// The communication it is attached to, if any.
    async fn communication_id(&self) -> Option<ID> {
        self.0.communication_id.map(|id| ID(id.to_string()))
    }
    /// Who uploaded the first version.
    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(context::load::<UserLoader>(ctx, self.0.created_by)
            .await?
            .map(User))
    }
    /// When the document was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the document last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// When it was deleted (soft); only deleted documents listed with
    /// `filter: { deleted: true }` have one.
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.0.deleted_at
    }
    /// Optimistic-locking version of the metadata (not a file version); pass it as
    /// `expectedVersion` to `updateDocument`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// One uploaded file of a document.
pub struct DocumentVersion(pub document_version::Model);

/// One uploaded file of a document.
#[Object]
impl DocumentVersion {
    /// The version's id (a UUID, time-ordered).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// 1 for the first upload, then 2, 3, …
    async fn version_no(&self) -> i32 {
        self.0.version_no
    }
    /// The uploader's filename, sanitized (no path, control or direction characters).
    async fn filename(&self) -> &str {
        &self.0.original_filename
    }
    /// Sniffed from the file's bytes when it was uploaded, never taken from the client.
    async fn mime_type(&self) -> &str {
        &self.0.mime_type
    }
    /// The file's size in bytes.
    async fn size_bytes(&self) -> i64 {
        self.0.size_bytes
    }
    /// SHA-256 of the bytes, lower-case hex; every download is checked against it.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }
    /// Who uploaded this version (still a user of the tenant).
    async fn uploaded_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(context::load::<UserLoader>(ctx, self.0.uploaded_by)
            .await?
            .map(User))
    }
    /// When this version was uploaded.
    async fn uploaded_at(&self) -> DateTime<Utc> {
        self.0.uploaded_at
    }
    /// What changed in this version, as its uploader put it.
    async fn change_note(&self) -> Option<&str> {
        self.0.change_note.as_deref()
    }
    /// A signed link to download this version (see `Document.downloadUrl`).
    async fn download_url(&self, ctx: &Context<'_>) -> Result<String> {
        download_url(ctx, self.0.document_id, self.0.version_no)
    }
}

/// Narrows a document list; every condition given must hold.
#[derive(InputObject, Default, Clone)]
#[graphql(name = "DocumentFilter")]
pub struct DocumentFilterInput {
    /// Any of these types.
    pub doc_type: Option<Vec<DocType>>,
    /// This category (case-insensitive).
    pub category: Option<String>,
    /// Documents carrying any of these tags.
    pub tags: Option<Vec<String>>,
    /// Created on or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Created before this instant.
    pub to: Option<DateTime<Utc>>,
    /// `true` lists soft-deleted documents instead of live ones (to restore one).
    pub deleted: Option<bool>,
}

impl DocumentFilterInput {
    /// The service filter, with the list's `search` argument.
    pub fn into_service(self, search: Option<String>) -> DocumentFilter {
        DocumentFilter {
            doc_types: self.doc_type.unwrap_or_default(),
            category: self.category,
            tags: self.tags.unwrap_or_default(),
            from: self.from,
            to: self.to,
            search,
            deleted: self.deleted.unwrap_or(false),
        }
    }
}

/// Totals of a document list, computed only when selected.
pub struct DocumentConnectionFields {
    pub parent: Parent,
    pub parent_id: Uuid,
    pub filter: DocumentFilter,
    /// Already counted by the page statement (no cursor).
    pub total: Option<u64>,
}

/// Totals of a document list, computed only when selected.
#[Object]
impl DocumentConnectionFields {
    /// How many documents match the filter and search.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        match self.parent {
            Parent::Client => {
                nested_total::<DocumentsOfClient>(ctx, self.parent_id, &self.filter, self.total)
                    .await
            }
            Parent::Contact => {
                nested_total::<DocumentsOfContact>(ctx, self.parent_id, &self.filter, self.total)
                    .await
            }
        }
    }
}

/// A page of a client's or a contact's documents, newest first (batched across every
/// parent being resolved).
pub async fn documents_connection(
    ctx: &Context<'_>,
    parent: Parent,
    parent_id: Uuid,
    filter: DocumentFilter,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Connection<String, Document, DocumentConnectionFields>> {
    let fields = |total| DocumentConnectionFields {
        parent,
        parent_id,
        filter: filter.clone(),
        total,
    };
    match parent {
        Parent::Client => {
            nested_connection::<DocumentsOfClient, _, _>(
                ctx,
                parent_id,
                filter.clone(),
                first,
                after,
                Document,
                fields,
            )
            .await
        }
        Parent::Contact => {
            nested_connection::<DocumentsOfContact, _, _>(
                ctx,
                parent_id,
                filter.clone(),
                first,
                after,
                Document,
                fields,
            )
            .await
        }
    }
}

/// The documents attached to a communication, oldest first.
pub async fn attachments_of(ctx: &Context<'_>, communication_id: Uuid) -> Result<Vec<Document>> {
    let rows = context::loader::<AttachmentsLoader>(ctx)?
        .load_one(communication_id)
        .await?
        .unwrap_or_default();
    Ok(rows.iter().cloned().map(Document).collect())
}

/// A client's current logo.
pub async fn logo_of(ctx: &Context<'_>, client_id: Uuid) -> Result<Option<Document>> {
    Ok(context::load::<LogoLoader>(ctx, client_id)
        .await?
        .map(Document))
}
