//! Client codes `CLT-<year>-<n>`: a per-tenant, per-year counter incremented inside the
//! creating transaction with one upsert. On PostgreSQL the counter row stays locked until
//! commit, on SQLite writers are serialised, so concurrent creations never share a number;
//! the unique index on (tenant_id, client_code) is the backstop.

use chrono::{Datelike, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction};

use crate::error::{AppError, AppResult};
use crate::service::TenantScope;

/// The next free code of the scope's tenant for the current year.
pub async fn next_code(txn: &DatabaseTransaction, scope: &TenantScope) -> AppResult<String> {
    let year = Utc::now().year();
    let table = Alias::new("client_code_counters");
    let last_value = Alias::new("last_value");
    let statement = Query::insert()
        .into_table(table.clone())
        .columns([
            Alias::new("tenant_id"),
            Alias::new("year"),
            last_value.clone(),
        ])
        .values_panic([scope.tenant_id().into(), year.into(), 1i64.into()])
        .on_conflict(
            OnConflict::columns([Alias::new("tenant_id"), Alias::new("year")])
                .value(
                    last_value.clone(),
                    Expr::col((table, last_value.clone())).add(1),
                )
                .to_owned(),
        )
        .returning_col(last_value)
        .to_owned();
    let row = txn.query_one(&statement).await?.ok_or_else(|| {
        AppError::internal(anyhow::anyhow!("client code counter returned no row"))
    })?;
    let n: i64 = row.try_get("", "last_value")?;
    Ok(format!("CLT-{year}-{n:04}"))
}
