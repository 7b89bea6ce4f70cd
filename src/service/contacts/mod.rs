//! Contacts of a client: add, update (optimistic locking), remove (soft), set primary,
//! upsert by email; and reads, including one page per client for nested lists.
//!
//! Invariants, each enforced by the service and by a partial unique index: at most one
//! active primary contact per client; an email used by at most one active contact of a
//! client. Moving the primary flag locks the client row first, so concurrent moves on
//! one client serialise instead of colliding.

pub mod read;

use chrono::Utc;
use entity::client_contact;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, QueryFilter, QuerySelect, Set};
use serde_json::json;
use uuid::Uuid;

use super::change::{self, FieldChanges, Recorded};
use super::kernel::Patch;
use crate::service::store::Writer;
// Locking the live client row serialises primary-flag moves on one client.
use super::kernel::locked_live_client as lock_client;
use super::kernel::search_text;
use super::{TenantScope, validate};
use crate::db::Db;
use crate::error::{AppError, AppResult};
pub use entity::enums::{ContactMethod, ContactRole};

/// What the caller sent for a contact (creation: `Keep` means "not given").
#[derive(Debug, Clone, Default)]
pub struct ContactPatch {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Patch<String>,
    pub department: Patch<String>,
    pub email: Patch<String>,
    pub phone: Patch<String>,
    pub mobile: Patch<String>,
    pub role: Option<ContactRole>,
    pub is_primary: Option<bool>,
    pub is_billing: Option<bool>,
    pub is_technical: Option<bool>,
    pub preferred_contact_method: Patch<ContactMethod>,
    pub do_not_contact: Option<bool>,
    pub linkedin_url: Patch<String>,
}

fn phone(field: &str, value: Option<String>) -> AppResult<Option<String>> {
    let Some(value) = value else { return Ok(None) };
    let digits = value.chars().filter(char::is_ascii_digit).count();
    if value
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c))
        && (5..=20).contains(&digits)
    {
        Ok(Some(value))
    } else {
        Err(AppError::bad_input(
            field,
            format!("{field} must hold 5 to 20 digits and only + - ( ) . or spaces"),
        ))
    }
}

/// Applies `patch` onto `model` (a new default row or the stored one), validating it.
fn apply(model: &mut client_contact::Model, patch: ContactPatch) -> AppResult<()> {
    if let Some(v) = patch.first_name {
        model.first_name = v;
    }
    if let Some(v) = patch.last_name {
        model.last_name = v;
    }
    model.first_name = validate::text("firstName", &model.first_name, 1, 100)?;
    model.last_name = validate::text("lastName", &model.last_name, 1, 100)?;
    model.full_name = format!("{} {}", model.first_name, model.last_name);
    validate::optional_text(patch.title, &mut model.title, "title", 100)?;
    validate::optional_text(patch.department, &mut model.department, "department", 100)?;
    validate::optional_text(patch.email, &mut model.email, "email", 320)?;
    model.email = model
        .email
        .take()
        .map(|e| validate::email("email", &e))
        .transpose()?;
    validate::optional_text(patch.phone, &mut model.phone, "phone", 40)?;
    model.phone = phone("phone", model.phone.take())?;
    validate::optional_text(patch.mobile, &mut model.mobile, "mobile", 40)?;
    model.mobile = phone("mobile", model.mobile.take())?;
    validate::optional_text(
        patch.linkedin_url,
        &mut model.linkedin_url,
        "linkedinUrl",
        300,
    )?;
    if let Some(url) = &model.linkedin_url
        && !url.starts_with("https://")
    {
        return Err(AppError::bad_input(
            "linkedinUrl",
            "linkedinUrl must be an https URL",
        ));
    }
    if let Some(role) = patch.role {
        model.role = role;
    }
    match patch.preferred_contact_method {
        Patch::Keep => {}
        Patch::Clear => model.preferred_contact_method = None,
        Patch::Set(m) => model.preferred_contact_method = Some(m),
    }
    model.is_billing = patch.is_billing.unwrap_or(model.is_billing);
    model.is_technical = patch.is_technical.unwrap_or(model.is_technical);
    model.do_not_contact = patch.do_not_contact.unwrap_or(model.do_not_contact);
    Ok(())
}

fn fields(m: &client_contact::Model) -> Vec<(&'static str, serde_json::Value)> {
    vec![
        ("firstName", json!(m.first_name)),
        ("lastName", json!(m.last_name)),
        ("title", json!(m.title)),
        ("department", json!(m.department)),
        ("email", json!(m.email)),
        ("phone", json!(m.phone)),
        ("mobile", json!(m.mobile)),
        ("role", json!(m.role)),
        ("isPrimary", json!(m.is_primary)),
        ("isBilling", json!(m.is_billing)),
        ("isTechnical", json!(m.is_technical)),
        ("preferredContactMethod", json!(m.preferred_contact_method)),
        ("doNotContact", json!(m.do_not_contact)),
        ("linkedinUrl", json!(m.linkedin_url)),
    ]
}

impl Recorded for client_contact::Model {
    const ENTITY: &'static str = "contact";

    fn record_id(&self) -> Uuid {
        self.id
    }

    fn event_payload(&self) -> serde_json::Value {
        json!({ "id": self.id, "clientId": self.client_id, "fullName": self.full_name, "version": self.version })
    }
}

async fn live_contact(t: Writer<'_>, id: Uuid) -> AppResult<client_contact::Model> {
    t.by_id::<client_contact::Entity>(id)
        .filter(client_contact::Column::DeletedAt.is_null())
        .filter(t.client_is_live(Expr::col((
            client_contact::Entity,
            client_contact::Column::ClientId,
        ))))
        .lock_exclusive()
        .one(t.conn())
        .await?
        .ok_or(AppError::NotFound("contact"))
}

async fn check_email(t: Writer<'_>, m: &client_contact::Model) -> AppResult<()> {
    let Some(email) = &m.email else { return Ok(()) };
    let taken = t
        .select::<client_contact::Entity>()
        .filter(client_contact::Column::ClientId.eq(m.client_id))
        .filter(client_contact::Column::Email.eq(email))
        .filter(client_contact::Column::IsActive.eq(true))
        .filter(client_contact::Column::DeletedAt.is_null())
        .filter(client_contact::Column::Id.ne(m.id))
        .one(t.conn())
        .await?;
    match taken {
        Some(other) => Err(AppError::duplicate(
            "email",
            format!("{} already uses {email} at this client", other.full_name),
        )),
        None => Ok(()),
    }
}

/// Clears the primary flag of the client's other contacts.
async fn clear_primary(t: Writer<'_>, client_id: Uuid, keep: Uuid) -> AppResult<()> {
    t.update_many::<client_contact::Entity>()
        .col_expr(client_contact::Column::IsPrimary, Expr::value(false))
        .filter(client_contact::Column::ClientId.eq(client_id))
        .filter(client_contact::Column::IsPrimary.eq(true))
        .filter(client_contact::Column::Id.ne(keep))
        .exec(t.conn())
        .await?;
    Ok(())
}

/// Adds a contact to a client.
pub async fn add(
    db: &Db,
    scope: &TenantScope,
    client_id: Uuid,
    patch: ContactPatch,
) -> AppResult<client_contact::Model> {
    db.write(scope, move |t| {
        Box::pin(async move { add_in(t, client_id, patch).await })
    })
    .await
}

pub(crate) async fn add_in(
    t: Writer<'_>,
    client_id: Uuid,
    patch: ContactPatch,
) -> AppResult<client_contact::Model> {
    lock_client(t, client_id).await?;
    let now = Utc::now();
    let primary = patch.is_primary.unwrap_or(false);
    let mut model = client_contact::Model {
        id: Uuid::now_v7(),
        tenant_id: t.tenant_id(),
        client_id,
        first_name: String::new(),
        last_name: String::new(),
        full_name: String::new(),
        title: None,
        department: None,
        email: None,
        phone: None,
        mobile: None,
        role: ContactRole::Other,
        is_primary: primary,
        is_billing: false,
        is_technical: false,
        is_active: true,
        preferred_contact_method: None,
        do_not_contact: false,
        linkedin_url: None,
        engagement_score: 0,
        last_contacted_at: None,
        created_at: now,
        updated_at: now,
        version: 1,
        deleted_at: None,
    };
    apply(&mut model, patch)?;
    check_email(t, &model).await?;
    if primary {
        clear_primary(t, client_id, model.id).await?;
    }
    let changes = FieldChanges::created(fields(&model));
    let active: client_contact::ActiveModel = model.into();
    let created = t.insert(active).await?;
    t.record_of("contact.created", &created, changes).await?;
    search_text::refresh(t, created.client_id).await?;
    Ok(created)
}

/// Changes a contact if it is still at `expected_version` (any version when `None`).
pub async fn update(
    db: &Db,
    scope: &TenantScope,
    id: Uuid,
    patch: ContactPatch,
    expected_version: Option<i32>,
) -> AppResult<client_contact::Model> {
    db.write(scope, move |t| {
        Box::pin(async move { update_in(t, id, patch, expected_version).await })
    })
    .await
}

async fn update_in(
    t: Writer<'_>,
    id: Uuid,
    patch: ContactPatch,
    expected_version: Option<i32>,
) -> AppResult<client_contact::Model> {
    let peek = t
        .by_id::<client_contact::Entity>(id)
        .filter(client_contact::Column::DeletedAt.is_null())
        .one(t.conn())
        .await?;
    let client_id = peek.ok_or(AppError::NotFound("contact"))?.client_id;
    lock_client(t, client_id).await?;
    let current = live_contact(t, id).await?;
    change::expect_version("contact", current.version, expected_version)?;
    let make_primary = patch.is_primary;
    let mut next = current.clone();
    apply(&mut next, patch)?;
    if let Some(primary) = make_primary {
        next.is_primary = primary && next.is_active;
    }
    check_email(t, &next).await?;
    let changes = FieldChanges::between(fields(&current), fields(&next));
    if changes.is_empty() {
        return Ok(current);
    }
    if next.is_primary && !current.is_primary {
        clear_primary(t, next.client_id, next.id).await?;
    }
    next.version = current.version + 1;
    next.updated_at = Utc::now();
    let updated = t.update_row(next).await?;
    t.record_of("contact.updated", &updated, changes).await?;
    search_text::refresh(t, updated.client_id).await?;
    Ok(updated)
}

/// Removes a contact (soft): it leaves every list and frees its email and primary flag.
pub async fn remove(db: &Db, scope: &TenantScope, id: Uuid) -> AppResult<client_contact::Model> {
    db.write(scope, move |t| {
        Box::pin(async move {
            let current = live_contact(t, id).await?;
            let mut active: client_contact::ActiveModel = current.clone().into();
            active.deleted_at = Set(Some(Utc::now()));
            active.is_active = Set(false);
            active.is_primary = Set(false);
            active.version = Set(current.version + 1);
            active.updated_at = Set(Utc::now());
            let removed = t.update(active).await?;
            let changes = FieldChanges::new().set("isActive", current.is_active, false);
            t.record_of("contact.removed", &removed, changes).await?;
            search_text::refresh(t, removed.client_id).await?;
            Ok(removed)
        })
    })
    .await
}

/// Makes `contact_id` the client's only primary contact.
pub async fn set_primary(
    db: &Db,
    scope: &TenantScope,
    client_id: Uuid,
    contact_id: Uuid,
) -> AppResult<client_contact::Model> {
    db.write(scope, move |t| {
        Box::pin(async move {
            lock_client(t, client_id).await?;
            let contact = live_contact(t, contact_id).await?;
            if contact.client_id != client_id {
                return Err(AppError::NotFound("contact"));
            }
            if !contact.is_active {
                return Err(AppError::Conflict(format!(
                    "{} is not active",
                    contact.full_name
                )));
            }
            let patch = ContactPatch {
                is_primary: Some(true),
                ..Default::default()
            };
            update_in(t, contact_id, patch, None).await
        })
    })
    .await
}

/// Updates the client's active contact with the same email, or adds one.
pub async fn upsert(
    db: &Db,
    scope: &TenantScope,
    client_id: Uuid,
    patch: ContactPatch,
) -> AppResult<(client_contact::Model, bool)> {
    let email = match &patch.email {
        Patch::Set(e) => validate::email("email", e)?,
        _ => {
            return Err(AppError::bad_input(
                "email",
                "upsertContact matches by email: give one",
            ));
        }
    };
    db.write(scope, move |t| {
        Box::pin(async move {
            lock_client(t, client_id).await?;
            let existing = t
                .select::<client_contact::Entity>()
                .filter(client_contact::Column::ClientId.eq(client_id))
                .filter(client_contact::Column::Email.eq(&email))
                .filter(client_contact::Column::IsActive.eq(true))
                .filter(client_contact::Column::DeletedAt.is_null())
                .one(t.conn())
                .await?;
            match existing {
                Some(found) => Ok((update_in(t, found.id, patch, None).await?, false)),
                None => Ok((add_in(t, client_id, patch).await?, true)),
            }
        })
    })
    .await
}
