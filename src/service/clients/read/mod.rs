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

mod filter;
mod order;

use filter::selection;
use order::{after_condition, check_order, decode_cursor};
mod lookup;

use entity::client;
use sea_orm::sea_query::{Expr, ExprTrait, NullOrdering};
use sea_orm::{Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select};

use super::kinds::ClientStatus;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::TenantScope;
use crate::service::page::page_size;

pub use filter::ClientFilter;
pub use lookup::{addresses, by_code, by_ids, get, subsidiaries};
pub use order::{ClientOrder, ClientOrderField, MAX_ORDER_KEYS, cursor_of};

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

/// Checks a query against the caller's permissions without running it.
pub fn check(db: &Db, scope: &TenantScope, query: &ClientQuery) -> AppResult<()> {
    check_order(scope, &query.order)?;
    selection(db.read(scope), query).map(|_| ())
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
