//! Benchmarks: the client list at a million rows (`seed`, `run`, see `list.rs`), the nested client
//! view under concurrency against the raw-SQL floor (`seed-nested`, `nested`, see
//! `nested.rs`) and the dashboard of a big client (`seed-dashboard`, `dashboard`, see
//! `dashboard.rs`), and the event pipeline across two instances (`events`, see
//! `events.rs`).
//!
//! `clientgraph-bench seed` generates a `bench` tenant with N clients plus noise tenants,
//! straight in SQL (`INSERT … SELECT`, no audit rows: this is load data, not history).
//! `clientgraph-bench run` executes the three list queries of the target — partial-name
//! search, a filtered page, a deep keyset page — through the real GraphQL schema
//! in-process (parsing, validation, resolvers, SQL; no HTTP), prints p50/p95/p99 per
//! query, and the database's plan of each statement.

mod dashboard;
mod events;
mod list;
mod nested;

use clap::{Parser, Subcommand};
use clientgraph::db::Db;
use sea_orm::ConnectionTrait;

#[derive(Parser)]
#[command(about = "Benchmarks of clientgraph's client list")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Database to use.
    #[arg(
        long,
        env = "DATABASE_URL",
        global = true,
        default_value = "sqlite://bench.db?mode=rwc"
    )]
    database_url: String,
}

#[derive(Subcommand)]
enum Command {
    /// Generate the `bench` tenant's clients and noise tenants (idempotent per tenant).
    Seed {
        #[arg(long, default_value_t = 1_000_000)]
        clients: i64,
        #[arg(long, default_value_t = 3)]
        noise_tenants: u32,
        #[arg(long, default_value_t = 100_000)]
        noise_clients: i64,
    },
    /// Measure the list queries against the seeded data.
    Run {
        #[arg(long, default_value_t = 200)]
        iterations: usize,
    },
    /// Generate the `nested` tenant: clients × 5 contacts × 10 notes × 10
    /// communications (PostgreSQL).
    SeedNested {
        #[arg(long, default_value_t = 20_000)]
        clients: i64,
    },
    /// Drive the nested client view over HTTP against the real server and compare with
    /// its SQL replayed by pgbench (PostgreSQL).
    Nested {
        /// Concurrency levels, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1,16,64")]
        concurrency: Vec<usize>,
        /// Seconds per measurement.
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// The pgbench binary (default: the newest under /usr/lib/postgresql, else PATH).
        #[arg(long)]
        pgbench: Option<std::path::PathBuf>,
        /// The server binary (default: `clientgraph` next to this one).
        #[arg(long)]
        server: Option<std::path::PathBuf>,
        /// The server's database pool size.
        #[arg(long, default_value_t = 16)]
        db_max_connections: u32,
        /// The full view: also jobs with their pipeline, the feedback summary and the
        /// health score.
        #[arg(long)]
        full: bool,
    },
    /// Generate the `dashboard` tenant: one client with 500 jobs and 20,000
    /// applications among 999 smaller ones (PostgreSQL).
    SeedDashboard,
    /// Measure commit → subscriber latency and the relay's throughput with two server
    /// processes on one database (PostgreSQL).
    Events {
        /// Sequential mutations measured.
        #[arg(long, default_value_t = 500)]
        events: usize,
        /// Events committed at once for the throughput figure.
        #[arg(long, default_value_t = 5000)]
        burst: usize,
    },
    /// Measure that client's dashboard and health score over HTTP (PostgreSQL).
    Dashboard {
        /// Sequential requests measured.
        #[arg(long, default_value_t = 300)]
        iterations: usize,
        /// Concurrency levels, comma-separated, each run for `--seconds`.
        #[arg(long, value_delimiter = ',', default_value = "4,16")]
        concurrency: Vec<usize>,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let db = Db::connect(&cli.database_url, 4).await?;
    db.migrate_up().await?;
    match cli.command {
        Command::Seed {
            clients,
            noise_tenants,
            noise_clients,
        } => {
            list::seed_tenant(&db, "bench", clients).await?;
            for i in 1..=noise_tenants {
                list::seed_tenant(&db, &format!("noise-{i}"), noise_clients).await?;
            }
            db.system("benchmark data")
                .conn()
                .execute_unprepared("ANALYZE")
                .await?;
        }
        Command::Run { iterations } => list::run(db, iterations).await?,
        Command::SeedNested { clients } => nested::seed(&db, clients).await?,
        Command::SeedDashboard => dashboard::seed(&db).await?,
        Command::Events { events, burst } => {
            events::run(db, &cli.database_url, events, burst).await?
        }
        Command::Dashboard {
            iterations,
            concurrency,
            seconds,
        } => dashboard::run(db, &cli.database_url, iterations, &concurrency, seconds).await?,
        Command::Nested {
            concurrency,
            seconds,
            pgbench,
            server,
            db_max_connections,
            full,
        } => {
            let options = nested::Options {
                database_url: cli.database_url.clone(),
                concurrency,
                seconds,
                pgbench,
                server,
                db_max_connections,
                full,
            };
            nested::run(db, options).await?
        }
    }
    Ok(())
}
