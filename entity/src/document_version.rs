//! `document_versions`: one uploaded file of a document. Append-only; the bytes are in
//! the file store under `storage_key` (random, never derived from the filename).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "document_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub document_id: Uuid,
    /// 1, 2, … per document.
    pub version_no: i32,
    pub storage_key: String,
    /// The uploader's filename, sanitized.
    pub original_filename: String,
    /// Sniffed from the bytes, never taken from the client.
    pub mime_type: String,
    pub size_bytes: i64,
    /// Lower-case hex; verified on every download.
    pub sha256: String,
    pub uploaded_by: Option<Uuid>,
    pub uploaded_at: DateTimeUtc,
    pub change_note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
