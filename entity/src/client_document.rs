//! `client_documents`: a document kept about a client (optionally attached to one of its
//! contacts or communications). Its bytes are the versions in `document_versions`.

use sea_orm::entity::prelude::*;

use crate::enums::{DocType, Visibility};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "client_documents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub client_id: Uuid,
    pub contact_id: Option<Uuid>,
    pub communication_id: Option<Uuid>,
    pub name: String,
    pub description: Option<String>,
    pub doc_type: DocType,
    pub category: Option<String>,
    /// JSON array of lower-case labels.
    pub tags: Json,
    pub visibility: Visibility,
    pub current_version_id: Option<Uuid>,
    /// The number of the current version (0 only transiently, inside the upload).
    pub current_version_no: i32,
    /// The bytes may not be purged before this instant.
    pub retention_until: Option<DateTimeUtc>,
    /// Under legal hold the document can be neither deleted nor purged.
    pub legal_hold: bool,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
