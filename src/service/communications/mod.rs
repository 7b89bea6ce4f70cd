//! The communication log of a client: log, update (optimistic locking), mark important,
//! set and complete follow-ups. Logging or changing a communication with a contact
//! recomputes that contact's `last_contacted_at` and engagement score in the same
//! transaction (see [`engagement`]).

pub mod engagement;
pub mod read;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{client_communication, client_contact};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};
use serde_json::json;
use uuid::Uuid;

use super::change::Recorded;
use super::kernel::Patch;
use super::kernel::check_contact_of_client as check_contact;
use super::kernel::child::{self, ChildOfClient};
use super::kernel::live_client;
use super::{TenantScope, validate};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::store::Writer;
pub use entity::enums::CommunicationType;

/// Most participants of one communication.
const MAX_PARTICIPANTS: usize = 50;

/// What the caller sent for a communication (logging: `None` means "not given").
#[derive(Debug, Clone, Default)]
pub struct CommunicationPatch {
    pub communication_type: Option<CommunicationType>,
    pub subject: Option<String>,
    pub notes: Patch<String>,
    /// When it happened (default: now).
    pub communication_at: Option<DateTime<Utc>>,
    pub participants: Option<Vec<String>>,
    pub contact_id: Patch<Uuid>,
    /// A job of the tenant the exchange was about.
    pub job_id: Patch<Uuid>,
    pub is_important: Option<bool>,
    pub follow_up_required: Option<bool>,
    pub follow_up_on: Patch<NaiveDate>,
}

fn participants(list: Vec<String>) -> AppResult<serde_json::Value> {
    if list.len() > MAX_PARTICIPANTS {
        return Err(AppError::bad_input(
            "participants",
            format!("at most {MAX_PARTICIPANTS} participants"),
        ));
    }
    let list = list
        .iter()
        .map(|p| validate::text("participants", p, 1, 200))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(json!(list))
}

fn apply(m: &mut client_communication::Model, patch: CommunicationPatch) -> AppResult<()> {
    if let Some(v) = patch.communication_type {
        m.communication_type = v;
    }
    if let Some(v) = patch.subject {
        m.subject = validate::text("subject", &v, 1, 300)?;
    }
    match patch.notes {
        Patch::Keep => {}
        Patch::Clear => m.notes = None,
        Patch::Set(v) if v.trim().is_empty() => m.notes = None,
        Patch::Set(v) if v.chars().count() > 20_000 => {
            return Err(AppError::bad_input(
                "notes",
                "notes must be at most 20000 characters",
            ));
        }
        Patch::Set(v) => m.notes = Some(v),
    }
    if let Some(v) = patch.communication_at {
        m.communication_at = v;
    }
    if let Some(list) = patch.participants {
        m.participants = participants(list)?;
    }
    patch.contact_id.apply_to(&mut m.contact_id);
    patch.job_id.apply_to(&mut m.job_id);
    if let Some(v) = patch.is_important {
        m.is_important = v;
    }
    match patch.follow_up_on {
        Patch::Keep => {}
        Patch::Clear => m.follow_up_on = None,
        Patch::Set(day) => {
            m.follow_up_on = Some(day);
            // A date implies a follow-up unless the caller says otherwise.
            m.follow_up_required = patch.follow_up_required.unwrap_or(true);
        }
    }
    if let Some(v) = patch.follow_up_required {
        m.follow_up_required = v;
    }
    if m.follow_up_required && m.follow_up_on.is_none() {
        return Err(AppError::bad_input(
            "followUpOn",
            "a required follow-up needs its date (followUpOn)",
        ));
    }
    Ok(())
}

impl ChildOfClient for client_communication::Entity {
    const NAME: &'static str = "communication";
    const CREATED: &'static str = "communication.logged";
    const UPDATED: &'static str = "communication.updated";
    const CLIENT_ID: client_communication::Column = client_communication::Column::ClientId;

    fn client_id(m: &client_communication::Model) -> Uuid {
        m.client_id
    }

    fn fields(m: &client_communication::Model) -> Vec<(&'static str, serde_json::Value)> {
        vec![
            ("communicationType", json!(m.communication_type)),
            ("subject", json!(m.subject)),
            ("notes", json!(m.notes)),
            ("communicationAt", json!(m.communication_at)),
            ("participants", m.participants.clone()),
            ("contactId", json!(m.contact_id)),
            ("jobId", json!(m.job_id)),
            ("isImportant", json!(m.is_important)),
            ("followUpRequired", json!(m.follow_up_required)),
            ("followUpOn", json!(m.follow_up_on)),
            ("followUpDoneAt", json!(m.follow_up_done_at)),
        ]
    }
}

impl Recorded for client_communication::Model {
    const ENTITY: &'static str = "communication";

    fn record_id(&self) -> Uuid {
        self.id
    }

    fn event_payload(&self) -> serde_json::Value {
        json!({
            "id": self.id, "clientId": self.client_id, "contactId": self.contact_id,
            "type": self.communication_type, "subject": self.subject, "version": self.version,
        })
    }
}

/// Recomputes a contact's `last_contacted_at` and engagement score from its past
/// communications (derived data: the contact's version does not move).
async fn refresh_contact(t: Writer<'_>, contact_id: Uuid) -> AppResult<()> {
    use client_communication::Column as C;
    let now = Utc::now();
    let rows: Vec<(String, DateTime<Utc>)> = t
        .select::<client_communication::Entity>()
        .select_only()
        .column(C::CommunicationType)
        .column(C::CommunicationAt)
        .filter(C::ContactId.eq(contact_id))
        .filter(C::CommunicationAt.gte(now - Duration::days(engagement::HORIZON_DAYS)))
        .filter(C::CommunicationAt.lte(now))
        .into_tuple()
        .all(t.conn())
        .await?;
    let past: Vec<(CommunicationType, DateTime<Utc>)> = rows
        .into_iter()
        .filter_map(|(kind, at)| CommunicationType::parse(&kind).map(|k| (k, at)))
        .collect();
    let last = past.iter().map(|(_, at)| *at).max();
    t.update_many::<client_contact::Entity>()
        .col_expr(
            client_contact::Column::EngagementScore,
            Expr::value(engagement::score(&past, now)),
        )
        .col_expr(client_contact::Column::LastContactedAt, Expr::value(last))
        .filter(client_contact::Column::Id.eq(contact_id))
        .exec(t.conn())
        .await?;
    Ok(())
}

/// Refuses a job id that is not a job of the tenant (NOT_FOUND).
async fn check_job(t: Writer<'_>, job_id: Option<Uuid>) -> AppResult<()> {
    let Some(id) = job_id else { return Ok(()) };
    t.by_id::<entity::job::Entity>(id)
        .one(t.conn())
        .await?
        .map(|_| ())
        .ok_or(AppError::NotFound("job"))
}

async fn save(
    t: Writer<'_>,
    current: Option<&client_communication::Model>,
    next: client_communication::Model,
) -> AppResult<client_communication::Model> {
    let saved = match current {
        None => child::create::<client_communication::Entity>(t, next).await?,
        Some(current) => {
            let saved =
                child::save::<client_communication::Entity>(t, current.clone(), next).await?;
            if saved.version == current.version {
                return Ok(saved); // nothing changed, nothing to refresh
            }
            saved
        }
    };
    let touched = [current.and_then(|c| c.contact_id), saved.contact_id];
    for (i, contact) in touched.iter().enumerate() {
        if let Some(id) = contact
            && !touched[..i].contains(contact)
        {
            refresh_contact(t, *id).await?;
        }
    }
    Ok(saved)
}

/// Logs a communication with a client (`communicationType` and `subject` required).
pub async fn log(
    db: &Db,
    scope: &TenantScope,
    client_id: Uuid,
    patch: CommunicationPatch,
) -> AppResult<client_communication::Model> {
    if patch.communication_type.is_none() {
        return Err(AppError::bad_input(
            "communicationType",
            "communicationType is required",
        ));
    }
    if patch.subject.is_none() {
        return Err(AppError::bad_input("subject", "subject is required"));
    }
    db.write(scope, move |t| {
        Box::pin(async move {
            live_client(t, client_id).await?;
            let now = Utc::now();
            let mut model = client_communication::Model {
                id: Uuid::now_v7(),
                tenant_id: t.tenant_id(),
                client_id,
                contact_id: None,
                job_id: None,
                // Replaced by the required `communicationType` (checked above).
                communication_type: CommunicationType::Other,
                subject: String::new(),
                notes: None,
                communication_at: now,
                participants: json!([]),
                is_important: false,
                follow_up_required: false,
                follow_up_on: None,
                follow_up_done_at: None,
                logged_by: t.scope().actor().id,
                created_at: now,
                updated_at: now,
                version: 1,
            };
            apply(&mut model, patch)?;
            check_contact(t, client_id, model.contact_id).await?;
            check_job(t, model.job_id).await?;
            save(t, None, model).await
        })
    })
    .await
}

/// Changes a communication if it is still at `expected_version` (any when `None`);
/// `edit` may also set fields the patch cannot (the follow-up's completion).
async fn change_with(
    db: &Db,
    scope: &TenantScope,
    id: Uuid,
    patch: CommunicationPatch,
    expected_version: Option<i32>,
    edit: fn(&mut client_communication::Model) -> AppResult<()>,
) -> AppResult<client_communication::Model> {
    db.write(scope, move |t| {
        Box::pin(async move {
            let current =
                child::locked::<client_communication::Entity>(t, id, expected_version).await?;
            let mut next = current.clone();
            apply(&mut next, patch)?;
            edit(&mut next)?;
            if next.contact_id != current.contact_id {
                check_contact(t, next.client_id, next.contact_id).await?;
            }
            if next.job_id != current.job_id {
                check_job(t, next.job_id).await?;
            }
            save(t, Some(&current), next).await
        })
    })
    .await
}

/// Changes a communication if it is still at `expected_version` (any when `None`).
pub async fn update(
    db: &Db,
    scope: &TenantScope,
    id: Uuid,
    patch: CommunicationPatch,
    expected_version: Option<i32>,
) -> AppResult<client_communication::Model> {
    change_with(db, scope, id, patch, expected_version, |_| Ok(())).await
}

/// Flags (or unflags) a communication as important.
pub async fn mark_important(
    db: &Db,
    scope: &TenantScope,
    id: Uuid,
    important: bool,
) -> AppResult<client_communication::Model> {
    let patch = CommunicationPatch {
        is_important: Some(important),
        ..Default::default()
    };
    update(db, scope, id, patch, None).await
}

/// Asks for a follow-up on `on` (reopening a completed one).
pub async fn set_follow_up(
    db: &Db,
    scope: &TenantScope,
    id: Uuid,
    on: NaiveDate,
) -> AppResult<client_communication::Model> {
    let patch = CommunicationPatch {
        follow_up_required: Some(true),
        follow_up_on: Patch::Set(on),
        ..Default::default()
    };
    change_with(db, scope, id, patch, None, |m| {
        m.follow_up_done_at = None;
        Ok(())
    })
    .await
}

/// Marks a communication's follow-up done; CONFLICT when none is open.
pub async fn complete_follow_up(
    db: &Db,
    scope: &TenantScope,
    id: Uuid,
) -> AppResult<client_communication::Model> {
    change_with(db, scope, id, CommunicationPatch::default(), None, |m| {
        if !m.follow_up_required || m.follow_up_done_at.is_some() {
            return Err(AppError::Conflict(
                "this communication has no open follow-up".into(),
            ));
        }
        m.follow_up_done_at = Some(Utc::now());
        Ok(())
    })
    .await
}

/// The participants of a communication.
pub fn participants_of(m: &client_communication::Model) -> Vec<String> {
    serde_json::from_value(m.participants.clone()).unwrap_or_default()
}
