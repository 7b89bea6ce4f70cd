//! GraphQL output types. Each wraps a model and exposes chosen fields (never
//! `tenant_id`, password hashes or secret hashes).

mod address;
mod api_key;
mod audit_event;
mod client;
mod communication;
mod contact;
mod document;
mod feedback;
mod insights;
mod job;
mod note;
mod session;
mod tenant;
mod user;
mod viewer;

/// Most items of the small lists that take no page arguments (attachments, versions,
/// feedback trend periods, API keys): the first ones in their documented order.
pub const MAX_LISTED: usize = 100;

pub use address::Address;
pub use api_key::{ApiKey, CreatedApiKey};
pub use audit_event::{AuditEvent, AuditEventConnectionFields};
pub use client::{Client, ClientConnectionFields, ClientSummary, FeedbackFilterInput, StatusCount};
pub use communication::{Communication, CommunicationConnectionFields};
pub use contact::{Contact, ContactConnectionFields};
pub use document::{
    Document, DocumentConnectionFields, DocumentFilterInput, DocumentVersion, attachments_of,
    documents_connection, logo_of,
};
pub use feedback::{Feedback, FeedbackConnectionFields, FeedbackSummary};
pub use insights::{AnalyticsDay, ClientDashboard, HealthScore, load_health};
pub use job::{
    Application, ApplicationConnectionFields, Job, JobAssignment, JobConnectionFields, Pipeline,
};
pub use note::{Note, NoteConnectionFields};
pub use session::AuthPayload;
pub use tenant::Tenant;
pub use user::{User, UserConnectionFields};
pub use viewer::Viewer;

use crate::auth::Role;
use crate::error::AppError;

/// A stored role name as the GraphQL enum; an unknown name is a data error.
pub(crate) fn stored_role(name: &str) -> Result<Role, AppError> {
    Role::parse(name)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("unknown stored role {name:?}")))
}
