//! `client_contacts`: people at a client. `is_primary` is unique per client among active
//! contacts, `email` unique among a client's active contacts (partial unique indexes).

use sea_orm::entity::prelude::*;

use crate::enums::{ContactMethod, ContactRole};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "client_contacts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub client_id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub full_name: String,
    pub title: Option<String>,
    pub department: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub role: ContactRole,
    pub is_primary: bool,
    pub is_billing: bool,
    pub is_technical: bool,
    pub is_active: bool,
    pub preferred_contact_method: Option<ContactMethod>,
    pub do_not_contact: bool,
    pub linkedin_url: Option<String>,
    pub engagement_score: i32,
    pub last_contacted_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
