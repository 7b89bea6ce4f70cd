//! [`System`]: the server's own work across tenants — the CLI, the analytics job,
//! authenticating a credential before any tenant is known, finding a tenant by slug.
//! Reached only through [`Db::system`](crate::db::Db::system), which names the reason,
//! so every cross-tenant access is one grep away (`system("`).

use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    IntoActiveModel, PrimaryKeyTrait, Select,
};
use uuid::Uuid;

use super::{Tenant, Writer};
use crate::db::{Db, TxFuture};
use crate::error::AppResult;
use crate::service::TenantScope;

/// The server acting on its own, for a stated reason.
#[derive(Clone, Copy)]
pub struct System<'d> {
    db: &'d Db,
    reason: &'static str,
}

impl<'d> System<'d> {
    pub(crate) fn new(db: &'d Db, reason: &'static str) -> Self {
        tracing::trace!(reason, "system data access");
        System { db, reason }
    }

    /// Why this access is the system's.
    pub fn reason(&self) -> &'static str {
        self.reason
    }

    /// The scope of the server acting in one tenant (it holds every permission).
    pub fn scope(&self, tenant_id: Uuid) -> TenantScope {
        TenantScope::system(tenant_id)
    }

    /// Rows of any tenant: `SELECT … FROM <table>` without a tenant filter.
    pub fn find<E: EntityTrait>(&self) -> Select<E> {
        E::find()
    }

    /// One row of any tenant by primary key.
    pub fn find_by_id<E>(&self, id: Uuid) -> Select<E>
    where
        E: EntityTrait,
        <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
    {
        E::find_by_id(id)
    }

    /// The pool, for the statements above and for inspection (migrations, tests).
    pub fn conn(&self) -> &'d DatabaseConnection {
        self.db.conn()
    }

    /// One write transaction outside any tenant (creating a tenant, purging across
    /// tenants); bind a tenant inside with [`SystemTxn::bind`].
    pub async fn write<T, F>(&self, body: F) -> AppResult<T>
    where
        T: Send,
        F: for<'c> FnOnce(SystemTxn<'c>) -> TxFuture<'c, T> + Send,
    {
        self.db
            .transaction(true, move |txn| body(SystemTxn { txn }))
            .await
    }
}

/// A system write transaction (see [`System::write`]).
#[derive(Clone, Copy)]
pub struct SystemTxn<'c> {
    txn: &'c DatabaseTransaction,
}

impl<'c> SystemTxn<'c> {
    /// Rows of any tenant, read inside the transaction.
    pub fn find<E: EntityTrait>(&self) -> Select<E> {
        E::find()
    }

    /// What the statements of [`SystemTxn::find`] run on.
    pub fn conn(&self) -> &'c DatabaseTransaction {
        self.txn
    }

    /// Inserts a row of a table that belongs to no tenant (the tenants themselves).
    pub async fn insert_untenanted<A>(&self, row: A) -> AppResult<<A::Entity as EntityTrait>::Model>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    {
        Ok(row.insert(self.txn).await?)
    }

    /// The scope of the server acting in one tenant.
    pub fn scope(&self, tenant_id: Uuid) -> TenantScope {
        TenantScope::system(tenant_id)
    }

    /// A tenant handle on this transaction.
    pub fn bind<'s>(&self, scope: &'s TenantScope) -> Writer<'s>
    where
        'c: 's,
    {
        Tenant::bind(self.txn, scope)
    }
}
