//! The tenant-bound data seam: the only code that builds or runs a statement on a
//! tenant table.
//!
//! A [`Tenant`] handle pairs a connection (the pool for reads, a transaction for writes)
//! with a [`TenantScope`]. Everything it hands out is already bound to the scope's
//! tenant: selects and by-id lookups carry the tenant filter, inserts are stamped with
//! the tenant, updates and deletes (single and bulk) are filtered by tenant (and id),
//! per-parent pages and counts add the tenant condition themselves, and the change
//! record is written for the scope's actor. Service code gets a handle from
//! [`Db::read`](crate::db::Db::read) or [`Db::write`](crate::db::Db::write) and never
//! sees a bare connection, so forgetting the tenant is not something it can do.
//!
//! Work that is not one tenant's (the CLI, the analytics job, authenticating a
//! credential, finding a tenant by slug) goes through [`System`], reached only by
//! [`Db::system`](crate::db::Db::system) with a reason — one greppable entry.
//!
//! The architecture test (`tests/architecture.rs`) holds the line: outside this module
//! and `db.rs`, no file names `EntityTrait`, `ActiveModelTrait`, `ModelTrait`,
//! `ConnectionTrait`, raw statements or `TenantScope::system`.

mod events;
mod nested;
mod record;
mod system;

use chrono::Utc;
use entity::{
    api_key, audit_event, client, client_address, client_analytics, client_communication,
    client_contact, client_document, client_feedback, client_job_assignment, client_note,
    client_tag, document_version, event_outbox, job, job_application, refresh_token, revoked_token,
    user, webhook, webhook_attempt, webhook_delivery,
};
use sea_orm::sea_query::{
    Expr, ExprTrait, IntoIden, OnConflict, Query, SelectStatement, SimpleExpr,
};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, Condition, ConnectionTrait, DatabaseConnection,
    DbBackend, DeleteMany, EntityTrait, IntoActiveModel, ModelTrait, PrimaryKeyTrait, QueryFilter,
    QueryResult, Select, Update, UpdateMany,
};
use serde_json::Value;
use uuid::Uuid;

pub use events::EVENTS_CHANNEL;
pub use nested::PerParent;
pub use system::{System, SystemTxn};

use super::TenantScope;
use super::change::{FieldChanges, Versioned};
use crate::error::{AppError, AppResult};

/// A table whose rows belong to a tenant: it has a `tenant_id` column.
pub trait TenantOwned: EntityTrait {
    fn tenant_column() -> Self::Column;
}

macro_rules! tenant_owned {
    ($($module:ident),* $(,)?) => {
        $(impl TenantOwned for $module::Entity {
            fn tenant_column() -> Self::Column {
                $module::Column::TenantId
            }
        })*
    };
}
tenant_owned!(
    user,
    api_key,
    audit_event,
    event_outbox,
    refresh_token,
    revoked_token,
    client,
    client_address,
    client_analytics,
    client_contact,
    client_tag,
    client_note,
    client_communication,
    job,
    client_job_assignment,
    job_application,
    client_feedback,
    client_document,
    document_version,
    webhook,
    webhook_delivery,
    webhook_attempt,
);

/// What a [`Tenant`] runs its statements on: the pool or a transaction.
pub trait Conn: ConnectionTrait + Sync {}
impl<C: ConnectionTrait + Sync> Conn for C {}

/// One tenant's data, through one connection or transaction. Cheap to copy.
pub struct Tenant<'c, C = DatabaseConnection> {
    conn: &'c C,
    scope: &'c TenantScope,
}

impl<C> Clone for Tenant<'_, C> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<C> Copy for Tenant<'_, C> {}

/// A handle inside a write transaction.
pub type Writer<'c> = Tenant<'c, sea_orm::DatabaseTransaction>;

impl<'c, C: Conn> Tenant<'c, C> {
    /// Binds `scope` to `conn`. Only the database layer and [`System`] make handles.
    pub(crate) fn bind(conn: &'c C, scope: &'c TenantScope) -> Self {
        Tenant { conn, scope }
    }

    /// The scope: the tenant and the actor.
    pub fn scope(&self) -> &'c TenantScope {
        self.scope
    }

    pub fn tenant_id(&self) -> Uuid {
        self.scope.tenant_id()
    }

    /// SQLite or PostgreSQL (full-text search and JSON predicates differ).
    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// What the statements this handle built run on (`.all(t.conn())`).
    pub fn conn(&self) -> &'c C {
        self.conn
    }

    /// `SELECT … FROM <table> WHERE tenant_id = <scope>`.
    pub fn select<E: TenantOwned>(&self) -> Select<E> {
        E::find().filter(self.is_mine::<E>())
    }

    /// One row by primary key, within the scope's tenant.
    pub fn by_id<E>(&self, id: Uuid) -> Select<E>
    where
        E: TenantOwned,
        <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
    {
        E::find_by_id(id).filter(self.is_mine::<E>())
    }

    /// `<table>.tenant_id = <scope>`, for conditions built by hand (window pages,
    /// statements over several tables).
    pub fn is_mine<E: TenantOwned>(&self) -> SimpleExpr {
        Expr::col((E::default(), E::tenant_column())).eq(self.tenant_id())
    }

    /// The client named by `client_id` (a column expression) is live in this tenant.
    pub fn client_is_live(&self, client_id: SimpleExpr) -> SimpleExpr {
        Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(client::Entity)
                .and_where(Expr::col((client::Entity, client::Column::Id)).eq(client_id))
                .and_where(self.is_mine::<client::Entity>())
                .and_where(Expr::col((client::Entity, client::Column::DeletedAt)).is_null())
                .to_owned(),
        )
    }

    /// `EXISTS (SELECT 1 FROM <child> WHERE <tenant> AND <conditions> AND
    /// <child>.<parent> = clients.id)`: a relation filter on clients.
    pub fn child_of_client_exists<E: TenantOwned>(
        &self,
        parent: E::Column,
        conditions: Condition,
    ) -> SimpleExpr {
        Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(E::default())
                .and_where(self.is_mine::<E>())
                .cond_where(conditions)
                .and_where(
                    Expr::col((E::default(), parent)).equals((client::Entity, client::Column::Id)),
                )
                .to_owned(),
        )
    }

    /// A hand-built `SELECT … FROM <table>` already limited to this tenant; join other
    /// tenant tables with [`TenantQuery::join`], run it with [`Tenant::rows`].
    pub fn query<E: TenantOwned>(&self) -> TenantQuery {
        TenantQuery {
            tenant_id: self.tenant_id(),
            statement: Query::select()
                .from(E::default())
                .and_where(self.is_mine::<E>())
                .to_owned(),
        }
    }

    /// Runs a statement made by [`Tenant::query`].
    pub async fn rows(&self, query: TenantQuery) -> AppResult<Vec<QueryResult>> {
        Ok(self.conn.query_all(&query.statement).await?)
    }

    /// Inserts a row stamped with the scope's tenant (whatever `tenant_id` it held).
    pub async fn insert<A>(
        &self,
        row: impl IntoActiveModel<A>,
    ) -> AppResult<<A::Entity as EntityTrait>::Model>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        A::Entity: TenantOwned,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    {
        let mut active = row.into_active_model().reset_all();
        active.set(A::Entity::tenant_column(), self.tenant_id().into());
        Ok(active.insert(self.conn).await?)
    }

    /// `rows`, each set to the scope's tenant.
    fn stamped<A>(&self, rows: Vec<A>) -> impl Iterator<Item = A> + use<'_, A, C>
    where
        A: ActiveModelTrait,
        A::Entity: TenantOwned,
    {
        rows.into_iter().map(|mut row| {
            row.set(A::Entity::tenant_column(), self.tenant_id().into());
            row
        })
    }

    /// Inserts many rows, each stamped with the scope's tenant; nothing when empty.
    pub async fn insert_many<A>(&self, rows: Vec<A>) -> AppResult<()>
    where
        A: ActiveModelTrait + Send,
        A::Entity: TenantOwned,
    {
        if rows.is_empty() {
            return Ok(());
        }
        A::Entity::insert_many(self.stamped(rows))
            .exec(self.conn)
            .await?;
        Ok(())
    }

    /// Inserts many rows, each stamped with the scope's tenant, resolving conflicts as
    /// `on_conflict` says (an upsert); nothing when empty.
    pub async fn upsert_many<A>(&self, rows: Vec<A>, on_conflict: OnConflict) -> AppResult<()>
    where
        A: ActiveModelTrait + Send,
        A::Entity: TenantOwned,
    {
        if rows.is_empty() {
            return Ok(());
        }
        A::Entity::insert_many(self.stamped(rows))
            .on_conflict(on_conflict)
            .exec(self.conn)
            .await?;
        Ok(())
    }

    /// Inserts a row stamped with the scope's tenant unless one with the same
    /// `columns` exists (then nothing happens).
    pub async fn insert_unless_exists<A>(
        &self,
        mut row: A,
        columns: impl IntoIterator<Item = <A::Entity as EntityTrait>::Column>,
    ) -> AppResult<()>
    where
        A: ActiveModelTrait + Send,
        A::Entity: TenantOwned,
    {
        row.set(A::Entity::tenant_column(), self.tenant_id().into());
        A::Entity::insert(row)
            .on_conflict_do_nothing_on(columns)
            .exec(self.conn)
            .await?;
        Ok(())
    }

    /// Writes the changed (set) fields of a row, found by primary key *and* tenant:
    /// a row of another tenant is NOT_FOUND, never changed.
    pub async fn update<A>(&self, row: A) -> AppResult<<A::Entity as EntityTrait>::Model>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        A::Entity: TenantOwned,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    {
        let update = Update::one(row)
            .validate()?
            .filter(self.is_mine::<A::Entity>());
        update.exec(self.conn).await.map_err(|err| match err {
            sea_orm::DbErr::RecordNotUpdated => AppError::NotFound("row"),
            other => other.into(),
        })
    }

    /// Writes every field of `row` (see [`Tenant::update`]).
    pub async fn update_row<A>(
        &self,
        row: impl IntoActiveModel<A>,
    ) -> AppResult<<A::Entity as EntityTrait>::Model>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        A::Entity: TenantOwned,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    {
        self.update(row.into_active_model().reset_all()).await
    }

    /// `UPDATE <table> … WHERE tenant_id = <scope>`; add the row filter and the values.
    pub fn update_many<E: TenantOwned>(&self) -> UpdateMany<E> {
        E::update_many().filter(self.is_mine::<E>())
    }

    /// `DELETE FROM <table> WHERE tenant_id = <scope>`; add the row filter.
    pub fn delete_many<E: TenantOwned>(&self) -> DeleteMany<E> {
        E::delete_many().filter(self.is_mine::<E>())
    }

    /// Writes `next` over `current` when a field of `fields` differs: the version is
    /// bumped and the row updated. Returns the saved row and what changed, or `None`
    /// (nothing written) when the two snapshots agree.
    pub async fn update_versioned<M>(
        &self,
        current: &M,
        mut next: M,
        fields: fn(&M) -> Vec<(&'static str, Value)>,
    ) -> AppResult<Option<(M, FieldChanges)>>
    where
        M: ModelTrait + Versioned + IntoActiveModel<<M::Entity as EntityTrait>::ActiveModel> + Send,
        M::Entity: TenantOwned + EntityTrait<Model = M>,
        <M::Entity as EntityTrait>::ActiveModel: ActiveModelBehavior + Send,
    {
        let changes = FieldChanges::between(fields(current), fields(&next));
        if changes.is_empty() {
            return Ok(None);
        }
        debug_assert_eq!(next.version(), current.version());
        next.bump(Utc::now());
        let saved = self.update_row(next).await?;
        Ok(Some((saved, changes)))
    }
}

/// A hand-built select over tenant tables whose every table is limited to one tenant
/// (made by [`Tenant::query`]).
pub struct TenantQuery {
    tenant_id: Uuid,
    statement: SelectStatement,
}

impl TenantQuery {
    /// Joins another tenant table on `on`, limited to the same tenant.
    pub fn join<J: TenantOwned>(mut self, on: SimpleExpr) -> Self {
        let mine = Expr::col((J::default(), J::tenant_column())).eq(self.tenant_id);
        self.statement
            .inner_join(J::default().into_iden(), on.and(mine));
        self
    }

    /// Adds columns, conditions, grouping: anything but another table (use
    /// [`TenantQuery::join`] for that).
    pub fn shape(mut self, build: impl FnOnce(&mut SelectStatement)) -> Self {
        build(&mut self.statement);
        self
    }
}
