//! Documents: multipart uploads and new versions, metadata, delete and restore, retention
//! and legal hold.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, Upload};
use chrono::{DateTime, Utc};

use super::{patch, patch_id};
use crate::auth::Permission;
use crate::error::AppError;
use crate::graphql::context::{self, parse_id};
use crate::graphql::guards::require;
use crate::graphql::types::Document;
use crate::service::documents::{
    self, DocType, DocumentPatch, FileSettings, IncomingFile, Visibility,
};
use crate::service::kernel::Patch;

/// A new document's metadata; every field is optional.
#[derive(InputObject, Default)]
pub struct UploadDocumentInput {
    /// 1-255 characters (default: the file's sanitized name).
    pub name: Option<String>,
    /// Up to 5,000 characters.
    pub description: Option<String>,
    /// Default `ATTACHMENT` with a `communicationId`, else `OTHER`. `LOGO` accepts
    /// images of at most 2 MB (configurable) and becomes the client's `logo`.
    pub doc_type: Option<DocType>,
    /// A free label for grouping, up to 100 characters.
    pub category: Option<String>,
    /// Trimmed, lower-cased, de-duplicated.
    pub tags: Option<Vec<String>>,
    /// Default `TENANT`.
    pub visibility: Option<Visibility>,
    /// A live contact of the same client the document concerns.
    pub contact_id: Option<ID>,
    /// A communication of the same client the document is attached to.
    pub communication_id: Option<ID>,
}

impl UploadDocumentInput {
    fn into_patch(self) -> Result<DocumentPatch, AppError> {
        let id = |field: &str, id: Option<ID>| -> Result<Patch<uuid::Uuid>, AppError> {
            Ok(id.map(|id| parse_id(field, &id)).transpose()?.into())
        };
        Ok(DocumentPatch {
            name: self.name,
            description: self.description.into(),
            doc_type: self.doc_type,
            category: self.category.into(),
            tags: self.tags,
            visibility: self.visibility,
            contact_id: id("input.contactId", self.contact_id)?,
            communication_id: id("input.communicationId", self.communication_id)?,
        })
    }
}

/// Changes to a document's metadata: omitted fields stay, `null` clears.
#[derive(InputObject, Default)]
pub struct UpdateDocumentInput {
    /// 1-255 characters.
    pub name: Option<String>,
    /// Up to 5,000 characters.
    pub description: MaybeUndefined<String>,
    /// Changing to `LOGO` requires the current file to be an image within the logo limit.
    pub doc_type: Option<DocType>,
    /// A free label, up to 100 characters.
    pub category: MaybeUndefined<String>,
    /// Replaces the tags.
    pub tags: Option<Vec<String>>,
    /// Who may see it: internal staff only, or shareable with the client.
    pub visibility: Option<Visibility>,
    /// A live contact of the same client; `null` detaches.
    pub contact_id: MaybeUndefined<ID>,
    /// A communication of the same client; `null` detaches.
    pub communication_id: MaybeUndefined<ID>,
}

impl UpdateDocumentInput {
    fn into_patch(self) -> Result<DocumentPatch, AppError> {
        Ok(DocumentPatch {
            name: self.name,
            description: patch(self.description),
            doc_type: self.doc_type,
            category: patch(self.category),
            tags: self.tags,
            visibility: self.visibility,
            contact_id: patch_id("input.contactId", self.contact_id)?,
            communication_id: patch_id("input.communicationId", self.communication_id)?,
        })
    }
}

/// The file of an upload argument, as the multipart request delivered it.
fn incoming(ctx: &Context<'_>, file: &Upload) -> Result<IncomingFile> {
    let value = file
        .value(ctx)
        .map_err(|_| AppError::bad_input("file", "the file part of the request is missing"))?;
    Ok(IncomingFile {
        filename: value.filename,
        content: value.content,
    })
}

#[derive(Default)]
pub struct DocumentMutations;

#[Object]
impl DocumentMutations {
    /// Uploads a document of a client, file and metadata in one step (a GraphQL
    /// multipart request). The type is sniffed from the bytes and must be allowed; the
    /// size is limited (10 MB by default, logos 2 MB). Requires `documents:write`.
    #[graphql(guard = "require(Permission::DocumentsWrite)")]
    async fn upload_document(
        &self,
        ctx: &Context<'_>,
        client_id: ID,
        file: Upload,
        input: UploadDocumentInput,
    ) -> Result<Document> {
        let client_id = parse_id("clientId", &client_id)?;
        let patch = input.into_patch()?;
        let incoming = incoming(ctx, &file)?;
        let files = ctx.data::<FileSettings>()?;
        let scope = context::scope(ctx)?;
        let created =
            documents::upload(context::db(ctx)?, files, scope, client_id, patch, incoming).await?;
        Ok(Document(created))
    }

    /// Adds a new version of a document's file and makes it current; earlier versions
    /// stay downloadable. Requires `documents:write`.
    #[graphql(guard = "require(Permission::DocumentsWrite)")]
    async fn upload_document_version(
        &self,
        ctx: &Context<'_>,
        document_id: ID,
        file: Upload,
        #[graphql(desc = "What changed, up to 1,000 characters.")] change_note: Option<String>,
    ) -> Result<Document> {
        let id = parse_id("documentId", &document_id)?;
        let incoming = incoming(ctx, &file)?;
        let files = ctx.data::<FileSettings>()?;
        let scope = context::scope(ctx)?;
        let (document, _) =
            documents::upload_version(context::db(ctx)?, files, scope, id, incoming, change_note)
                .await?;
        Ok(Document(document))
    }

    /// Changes a document's metadata if it is still at `expectedVersion` (CONFLICT
    /// otherwise). Requires `documents:write`.
    #[graphql(guard = "require(Permission::DocumentsWrite)")]
    async fn update_document(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateDocumentInput,
        expected_version: i32,
    ) -> Result<Document> {
        let id = parse_id("id", &id)?;
        let patch = input.into_patch()?;
        let files = ctx.data::<FileSettings>()?;
        let scope = context::scope(ctx)?;
        let updated = documents::update(
            context::db(ctx)?,
            files,
            scope,
            id,
            patch,
            Some(expected_version),
        )
        .await?;
        Ok(Document(updated))
    }

    /// Deletes a document (soft): it leaves every list; its files are kept until
    /// retention allows purging. CONFLICT under legal hold. Requires `documents:write`.
    #[graphql(guard = "require(Permission::DocumentsWrite)")]
    async fn delete_document(&self, ctx: &Context<'_>, id: ID) -> Result<Document> {
        let id = parse_id("id", &id)?;
        Ok(Document(
            documents::delete(context::db(ctx)?, context::scope(ctx)?, id).await?,
        ))
    }

    /// Brings back a deleted document whose files have not been purged yet. Requires
    /// `documents:write`.
    #[graphql(guard = "require(Permission::DocumentsWrite)")]
    async fn restore_document(&self, ctx: &Context<'_>, id: ID) -> Result<Document> {
        let id = parse_id("id", &id)?;
        Ok(Document(
            documents::restore(context::db(ctx)?, context::scope(ctx)?, id).await?,
        ))
    }

    /// Sets how long a document's files must be kept (`until`; `null` removes the date)
    /// and whether it is under legal hold (no deletion, no purge). Omitted arguments
    /// stay. Works on deleted documents too. Requires `documents:retention` (admins and
    /// managers).
    #[graphql(guard = "require(Permission::DocumentsRetention)")]
    async fn set_retention(
        &self,
        ctx: &Context<'_>,
        document_id: ID,
        until: MaybeUndefined<DateTime<Utc>>,
        legal_hold: Option<bool>,
    ) -> Result<Document> {
        let id = parse_id("documentId", &document_id)?;
        let scope = context::scope(ctx)?;
        let updated =
            documents::set_retention(context::db(ctx)?, scope, id, patch(until), legal_hold)
                .await?;
        Ok(Document(updated))
    }
}
