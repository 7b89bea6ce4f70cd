//! Nested lists: the page a caller asks for, the page each parent gets back, and the
//! keyset cursors that walk them. The statements (one page per parent in one window
//! query) are the store's ([`Tenant::pages`](super::store::Tenant::pages)).

use std::collections::HashMap;
use std::hash::Hash;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::sea_query::{ExprTrait, Order, SimpleExpr};
use sea_orm::{Condition, Value};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

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
