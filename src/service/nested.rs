//! Nested lists: the page a caller asks for, the page each parent gets back, and the
//! keyset conditions that walk them (the cursors are [`super::page`]'s). The statements (one page per parent in one window
//! query) are the store's ([`Tenant::pages`](super::store::Tenant::pages)).

use std::collections::HashMap;
use std::hash::Hash;

use sea_orm::sea_query::{ExprTrait, Order, SimpleExpr};
use sea_orm::{Condition, Value};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::error::AppResult;

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

pub use super::page::encode_cursor;

/// Reads an `after` cursor (see [`super::page::decode_cursor`]).
pub fn decode_cursor<K: DeserializeOwned>(cursor: &str) -> AppResult<K> {
    super::page::decode_cursor(cursor, "after")
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
