//! `client_communications`: the log of emails, calls, meetings… with a client, with
//! follow-ups. Logging one with a contact refreshes that contact's engagement score.

use sea_orm::entity::prelude::*;

use crate::enums::CommunicationType;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "client_communications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub client_id: Uuid,
    pub contact_id: Option<Uuid>,
    pub job_id: Option<Uuid>,
    pub communication_type: CommunicationType,
    pub subject: String,
    pub notes: Option<String>,
    pub communication_at: DateTimeUtc,
    /// JSON array of names or email addresses.
    pub participants: Json,
    pub is_important: bool,
    pub follow_up_required: bool,
    pub follow_up_on: Option<Date>,
    pub follow_up_done_at: Option<DateTimeUtc>,
    pub logged_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
