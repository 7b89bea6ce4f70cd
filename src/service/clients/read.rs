//! Reading clients: by id or code, and lists with filters, search, multi-field ordering
//! and keyset pagination in both directions.
//!
//! The cursor carries the row's values of every ordering field plus its id, so the next
//! page starts strictly after it whatever was inserted meanwhile (no OFFSET, no gaps or
//! repeats). Null placement is explicit in SQL and in the keyset predicate alike.
//!
//! Soft-deleted clients are invisible unless `include_deleted` (which needs
//! `clients:delete`). Filtering or ordering on a billing figure needs `billing:read`,
//! so hidden values cannot leak through counts or order.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{client, client_contact, client_tag};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, NullOrdering, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, DbBackend, Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Select, Value,
};
use serde_json::{Value as Json, json};
use uuid::Uuid;

use super::input::valid_custom_key;
use super::kinds::{ClientStage, ClientStatus, ClientTier};
use crate::auth::Permission;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::TenantScope;
use crate::service::communications::read::{
    CommunicationFilter, conditions as communication_conditions,
};
use crate::service::contacts::read::{ContactFilter, conditions as contact_conditions};
use crate::service::feedback::{FeedbackFilter, conditions as feedback_conditions};
use crate::service::jobs::read::{ClientJobFilter, link_conditions};
use crate::service::kernel::live_client;
use crate::service::notes::read::{NoteFilter, conditions as note_conditions};
use crate::service::page::{self, page_size};
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

/// A field clients can be ordered by.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum, serde::Serialize, serde::Deserialize,
)]
pub enum ClientOrderField {
    /// Name, case- and punctuation-insensitive.
    Name,
    ClientCode,
    CreatedAt,
    UpdatedAt,
    Status,
    Stage,
    Tier,
    Industry,
    EmployeeCount,
    ContractEnd,
    /// Needs `billing:read`.
    AnnualRevenue,
    /// Needs `billing:read`.
    OutstandingBalance,
    /// OPEN jobs linked to the client now.
    OpenJobCount,
    /// The health score of the last daily analytics run (null before the first run;
    /// `Client.healthScore` is the live figure). Needs `analytics:read`, `billing:read`
    /// and `feedback:read` (the stored score counts billing figures and feedback).
    HealthScore,
}

/// One ordering key.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct ClientOrder {
    pub field: ClientOrderField,
    pub descending: bool,
    pub nulls_first: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Int,
    Time,
    Date,
}

impl ClientOrderField {
    fn column(self) -> client::Column {
        use ClientOrderField::*;
        match self {
            Name => client::Column::NameNormalized,
            ClientCode => client::Column::ClientCode,
            CreatedAt => client::Column::CreatedAt,
            UpdatedAt => client::Column::UpdatedAt,
            Status => client::Column::Status,
            Stage => client::Column::Stage,
            Tier => client::Column::Tier,
            Industry => client::Column::Industry,
            EmployeeCount => client::Column::EmployeeCount,
            ContractEnd => client::Column::ContractEnd,
            AnnualRevenue => client::Column::AnnualRevenueCents,
            OutstandingBalance => client::Column::OutstandingBalanceCents,
            OpenJobCount => client::Column::OpenJobsCount,
            HealthScore => client::Column::HealthScore,
        }
    }

    fn kind(self) -> Kind {
        use ClientOrderField::*;
        match self {
            Name | ClientCode | Status | Stage | Tier | Industry => Kind::Text,
            EmployeeCount | AnnualRevenue | OutstandingBalance | OpenJobCount | HealthScore => {
                Kind::Int
            }
            CreatedAt | UpdatedAt => Kind::Time,
            ContractEnd => Kind::Date,
        }
    }

    /// Whether the column can hold NULL (a range bound on it would drop null rows).
    fn nullable(self) -> bool {
        use ClientOrderField::*;
        !matches!(
            self,
            Name | ClientCode | CreatedAt | UpdatedAt | Status | OpenJobCount
        )
    }

    fn is_billing(self) -> bool {
        matches!(
            self,
            ClientOrderField::AnnualRevenue | ClientOrderField::OutstandingBalance
        )
    }

    /// The row's value as stored in a cursor.
    fn cursor_value(self, m: &client::Model) -> Json {
        use ClientOrderField::*;
        match self {
            Name => json!(m.name_normalized),
            ClientCode => json!(m.client_code),
            CreatedAt => json!(m.created_at),
            UpdatedAt => json!(m.updated_at),
            Status => json!(m.status),
            Stage => json!(m.stage),
            Tier => json!(m.tier),
            Industry => json!(m.industry),
            EmployeeCount => json!(m.employee_count),
            ContractEnd => json!(m.contract_end),
            AnnualRevenue => json!(m.annual_revenue_cents),
            OutstandingBalance => json!(m.outstanding_balance_cents),
            OpenJobCount => json!(m.open_jobs_count),
            HealthScore => json!(m.health_score),
        }
    }

    /// A cursor value back as an SQL value; `None` for a null.
    fn sql_value(self, value: &Json) -> AppResult<Option<Value>> {
        let bad = || AppError::bad_input("after", "the cursor does not belong to this ordering");
        if value.is_null() {
            return Ok(None);
        }
        Ok(Some(match self.kind() {
            Kind::Text => value.as_str().ok_or_else(bad)?.to_owned().into(),
            Kind::Int => value.as_i64().ok_or_else(bad)?.into(),
            Kind::Time => serde_json::from_value::<DateTime<Utc>>(value.clone())
                .map_err(|_| bad())?
                .into(),
            Kind::Date => serde_json::from_value::<NaiveDate>(value.clone())
                .map_err(|_| bad())?
                .into(),
        }))
    }
}

/// Which slice of the ordered list to return.
#[derive(Debug, Clone, Default)]
pub struct Window {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// A page of clients with the cursor of each row.
#[derive(Debug)]
pub struct ClientPage {
    pub rows: Vec<(String, client::Model)>,
    pub has_previous_page: bool,
    pub has_next_page: bool,
}

/// A list request.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ClientQuery {
    pub filter: ClientFilter,
    pub search: Option<String>,
    pub order: Vec<ClientOrder>,
}

/// Most keys of one ordering (each a different field).
pub const MAX_ORDER_KEYS: usize = 5;

/// What a cursor records of the ordering it was made for, so it is refused under any
/// other (its keys would be compared with the wrong columns).
fn order_signature(order: &[ClientOrder]) -> String {
    order
        .iter()
        .map(|o| {
            format!(
                "{:?}:{}{}",
                o.field,
                if o.descending { 'd' } else { 'a' },
                if o.nulls_first { 'f' } else { 'l' }
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn encode_cursor(order: &[ClientOrder], mut values: Vec<Json>) -> String {
    values.insert(0, Json::String(order_signature(order)));
    page::encode_cursor(&Json::Array(values))
}

fn decode_cursor(
    cursor: &str,
    order: &[ClientOrder],
    field: &str,
) -> AppResult<(Vec<Option<Value>>, Uuid)> {
    let bad = || {
        AppError::bad_input(
            field,
            format!("`{field}` is not a cursor of this list and ordering"),
        )
    };
    let mut values: Vec<Json> = page::decode_cursor(cursor, field).map_err(|_| bad())?;
    if values.len() != order.len() + 2
        || values.remove(0).as_str() != Some(order_signature(order).as_str())
    {
        return Err(bad());
    }
    let id = values[order.len()]
        .as_str()
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(bad)?;
    let keys = order
        .iter()
        .zip(&values)
        .map(|(o, v)| o.field.sql_value(v).map_err(|_| bad()))
        .collect::<AppResult<Vec<_>>>()?;
    Ok((keys, id))
}

fn col(field: ClientOrderField) -> Expr {
    Expr::col((client::Entity, field.column()))
}

/// Rows strictly after the cursor in the given ordering, whose final tie-break is the id
/// (descending when walking backwards).
///
/// The disjunction alone is not sargable: a database would scan the index from the
/// tenant's first row up to the cursor, so deep pages would cost more the deeper they
/// are. When the leading key cannot be null, the redundant bound `key >= value` (or
/// `<=`) lets the index seek straight to the cursor.
fn after_condition(
    order: &[ClientOrder],
    keys: &[Option<Value>],
    id: Uuid,
    id_descending: bool,
) -> Condition {
    let bound = match (order.first(), keys.first()) {
        (Some(o), Some(Some(v))) if !o.field.nullable() => Some(if o.descending {
            col(o.field).lte(v.clone())
        } else {
            col(o.field).gte(v.clone())
        }),
        _ => None,
    };
    let mut any = Condition::any();
    for i in 0..=order.len() {
        let mut all = Condition::all();
        for (o, key) in order[..i].iter().zip(keys) {
            all = all.add(match key {
                None => col(o.field).is_null(),
                Some(v) => col(o.field).eq(v.clone()),
            });
        }
        let beyond: SimpleExpr = if i == order.len() {
            let id_col = Expr::col((client::Entity, client::Column::Id));
            if id_descending {
                id_col.lt(id)
            } else {
                id_col.gt(id)
            }
        } else {
            let o = order[i];
            match &keys[i] {
                None if o.nulls_first => col(o.field).is_not_null(),
                None => Expr::val(false),
                Some(v) => {
                    let base = if o.descending {
                        col(o.field).lt(v.clone())
                    } else {
                        col(o.field).gt(v.clone())
                    };
                    if o.nulls_first {
                        base
                    } else {
                        base.or(col(o.field).is_null())
                    }
                }
            }
        };
        any = any.add(all.add(beyond));
    }
    match bound {
        Some(bound) => Condition::all().add(bound).add(any),
        None => any,
    }
}

/// The search condition: an index lookup for terms of 3+ characters (FTS5 trigram on
/// SQLite, pg_trgm GIN on PostgreSQL), a LIKE on the tenant's rows for shorter ones.
fn search_condition(backend: DbBackend, term: &str) -> Option<SimpleExpr> {
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

fn custom_field_condition(backend: DbBackend, key: &str, value: &Json) -> AppResult<SimpleExpr> {
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

fn tag_exists(t: Tenant<'_>, tags: &[String]) -> SimpleExpr {
    let conditions = sea_orm::Condition::all()
        .add(Expr::col((client_tag::Entity, client_tag::Column::Tag)).is_in(tags.iter().cloned()));
    t.child_of_client_exists::<client_tag::Entity>(client_tag::Column::ClientId, conditions)
}

/// The `some` / `none` filters on related rows, each an EXISTS subquery; each needs
/// the read permission of the rows it looks into (else a filter would reveal them).
fn relation_filters(t: Tenant<'_>, f: &ClientFilter) -> AppResult<Vec<SimpleExpr>> {
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
fn relation<F, E: TenantOwned>(
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

fn cents(amount: f64) -> i64 {
    (amount * 100.0).round() as i64
}

/// The filtered, searched (unordered, unpaged) selection.
fn selection(t: Tenant<'_>, query: &ClientQuery) -> AppResult<Select<client::Entity>> {
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

/// Checks a query against the caller's permissions without running it.
pub fn check(db: &Db, scope: &TenantScope, query: &ClientQuery) -> AppResult<()> {
    check_order(scope, &query.order)?;
    selection(db.read(scope), query).map(|_| ())
}

fn check_order(scope: &TenantScope, order: &[ClientOrder]) -> AppResult<()> {
    if order.len() > MAX_ORDER_KEYS {
        return Err(AppError::bad_input(
            "orderBy",
            format!("`orderBy` takes at most {MAX_ORDER_KEYS} keys"),
        ));
    }
    for (i, o) in order.iter().enumerate() {
        if order[..i].iter().any(|earlier| earlier.field == o.field) {
            return Err(AppError::bad_input(
                "orderBy",
                format!("`orderBy` names {:?} twice", o.field),
            ));
        }
        if o.field.is_billing() {
            scope.require(Permission::BillingRead, "ordering by a billing figure")?;
        }
        if o.field == ClientOrderField::HealthScore {
            scope.require(Permission::AnalyticsRead, "ordering by health score")?;
            // The stored score counts billing figures and feedback: ordering by it
            // would rank clients by inputs the caller may not see.
            scope.require(Permission::BillingRead, "ordering by health score")?;
            scope.require(Permission::FeedbackRead, "ordering by health score")?;
        }
    }
    Ok(())
}

/// A list query ready to run: the statement and how to read its rows back.
pub struct PreparedList {
    pub select: Select<client::Entity>,
    order: Vec<ClientOrder>,
    size: usize,
    backward: bool,
    has_cursor: bool,
}

/// Builds the statement of one page (also used to EXPLAIN it in benchmarks).
pub fn prepare_list(
    db: &Db,
    scope: &TenantScope,
    query: &ClientQuery,
    window: &Window,
) -> AppResult<PreparedList> {
    check_order(scope, &query.order)?;
    let order: Vec<ClientOrder> = if query.order.is_empty() {
        vec![ClientOrder {
            field: ClientOrderField::Name,
            descending: false,
            nulls_first: false,
        }]
    } else {
        query.order.clone()
    };
    let backward = window.last.is_some() || window.before.is_some();
    if backward && (window.first.is_some() || window.after.is_some()) {
        return Err(AppError::bad_input(
            "last",
            "use `first`/`after` or `last`/`before`, not both",
        ));
    }
    let (size, cursor, cursor_field) = if backward {
        (
            page_size(window.last, "last")?,
            window.before.as_deref(),
            "before",
        )
    } else {
        (
            page_size(window.first, "first")?,
            window.after.as_deref(),
            "after",
        )
    };
    // Walking backwards is walking forwards in the reversed ordering.
    let effective: Vec<ClientOrder> = order
        .iter()
        .map(|o| ClientOrder {
            field: o.field,
            descending: o.descending ^ backward,
            nulls_first: o.nulls_first ^ backward,
        })
        .collect();
    let mut select = selection(db.read(scope), query)?;
    if let Some(cursor) = cursor {
        let (keys, id) = decode_cursor(cursor, &order, cursor_field)?;
        select = select.filter(after_condition(&effective, &keys, id, backward));
    }
    for o in &effective {
        let direction = if o.descending {
            Order::Desc
        } else {
            Order::Asc
        };
        let nulls = if o.nulls_first {
            NullOrdering::First
        } else {
            NullOrdering::Last
        };
        select = select.order_by_with_nulls(o.field.column(), direction, nulls);
    }
    select = select
        .order_by(
            client::Column::Id,
            if backward { Order::Desc } else { Order::Asc },
        )
        .limit(size as u64 + 1);
    Ok(PreparedList {
        select,
        order,
        size,
        backward,
        has_cursor: cursor.is_some(),
    })
}

/// One page of clients.
pub async fn list(
    db: &Db,
    scope: &TenantScope,
    query: &ClientQuery,
    window: &Window,
) -> AppResult<ClientPage> {
    let PreparedList {
        select,
        order,
        size,
        backward,
        has_cursor,
    } = prepare_list(db, scope, query, window)?;
    let t = db.read(scope);
    let mut rows = select.all(t.conn()).await?;
    let more = rows.len() > size;
    rows.truncate(size);
    if backward {
        rows.reverse();
    }
    let rows = rows
        .into_iter()
        .map(|m| (cursor_of(&order, &m), m))
        .collect();
    Ok(if backward {
        ClientPage {
            rows,
            has_previous_page: more,
            has_next_page: has_cursor,
        }
    } else {
        ClientPage {
            rows,
            has_previous_page: has_cursor,
            has_next_page: more,
        }
    })
}

/// The cursor of a row in an ordering.
pub fn cursor_of(order: &[ClientOrder], m: &client::Model) -> String {
    let order = if order.is_empty() {
        &[ClientOrder {
            field: ClientOrderField::Name,
            descending: false,
            nulls_first: false,
        }][..]
    } else {
        order
    };
    let mut values: Vec<Json> = order.iter().map(|o| o.field.cursor_value(m)).collect();
    values.push(json!(m.id));
    encode_cursor(order, values)
}

/// How many clients match.
pub async fn count(db: &Db, scope: &TenantScope, query: &ClientQuery) -> AppResult<u64> {
    let t = db.read(scope);
    Ok(selection(t, query)?.count(t.conn()).await?)
}

/// Matching clients per status.
pub async fn count_by_status(
    db: &Db,
    scope: &TenantScope,
    query: &ClientQuery,
) -> AppResult<Vec<(ClientStatus, i64)>> {
    let t = db.read(scope);
    let rows: Vec<(String, i64)> = selection(t, query)?
        .select_only()
        .column(client::Column::Status)
        .column_as(
            Expr::col((client::Entity, client::Column::Id)).count(),
            "count",
        )
        .group_by(client::Column::Status)
        .into_tuple()
        .all(t.conn())
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(s, n)| ClientStatus::parse(&s).map(|s| (s, n)))
        .collect())
}

/// A live client of the scope's tenant.
pub async fn get(db: &Db, scope: &TenantScope, id: Uuid) -> AppResult<client::Model> {
    live_client(db.read(scope), id).await
}

/// A live client by its code.
pub async fn by_code(db: &Db, scope: &TenantScope, code: &str) -> AppResult<client::Model> {
    let t = db.read(scope);
    t.select::<client::Entity>()
        .filter(client::Column::ClientCode.eq(code.trim().to_uppercase()))
        .filter(client::Column::DeletedAt.is_null())
        .one(t.conn())
        .await?
        .ok_or(AppError::NotFound("client"))
}

/// Live clients by id (DataLoaders); absent ids are simply missing.
pub async fn by_ids(db: &Db, scope: &TenantScope, ids: &[Uuid]) -> AppResult<Vec<client::Model>> {
    let t = db.read(scope);
    Ok(t.select::<client::Entity>()
        .filter(client::Column::Id.is_in(ids.iter().copied()))
        .filter(client::Column::DeletedAt.is_null())
        .all(t.conn())
        .await?)
}

/// The first `first` live subsidiaries (by name) of each of `parent_ids`, in one
/// statement whatever the number of parents.
pub async fn subsidiaries(
    db: &Db,
    scope: &TenantScope,
    parent_ids: &[Uuid],
    first: usize,
) -> AppResult<HashMap<Uuid, Vec<client::Model>>> {
    use crate::service::nested::NestedPage;
    use crate::service::store::PerParent;
    let spec = PerParent::<client::Entity> {
        parent: client::Column::ParentClientId,
        conditions: Condition::all().add(client::Column::DeletedAt.is_null()),
        order_by: "name_normalized ASC, id ASC".to_owned(),
    };
    let page = NestedPage { first, after: None };
    let pages = db
        .read(scope)
        .pages(
            spec,
            parent_ids,
            &page,
            |m| m.parent_client_id.unwrap_or_default(),
            |_| String::new(),
        )
        .await?;
    Ok(pages
        .into_iter()
        .map(|(id, page)| (id, page.rows.into_iter().map(|(_, m)| m).collect()))
        .collect())
}

/// The addresses of each of `client_ids` (at most 20 each), primary first, in one
/// statement.
pub async fn addresses(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
) -> AppResult<Vec<entity::client_address::Model>> {
    use entity::client_address;
    let t = db.read(scope);
    Ok(t.select::<client_address::Entity>()
        .filter(client_address::Column::ClientId.is_in(client_ids.iter().copied()))
        .order_by_asc(client_address::Column::ClientId)
        .order_by_desc(client_address::Column::IsPrimary)
        .order_by_asc(client_address::Column::Id)
        .all(t.conn())
        .await?)
}
