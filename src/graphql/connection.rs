//! Relay connections built from keyset pages.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{ObjectType, OutputType};
use uuid::Uuid;

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
    let mut connection =
        Connection::with_additional_fields(request.after.is_some(), page.has_next, fields);
    connection.edges.extend(
        page.items
            .into_iter()
            .map(|row| Edge::new(encode_cursor(id_of(&row)), wrap(row))),
    );
    connection
}
