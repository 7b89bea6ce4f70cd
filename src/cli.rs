//! The command line: `serve` (the default), `migrate`, `tenant`, `analytics`, `token`,
//! `healthcheck`, `export-schema`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{AuthSettings, Config};

/// clientgraph — multi-tenant GraphQL API server for client management.
#[derive(Debug, Parser)]
#[command(
    name = "clientgraph",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Settings for `serve` when no subcommand is given.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (the default).
    Serve(Box<ServeArgs>),
    /// Apply, revert or list database migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Manage tenants.
    Tenant {
        #[command(subcommand)]
        action: TenantAction,
    },
    /// Client analytics.
    Analytics {
        #[command(subcommand)]
        action: AnalyticsAction,
    },
    /// Client documents.
    Documents {
        #[command(subcommand)]
        action: DocumentsAction,
    },
    /// Mint an access token for a user (for scripts); prints only the token.
    Token {
        /// The tenant's slug.
        #[arg(long)]
        tenant: String,
        /// The user's email.
        #[arg(long)]
        email: String,
        /// Lifetime in minutes.
        #[arg(long, default_value_t = 15)]
        ttl_minutes: i64,
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        auth: AuthSettings,
    },
    /// Exit 0 when the server at `--url` answers its liveness probe (for container
    /// HEALTHCHECKs; needs no curl in the image).
    Healthcheck {
        #[arg(
            long,
            env = "CLIENTGRAPH_HEALTHCHECK_URL",
            default_value = "http://127.0.0.1:8080/health"
        )]
        url: String,
    },
    /// Write the GraphQL schema (SDL) to a file, or to stdout with `-`.
    ExportSchema {
        /// Where to write the SDL.
        #[arg(long, default_value = "schema.graphql")]
        out: PathBuf,
    },
}

#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Seed a demo tenant with sample data (idempotent) so GraphiQL has something to show.
    #[arg(long, env = "CLIENTGRAPH_DEMO")]
    pub demo: bool,

    #[command(flatten)]
    pub config: Config,
}

/// The database of a maintenance command.
#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseArgs {
    /// Database URL (as for `serve`).
    #[arg(long, env = "DATABASE_URL", default_value = crate::config::DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,
}

#[derive(Debug, Clone, Subcommand)]
pub enum TenantAction {
    /// Create a tenant with its first admin; prints the admin's password unless one is
    /// given on standard input with `--password-stdin`.
    Create {
        /// Short unique name (a-z, 0-9, hyphens), used to sign in.
        #[arg(long)]
        slug: String,
        /// Display name.
        #[arg(long)]
        name: String,
        #[arg(long)]
        admin_email: String,
        /// The admin's full name (defaults to "Administrator").
        #[arg(long, default_value = "Administrator")]
        admin_name: String,
        /// Read the admin's password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum MigrateAction {
    /// Apply pending migrations (all, or the next N).
    Up {
        #[arg(long)]
        steps: Option<u32>,
    },
    /// Revert applied migrations (the last one, the last N, or all).
    Down {
        #[arg(long, default_value_t = 1, conflicts_with = "all")]
        steps: u32,
        /// Revert every migration.
        #[arg(long)]
        all: bool,
    },
    /// List every migration and whether it is applied.
    Status,
}

#[derive(Debug, Clone, Subcommand)]
pub enum AnalyticsAction {
    /// Upsert one day's analytics row of every live client of every tenant, once (the
    /// server's background task does the same daily). Safe to repeat or run
    /// concurrently: there is one row per client per day.
    Run {
        /// The day the rows are filed under (default: today, UTC). The figures are the
        /// clients' figures now.
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum DocumentsAction {
    /// Remove the files and rows of documents deleted at least `--after-days` ago,
    /// across every tenant, except those a retention date or a legal hold keeps.
    Purge {
        /// Days since deletion before a document may be purged.
        #[arg(
            long,
            env = "CLIENTGRAPH_DOCUMENT_PURGE_AFTER_DAYS",
            default_value_t = 30
        )]
        after_days: i64,
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        files: crate::config::StorageSettings,
    },
}
