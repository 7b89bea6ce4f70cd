//! Nested lists: one page of child rows for each of many parents, in one statement.
//!
//! `ROW_NUMBER() OVER (PARTITION BY <parent> ORDER BY …)` numbers every parent's
//! matching children; the outer query keeps the first N + 1 of each (the extra row says
//! whether more follow), and `COUNT(*) OVER (PARTITION BY <parent>)` gives each parent's
//! total in the same pass. So a page of 50 clients costs one statement per relation
//! however many clients it holds, and each client gets its own page — no shared LIMIT,
//! no slicing in memory.

use std::collections::HashMap;
use std::hash::Hash;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Order, Query, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, IdenStatic, QueryFilter,
    QuerySelect, Value,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::db::Db;
use crate::error::{AppError, AppResult};

/// One page of one parent's children.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NestedPage {
    pub first: usize,
    pub after: Option<String>,
}

/// One parent's children with their cursors, and whether more follow.
#[derive(Debug, Clone)]
pub struct ChildPage<M> {
    pub rows: Vec<(String, M)>,
    pub has_next_page: bool,
    /// How many children match in all, when the page statement could tell (no cursor):
    /// then `totalCount` costs no statement of its own.
    pub total: Option<u64>,
}

impl<M> Default for ChildPage<M> {
    fn default() -> Self {
        ChildPage {
            rows: Vec::new(),
            has_next_page: false,
            total: None,
        }
    }
}

/// How a child table is paged per parent.
pub struct PerParent<E: EntityTrait> {
    /// The column naming the parent (e.g. `client_id`).
    pub parent: E::Column,
    /// Tenant, liveness, the list's filter and the `after` cursor's bound.
    pub conditions: Condition,
    /// The window's `ORDER BY`, unqualified columns (e.g. `"communication_at DESC, id DESC"`).
    pub order_by: String,
}

/// One page per parent of `parent_ids`, in one statement. `parent_of` reads a row's
/// parent; `cursor_of` makes a row's cursor.
pub async fn pages<E>(
    db: &Db,
    spec: PerParent<E>,
    parent_ids: &[Uuid],
    page: &NestedPage,
    parent_of: impl Fn(&E::Model) -> Uuid,
    cursor_of: impl Fn(&E::Model) -> String,
) -> AppResult<HashMap<Uuid, ChildPage<E::Model>>>
where
    E: EntityTrait,
    E::Model: FromQueryResult,
{
    let parent = spec.parent.as_str().to_owned();
    let inner = Query::select()
        .column((E::default(), Asterisk))
        .expr_as(
            Expr::cust(format!(
                "ROW_NUMBER() OVER (PARTITION BY {parent} ORDER BY {})",
                spec.order_by
            )),
            Alias::new("rn"),
        )
        .expr_as(
            Expr::cust(format!("COUNT(*) OVER (PARTITION BY {parent})")),
            Alias::new("total"),
        )
        .from(E::default())
        .cond_where(spec.conditions)
        .and_where(Expr::col((E::default(), spec.parent)).is_in(parent_ids.iter().copied()))
        .to_owned();
    let outer = Query::select()
        .column(Asterisk)
        .from_subquery(inner, Alias::new("ranked"))
        .and_where(Expr::col(Alias::new("rn")).lte(page.first as i64 + 1))
        .order_by(Alias::new(parent), Order::Asc)
        .order_by(Alias::new("rn"), Order::Asc)
        .to_owned();
    let rows = db.conn().query_all(&outer).await?;
    let mut pages: HashMap<Uuid, ChildPage<E::Model>> = HashMap::new();
    for result in rows {
        let row = E::Model::from_query_result(&result, "")?;
        let entry = pages.entry(parent_of(&row)).or_default();
        if page.after.is_none() {
            let total: i64 = result.try_get("", "total")?;
            entry.total = Some(total as u64);
        }
        if entry.rows.len() == page.first {
            entry.has_next_page = true;
        } else {
            entry.rows.push((cursor_of(&row), row));
        }
    }
    if page.after.is_none() {
        // Parents without any matching child have no row: their total is zero.
        for id in parent_ids {
            pages.entry(*id).or_insert_with(|| ChildPage {
                total: Some(0),
                ..Default::default()
            });
        }
    }
    Ok(pages)
}

/// How many children match, per parent of `parent_ids`, in one grouped statement.
pub async fn counts<E>(
    db: &Db,
    parent: E::Column,
    conditions: Condition,
    parent_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, u64>>
where
    E: EntityTrait,
{
    let rows: Vec<(Uuid, i64)> = E::find()
        .select_only()
        .column(parent)
        .column_as(Expr::col((E::default(), parent)).count(), "count")
        .filter(conditions)
        .filter(parent.is_in(parent_ids.iter().copied()))
        .group_by(parent)
        .into_tuple()
        .all(db.conn())
        .await?;
    Ok(rows.into_iter().map(|(id, n)| (id, n as u64)).collect())
}

/// Cuts the extra row of a `first + 1` fetch: the page with cursors, and whether more
/// follow.
pub fn cut<M>(
    mut rows: Vec<M>,
    first: usize,
    cursor_of: impl Fn(&M) -> String,
) -> (Vec<(String, M)>, bool) {
    let has_next = rows.len() > first;
    rows.truncate(first);
    (
        rows.into_iter().map(|m| (cursor_of(&m), m)).collect(),
        has_next,
    )
}

/// An opaque cursor holding the sort key of a row.
pub fn encode_cursor(key: &impl Serialize) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

/// Reads a cursor made by [`encode_cursor`]; a foreign or damaged one is BAD_USER_INPUT.
pub fn decode_cursor<K: DeserializeOwned>(cursor: &str) -> AppResult<K> {
    let bad = || AppError::bad_input("after", "`after` is not a cursor of this list");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    serde_json::from_slice(&bytes).map_err(|_| bad())
}

/// The keyset condition "strictly after this row" for an ordering over non-null keys:
/// `(k1 > v1) OR (k1 = v1 AND k2 > v2) OR …`, each comparison turned for descending keys.
pub fn after(keys: Vec<(SimpleExpr, Order, Value)>) -> Condition {
    let mut any = Condition::any();
    for i in 0..keys.len() {
        let mut all = Condition::all();
        for (column, _, value) in &keys[..i] {
            all = all.add(column.clone().eq(value.clone()));
        }
        let (column, order, value) = &keys[i];
        all = all.add(match order {
            Order::Desc => column.clone().lt(value.clone()),
            _ => column.clone().gt(value.clone()),
        });
        any = any.add(all);
    }
    any
}

/// Groups loader keys `(parent, args)` by their arguments: one statement per distinct
/// arguments (in practice one, as the same field is resolved for every parent).
pub fn group_by_args<A: Eq + Hash + Clone>(keys: &[(Uuid, A)]) -> HashMap<A, Vec<Uuid>> {
    let mut groups: HashMap<A, Vec<Uuid>> = HashMap::new();
    for (parent, args) in keys {
        groups.entry(args.clone()).or_default().push(*parent);
    }
    groups
}
