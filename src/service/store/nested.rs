//! Nested lists: one page of child rows for each of many parents, in one statement.
//!
//! `ROW_NUMBER() OVER (PARTITION BY <parent> ORDER BY …)` numbers every parent's
//! matching children; the outer query keeps the first N + 1 of each (the extra row says
//! whether more follow), and `COUNT(*) OVER (PARTITION BY <parent>)` gives each parent's
//! total in the same pass. So a page of 50 clients costs one statement per relation
//! however many clients it holds, and each client gets its own page — no shared LIMIT,
//! no slicing in memory. The tenant condition is added here, not by the caller.

use std::collections::HashMap;

use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Order, Query};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, FromQueryResult, IdenStatic, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::{Conn, Tenant, TenantOwned};
use crate::error::AppResult;
use crate::service::nested::{ChildPage, NestedPage};

/// How a child table is paged per parent.
pub struct PerParent<E: EntityTrait> {
    /// The column naming the parent (e.g. `client_id`).
    pub parent: E::Column,
    /// Liveness, the list's filter and the `after` cursor's bound (the tenant is added).
    pub conditions: Condition,
    /// The window's `ORDER BY`, unqualified columns (e.g. `"communication_at DESC, id DESC"`).
    pub order_by: String,
}

impl<C: Conn> Tenant<'_, C> {
    /// One page per parent of `parent_ids`, in one statement. `parent_of` reads a row's
    /// parent; `cursor_of` makes a row's cursor.
    pub async fn pages<E>(
        &self,
        spec: PerParent<E>,
        parent_ids: &[Uuid],
        page: &NestedPage,
        parent_of: impl Fn(&E::Model) -> Uuid,
        cursor_of: impl Fn(&E::Model) -> String,
    ) -> AppResult<HashMap<Uuid, ChildPage<E::Model>>>
    where
        E: TenantOwned,
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
            .and_where(self.is_mine::<E>())
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
        let rows = self.conn.query_all(&outer).await?;
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
    pub async fn counts<E: TenantOwned>(
        &self,
        parent: E::Column,
        conditions: Condition,
        parent_ids: &[Uuid],
    ) -> AppResult<HashMap<Uuid, u64>> {
        let rows: Vec<(Uuid, i64)> = self
            .select::<E>()
            .select_only()
            .column(parent)
            .column_as(Expr::col((E::default(), parent)).count(), "count")
            .filter(conditions)
            .filter(parent.is_in(parent_ids.iter().copied()))
            .group_by(parent)
            .into_tuple()
            .all(self.conn)
            .await?;
        Ok(rows.into_iter().map(|(id, n)| (id, n as u64)).collect())
    }
}
