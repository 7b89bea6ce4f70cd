//! Relay connections built from keyset pages.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ObjectType, OutputType, Result};
use std::sync::Arc;

use uuid::Uuid;

use crate::graphql::context;
use crate::graphql::loaders::{CountsLoader, NestedList, PagesLoader};
use crate::service::nested::{ChildPage, NestedPage};
use crate::service::page::{Page, PageRequest, encode_cursor};

/// Wraps a page into a connection whose edges' cursors are the rows' ids.
pub fn from_page<M, N, F>(
    page: Page<M>,
    request: &PageRequest,
    id_of: impl Fn(&M) -> Uuid,
    wrap: impl Fn(M) -> N,
    fields: F,
) -> Connection<String, N, F>
where
    N: OutputType,
    F: ObjectType,
{
    let rows = page
        .items
        .into_iter()
        .map(|row| (encode_cursor(&id_of(&row)), row))
        .collect();
    from_rows(rows, request.after.is_some(), page.has_next, wrap, fields)
}

/// The page a nested or keyset list asks for, `first` validated like every list's.
pub fn nested_page(first: Option<i32>, after: Option<String>) -> Result<NestedPage> {
    Ok(NestedPage {
        first: PageRequest::new(first, None)?.first,
        after,
    })
}

/// Wraps rows that carry their own cursors into a connection.
pub fn from_rows<M, N, F>(
    rows: Vec<(String, M)>,
    has_previous_page: bool,
    has_next_page: bool,
    wrap: impl Fn(M) -> N,
    fields: F,
) -> Connection<String, N, F>
where
    N: OutputType,
    F: ObjectType,
{
    let mut connection =
        Connection::with_additional_fields(has_previous_page, has_next_page, fields);
    connection.edges.extend(
        rows.into_iter()
            .map(|(cursor, row)| Edge::new(cursor, wrap(row))),
    );
    connection
}

/// One parent's page of a nested list `L`, through the request's [`PagesLoader`] (so
/// the pages of every parent being resolved come from one statement).
pub async fn load_nested_page<L: NestedList>(
    ctx: &Context<'_>,
    parent_id: Uuid,
    filter: L::Filter,
    page: NestedPage,
) -> Result<ChildPage<L::Row>> {
    let loaded = context::loader::<PagesLoader<L>>(ctx)?
        .load_one((parent_id, (filter, page)))
        .await?
        .unwrap_or_default();
    // By now the loader has usually dropped its reference: take the rows without a copy.
    Ok(Arc::try_unwrap(loaded).unwrap_or_else(|shared| (*shared).clone()))
}

/// One parent's page of a nested list `L` as a connection. `fields` gets the total when
/// the page statement counted it.
pub async fn nested_connection<L, N, F>(
    ctx: &Context<'_>,
    parent_id: Uuid,
    filter: L::Filter,
    first: Option<i32>,
    after: Option<String>,
    wrap: impl Fn(L::Row) -> N,
    fields: impl FnOnce(Option<u64>) -> F,
) -> Result<Connection<String, N, F>>
where
    L: NestedList,
    N: OutputType,
    F: ObjectType,
{
    let page = nested_page(first, after)?;
    let has_previous_page = page.after.is_some();
    let loaded = load_nested_page::<L>(ctx, parent_id, filter, page).await?;
    Ok(from_rows(
        loaded.rows,
        has_previous_page,
        loaded.has_next_page,
        wrap,
        fields(loaded.total),
    ))
}

/// The total of one client's nested list `L`: `known` when the page statement counted
/// it, else through the request's [`CountsLoader`].
pub async fn nested_total<L: NestedList>(
    ctx: &Context<'_>,
    client_id: Uuid,
    filter: &L::Filter,
    known: Option<u64>,
) -> Result<u64> {
    if let Some(total) = known {
        return Ok(total);
    }
    Ok(context::loader::<CountsLoader<L>>(ctx)?
        .load_one((client_id, filter.clone()))
        .await?
        .unwrap_or(0))
}
