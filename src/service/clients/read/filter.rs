//! The client list's filter: its conditions (tags, custom fields, billing ranges, dates),
//! the search, and the `some` / `none` filters on related rows, as one selection.

use chrono::{DateTime, Utc};
use entity::{client, client_contact, client_tag};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, SimpleExpr};
use sea_orm::{ColumnTrait, DbBackend, QueryFilter, Select};
use serde_json::Value as Json;
use uuid::Uuid;

use super::ClientQuery;

use super::super::input::valid_custom_key;
use super::super::kinds::{ClientStage, ClientStatus, ClientTier};
use crate::auth::Permission;
use crate::error::{AppError, AppResult};
use crate::service::communications::read::{
    CommunicationFilter, conditions as communication_conditions,
};
use crate::service::contacts::read::{ContactFilter, conditions as contact_conditions};
use crate::service::feedback::{FeedbackFilter, conditions as feedback_conditions};
use crate::service::jobs::read::{ClientJobFilter, link_conditions};
use crate::service::notes::read::{NoteFilter, conditions as note_conditions};
use crate::service::search::like_pattern;
use crate::service::store::{Tenant, TenantOwned};

/// Narrows a client list; every condition must hold.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ClientFilter {
    pub status_in: Vec<ClientStatus>,
    pub stage_in: Vec<ClientStage>,
    pub tier_in: Vec<ClientTier>,
    /// Case-insensitive exact industry.
    pub industry: Option<String>,
    pub account_manager_id: Option<Uuid>,
    pub parent_client_id: Option<Uuid>,
    /// Clients with at least one of these tags.
    pub tags_any: Vec<String>,
    /// Clients with every one of these tags.
    pub tags_all: Vec<String>,
    /// Custom field key → value (string, number or boolean) equality.
    pub custom_fields: Vec<(String, Json)>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub updated_from: Option<DateTime<Utc>>,
    pub updated_to: Option<DateTime<Utc>>,
    /// Outstanding balance range in major units (needs `billing:read`).
    pub outstanding_balance_min: Option<f64>,
    pub outstanding_balance_max: Option<f64>,
    /// Also soft-deleted clients (needs `clients:delete`).
    pub include_deleted: bool,
    /// Clients with at least one contact matching this filter.
    pub contacts_some: Option<ContactFilter>,
    /// Clients with no contact matching this filter.
    pub contacts_none: Option<ContactFilter>,
    /// Clients with at least one note matching this filter.
    pub notes_some: Option<NoteFilter>,
    /// Clients with no note matching this filter.
    pub notes_none: Option<NoteFilter>,
    /// Clients with at least one communication matching this filter.
    pub communications_some: Option<CommunicationFilter>,
    /// Clients with no communication matching this filter.
    pub communications_none: Option<CommunicationFilter>,
    /// Clients with at least one job link matching this filter.
    pub jobs_some: Option<ClientJobFilter>,
    /// Clients with no job link matching this filter.
    pub jobs_none: Option<ClientJobFilter>,
    /// Clients with at least one feedback row matching this filter.
    pub feedback_some: Option<FeedbackFilter>,
    /// Clients with no feedback row matching this filter.
    pub feedback_none: Option<FeedbackFilter>,
}

/// The search condition: an index lookup for terms of 3+ characters (FTS5 trigram on
/// SQLite, pg_trgm GIN on PostgreSQL), a LIKE on the tenant's rows for shorter ones.
pub(super) fn search_condition(backend: DbBackend, term: &str) -> Option<SimpleExpr> {
    let term = term.trim().to_lowercase();
    if term.is_empty() {
        return None;
    }
    let like = Expr::col((client::Entity, client::Column::SearchText))
        .like(LikeExpr::new(like_pattern(&term)).escape('\\'));
    if term.chars().count() < 3 || backend != DbBackend::Sqlite {
        return Some(like);
    }
    let phrase = format!("\"{}\"", term.replace('"', "\"\""));
    Some(Expr::cust_with_values(
        "\"clients\".rowid IN (SELECT rowid FROM client_search WHERE client_search MATCH ?)",
        [phrase],
    ))
}

pub(super) fn custom_field_condition(
    backend: DbBackend,
    key: &str,
    value: &Json,
) -> AppResult<SimpleExpr> {
    if !valid_custom_key(key) {
        return Err(AppError::bad_input(
            "filter.customFields",
            format!("invalid custom field key {key:?}"),
        ));
    }
    let text = match value {
        Json::String(s) => s.clone(),
        Json::Number(n) => n.to_string(),
        Json::Bool(b) => b.to_string(),
        _ => {
            return Err(AppError::bad_input(
                "filter.customFields",
                "custom field values compare as strings, numbers or booleans",
            ));
        }
    };
    // sea-query's custom SQL takes `$n` placeholders on PostgreSQL and `?` on SQLite; the
    // key is cast because `json ->> unknown` is ambiguous (text key or array index).
    Ok(match backend {
        DbBackend::Postgres => Expr::cust_with_values(
            "(\"clients\".\"custom_fields\" ->> CAST($1 AS text)) = $2",
            [key.to_owned(), text],
        ),
        _ => {
            // SQLite's json_extract gives 1/0 for booleans; compare them as such.
            let text = match value {
                Json::Bool(b) => {
                    if *b {
                        "1".to_owned()
                    } else {
                        "0".to_owned()
                    }
                }
                _ => text,
            };
            Expr::cust_with_values(
                "CAST(json_extract(\"clients\".\"custom_fields\", ?) AS TEXT) = ?",
                [format!("$.\"{key}\""), text],
            )
        }
    })
}

pub(super) fn tag_exists(t: Tenant<'_>, tags: &[String]) -> SimpleExpr {
    let conditions = sea_orm::Condition::all()
        .add(Expr::col((client_tag::Entity, client_tag::Column::Tag)).is_in(tags.iter().cloned()));
    t.child_of_client_exists::<client_tag::Entity>(client_tag::Column::ClientId, conditions)
}

/// The `some` / `none` filters on related rows, each an EXISTS subquery; each needs
/// the read permission of the rows it looks into (else a filter would reveal them).
pub(super) fn relation_filters(t: Tenant<'_>, f: &ClientFilter) -> AppResult<Vec<SimpleExpr>> {
    let backend = t.backend();
    use Permission::*;
    use entity::{
        client_communication as comm, client_feedback as fb, client_job_assignment as link,
        client_note as note,
    };
    let mut out = Vec::new();
    let contacts = (&f.contacts_some, &f.contacts_none);
    relation::<_, client_contact::Entity>(
        t,
        contacts,
        ContactsRead,
        "filter.contacts",
        client_contact::Column::ClientId,
        contact_conditions,
        &mut out,
    )?;
    let notes = (&f.notes_some, &f.notes_none);
    relation::<_, note::Entity>(
        t,
        notes,
        NotesRead,
        "filter.notes",
        note::Column::ClientId,
        |n| note_conditions(backend, n),
        &mut out,
    )?;
    let communications = (&f.communications_some, &f.communications_none);
    relation::<_, comm::Entity>(
        t,
        communications,
        CommunicationsRead,
        "filter.communications",
        comm::Column::ClientId,
        communication_conditions,
        &mut out,
    )?;
    let jobs = (&f.jobs_some, &f.jobs_none);
    relation::<_, link::Entity>(
        t,
        jobs,
        JobsRead,
        "filter.jobs",
        link::Column::ClientId,
        link_conditions,
        &mut out,
    )?;
    let feedback = (&f.feedback_some, &f.feedback_none);
    relation::<_, fb::Entity>(
        t,
        feedback,
        FeedbackRead,
        "filter.feedback",
        fb::Column::ClientId,
        feedback_conditions,
        &mut out,
    )?;
    Ok(out)
}

/// Adds the `some` / `none` EXISTS conditions of one child table to `out`, after
/// checking the caller may read that table.
pub(super) fn relation<F, E: TenantOwned>(
    t: Tenant<'_>,
    (some, none): (&Option<F>, &Option<F>),
    permission: Permission,
    field: &str,
    parent: E::Column,
    conditions: impl Fn(&F) -> sea_orm::Condition,
    out: &mut Vec<SimpleExpr>,
) -> AppResult<()> {
    for (filter, wanted) in [(some, true), (none, false)] {
        if let Some(filter) = filter {
            t.scope().require(permission, field)?;
            let exists = t.child_of_client_exists::<E>(parent, conditions(filter));
            out.push(if wanted { exists } else { exists.not() });
        }
    }
    Ok(())
}

pub(super) fn cents(amount: f64) -> i64 {
    (amount * 100.0).round() as i64
}

/// The filtered, searched (unordered, unpaged) selection.
pub(super) fn selection(t: Tenant<'_>, query: &ClientQuery) -> AppResult<Select<client::Entity>> {
    let (backend, scope) = (t.backend(), t.scope());
    let f = &query.filter;
    let mut select = t.select::<client::Entity>();
    if f.include_deleted {
        scope.require(Permission::ClientsDelete, "includeDeleted")?;
    } else {
        select = select.filter(client::Column::DeletedAt.is_null());
    }
    if !f.status_in.is_empty() {
        select =
            select.filter(client::Column::Status.is_in(f.status_in.iter().map(|s| s.as_str())));
    }
    if !f.stage_in.is_empty() {
        select = select.filter(client::Column::Stage.is_in(f.stage_in.iter().map(|s| s.as_str())));
    }
    if !f.tier_in.is_empty() {
        select = select.filter(client::Column::Tier.is_in(f.tier_in.iter().map(|s| s.as_str())));
    }
    if let Some(industry) = &f.industry {
        select = select.filter(
            sea_orm::sea_query::Func::lower(Expr::col((client::Entity, client::Column::Industry)))
                .eq(industry.trim().to_lowercase()),
        );
    }
    if let Some(id) = f.account_manager_id {
        select = select.filter(client::Column::AccountManagerId.eq(id));
    }
    if let Some(id) = f.parent_client_id {
        select = select.filter(client::Column::ParentClientId.eq(id));
    }
    let normalize = |tags: &[String]| {
        tags.iter()
            .map(|t| t.trim().to_lowercase())
            .collect::<Vec<_>>()
    };
    if !f.tags_any.is_empty() {
        select = select.filter(tag_exists(t, &normalize(&f.tags_any)));
    }
    for tag in normalize(&f.tags_all) {
        select = select.filter(tag_exists(t, std::slice::from_ref(&tag)));
    }
    for (key, value) in &f.custom_fields {
        select = select.filter(custom_field_condition(backend, key, value)?);
    }
    if let Some(v) = f.created_from {
        select = select.filter(client::Column::CreatedAt.gte(v));
    }
    if let Some(v) = f.created_to {
        select = select.filter(client::Column::CreatedAt.lt(v));
    }
    if let Some(v) = f.updated_from {
        select = select.filter(client::Column::UpdatedAt.gte(v));
    }
    if let Some(v) = f.updated_to {
        select = select.filter(client::Column::UpdatedAt.lt(v));
    }
    if f.outstanding_balance_min.is_some() || f.outstanding_balance_max.is_some() {
        scope.require(Permission::BillingRead, "filtering by outstandingBalance")?;
    }
    if let Some(v) = f.outstanding_balance_min {
        select = select.filter(client::Column::OutstandingBalanceCents.gte(cents(v)));
    }
    if let Some(v) = f.outstanding_balance_max {
        select = select.filter(client::Column::OutstandingBalanceCents.lte(cents(v)));
    }
    for exists in relation_filters(t, f)? {
        select = select.filter(exists);
    }
    if let Some(condition) = query
        .search
        .as_deref()
        .and_then(|t| search_condition(backend, t))
    {
        select = select.filter(condition);
    }
    Ok(select)
}
