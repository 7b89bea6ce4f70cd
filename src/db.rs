//! Database access: connecting (SQLite tuned for a server, or PostgreSQL), migrations,
//! and the one way to run a write transaction.
//!
//! SQLite allows one writer at a time. A deferred transaction that reads and then writes
//! fails at once with "database is locked" when another writer got there first, so every
//! write goes through [`Db::write`]: in-process, writers queue on an async mutex (readers
//! keep running concurrently thanks to WAL); across processes (the CLI beside a running
//! server) `BEGIN IMMEDIATE` plus the busy timeout makes them wait instead of failing.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use tokio::sync::Mutex;

use crate::error::{AppError, AppResult};
use crate::service::TenantScope;
use crate::service::store::{System, Tenant, Writer};

tokio::task_local! {
    /// Set for the server's background tasks (the event relay): their statements are
    /// not requests', so they stay out of the statement count and the recording.
    static BACKGROUND: bool;
}

/// Runs `work` as background work (see [`Db::statement_count`]).
pub async fn in_background<F: Future>(work: F) -> F::Output {
    BACKGROUND.scope(true, work).await
}

/// How long a SQLite connection waits for a lock held by another process.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The future a write-transaction body returns.
pub type TxFuture<'c, T> = Pin<Box<dyn Future<Output = AppResult<T>> + Send + 'c>>;

/// A connection pool plus the write discipline its backend needs. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    conn: DatabaseConnection,
    /// SQL statements run so far (reads and writes), for tests that prove a request's
    /// statement count does not grow with the rows it returns.
    statements: Arc<AtomicU64>,
    /// When set, the text (values inlined) of every statement run; for the benchmark
    /// that replays a request's SQL directly.
    recorded: Arc<StatementLog>,
    /// Serialises writers within this process; only set for SQLite.
    write_gate: Option<Arc<Mutex<()>>>,
    /// Longest one write transaction may run before it is rolled back: on SQLite it
    /// holds the process-wide write lock, so this is how long one tenant's write can
    /// make every other tenant's writes wait.
    write_budget: Duration,
    /// Signalled after each committed tenant write: the event relay's wake-up in this
    /// process (a stored permit, so a commit made while the relay is busy is not lost).
    commits: Arc<tokio::sync::Notify>,
}

/// The default write budget on SQLite, where a write holds the process-wide write lock:
/// another tenant's write waits at most this long behind it.
pub const DEFAULT_SQLITE_WRITE_BUDGET: Duration = Duration::from_millis(500);
/// The default write budget on PostgreSQL (no process-wide lock; row locks and
/// connections are what a long transaction holds).
pub const DEFAULT_POSTGRES_WRITE_BUDGET: Duration = Duration::from_secs(5);

/// The statements of a recording window (benchmark use). Off, it costs one atomic load
/// per statement: the metric callback runs on every query of every connection.
#[derive(Default)]
struct StatementLog {
    on: std::sync::atomic::AtomicBool,
    lines: std::sync::Mutex<Vec<String>>,
}

impl StatementLog {
    fn start(&self) {
        if let Ok(mut lines) = self.lines.lock() {
            lines.clear();
        }
        self.on.store(true, Ordering::SeqCst);
    }

    fn push(&self, line: impl FnOnce() -> String) {
        if self.on.load(Ordering::Relaxed)
            && let Ok(mut lines) = self.lines.lock()
        {
            lines.push(line());
        }
    }

    fn take(&self) -> Vec<String> {
        self.on.store(false, Ordering::SeqCst);
        self.lines
            .lock()
            .map(|mut lines| std::mem::take(&mut *lines))
            .unwrap_or_default()
    }
}

impl Db {
    /// Connects to `url` (`sqlite://...` or `postgres://...`).
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .max_connections(max_connections.max(1))
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .sqlx_logging(false)
            .map_sqlx_sqlite_opts(|opts| {
                opts.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    .foreign_keys(true)
            });
        let mut conn = Database::connect(options).await?;
        let statements = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&statements);
        let recorded: Arc<StatementLog> = Arc::default();
        let recorder = Arc::clone(&recorded);
        conn.set_metric_callback(move |info| {
            if BACKGROUND.try_with(|b| *b).unwrap_or(false) {
                return;
            }
            counter.fetch_add(1, Ordering::Relaxed);
            recorder.push(|| info.statement.to_string());
        });
        let write_gate =
            (conn.get_database_backend() == DbBackend::Sqlite).then(|| Arc::new(Mutex::new(())));
        let write_budget = if write_gate.is_some() {
            DEFAULT_SQLITE_WRITE_BUDGET
        } else {
            DEFAULT_POSTGRES_WRITE_BUDGET
        };
        Ok(Db {
            conn,
            statements,
            recorded,
            write_gate,
            write_budget,
            commits: Arc::default(),
        })
    }

    /// The same pool with another write budget (see [`Db::write`]).
    pub fn with_write_budget(mut self, budget: Duration) -> Self {
        self.write_budget = budget;
        self
    }

    /// How many SQL statements this pool has run since it was opened.
    pub fn statement_count(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Starts keeping the text of every statement run (until [`Db::take_recorded`]).
    pub fn record_statements(&self) {
        self.recorded.start();
    }

    /// The statements run since [`Db::record_statements`], and stops recording.
    pub fn take_recorded(&self) -> Vec<String> {
        self.recorded.take()
    }

    /// The pool. Only the tenant-bound store and [`System`] run statements on it.
    pub(crate) fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// One tenant's data for reading, bound to `scope`.
    pub fn read<'a>(&'a self, scope: &'a TenantScope) -> Tenant<'a> {
        Tenant::bind(&self.conn, scope)
    }

    /// The server's own access across tenants (CLI, background jobs, authenticating a
    /// credential); `reason` says why, so every such access can be found and reviewed.
    pub fn system(&self, reason: &'static str) -> System<'_> {
        System::new(self, reason)
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend_name(&self) -> &'static str {
        match self.conn.get_database_backend() {
            DbBackend::Sqlite => "sqlite",
            DbBackend::Postgres => "postgres",
            _ => "other",
        }
    }

    /// True when the database answers a trivial query within two seconds.
    pub async fn is_reachable(&self) -> bool {
        matches!(
            tokio::time::timeout(Duration::from_secs(2), self.conn.ping()).await,
            Ok(Ok(()))
        )
    }

    /// Runs `body` in one write transaction bound to `scope`: committed when it returns
    /// `Ok`, rolled back otherwise (and when the future is dropped). Everything a
    /// mutation changes, its audit event and its outbox event go through one call of
    /// this. A body that runs past the write budget is stopped and rolled back whole
    /// (PAYLOAD_TOO_LARGE: the change is too big to write at once), so no write holds
    /// the lock for longer.
    pub async fn write<T, F>(&self, scope: &TenantScope, body: F) -> AppResult<T>
    where
        T: Send,
        F: for<'c> FnOnce(Writer<'c>) -> TxFuture<'c, T> + Send,
    {
        self.write_or_rehearse(scope, true, body).await
    }

    /// Like [`Db::write`], but with `commit == false` the transaction is rolled back even
    /// when `body` succeeds: a dry run that takes exactly the real path.
    pub async fn write_or_rehearse<T, F>(
        &self,
        scope: &TenantScope,
        commit: bool,
        body: F,
    ) -> AppResult<T>
    where
        T: Send,
        F: for<'c> FnOnce(Writer<'c>) -> TxFuture<'c, T> + Send,
    {
        let scope = scope.clone();
        let _writer = self.writer_turn().await;
        let txn = self.begin().await?;
        let outcome = self.within_budget(body(Tenant::bind(&txn, &scope))).await;
        let result = Self::finish(txn, commit, outcome).await;
        if commit && result.is_ok() {
            self.commits.notify_one();
        }
        result
    }

    /// Completes after a tenant write commits in this process (at once when one did
    /// since the last call).
    pub async fn committed(&self) {
        self.commits.notified().await;
    }

    /// A write transaction without a tenant: [`System::write`] only.
    pub(crate) async fn transaction<T, F>(&self, commit: bool, body: F) -> AppResult<T>
    where
        T: Send,
        F: for<'c> FnOnce(&'c DatabaseTransaction) -> TxFuture<'c, T> + Send,
    {
        let _writer = self.writer_turn().await;
        let txn = self.begin().await?;
        let outcome = self.within_budget(body(&txn)).await;
        Self::finish(txn, commit, outcome).await
    }

    /// Waits for this process's turn to write (SQLite: one writer at a time).
    async fn writer_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.write_gate {
            Some(gate) => Some(gate.lock().await),
            None => None,
        }
    }

    async fn begin(&self) -> AppResult<DatabaseTransaction> {
        Ok(self
            .conn
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?)
    }

    async fn within_budget<T>(&self, body: impl Future<Output = AppResult<T>>) -> AppResult<T> {
        match tokio::time::timeout(self.write_budget, body).await {
            Ok(outcome) => outcome,
            Err(_) => Err(AppError::PayloadTooLarge(format!(
                "the change took longer than {} ms to write and was rolled back whole; \
                 send fewer items at once",
                self.write_budget.as_millis()
            ))),
        }
    }

    async fn finish<T>(
        txn: DatabaseTransaction,
        commit: bool,
        outcome: AppResult<T>,
    ) -> AppResult<T> {
        match outcome {
            Ok(value) if commit => {
                txn.commit().await?;
                Ok(value)
            }
            Ok(value) => {
                txn.rollback().await?;
                Ok(value)
            }
            Err(err) => {
                if let Err(rollback) = txn.rollback().await {
                    tracing::warn!(error = %rollback, "rollback failed");
                }
                Err(err)
            }
        }
    }

    /// Applies every pending migration.
    pub async fn migrate_up(&self) -> AppResult<()> {
        self.migrate_up_steps(None).await
    }

    /// Applies the next `steps` pending migrations (all when `None`).
    pub async fn migrate_up_steps(&self, steps: Option<u32>) -> AppResult<()> {
        Migrator::up(&self.conn, steps)
            .await
            .map_err(AppError::from)
    }

    /// Reverts the last `steps` migrations (all of them when `None`).
    pub async fn migrate_down(&self, steps: Option<u32>) -> AppResult<()> {
        Migrator::down(&self.conn, steps)
            .await
            .map_err(AppError::from)
    }

    /// Every known migration with whether it is applied, oldest first.
    pub async fn migration_status(&self) -> AppResult<Vec<(String, bool)>> {
        let migrations = Migrator::get_migration_with_status(&self.conn).await?;
        Ok(migrations
            .iter()
            .map(|m| {
                (
                    m.name().to_owned(),
                    m.status() == migration::MigrationStatus::Applied,
                )
            })
            .collect())
    }

    /// Name of the newest applied migration, if any. Reads the migration table directly:
    /// a database without it is broken, not "unmigrated", and is reported as an error.
    pub async fn schema_version(&self) -> AppResult<Option<String>> {
        use migration::seaql_migrations::{Column, Entity};
        use sea_orm::{EntityTrait, QueryOrder};
        let newest = Entity::find()
            .order_by_desc(Column::Version)
            .one(&self.conn)
            .await?;
        Ok(newest.map(|m| m.version))
    }
}
