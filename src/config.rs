//! Configuration: one [`Config`], parsed once from command-line flags and environment
//! variables (flags win), with safe defaults for a local developer machine.
//!
//! Every field is documented here and in the README; adding a setting means adding it
//! in both places. Defaults are chosen so `clientgraph serve` works with no settings.

use std::net::SocketAddr;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args, ValueEnum};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-friendly multi-line output for a terminal.
    Pretty,
    /// One JSON object per line, for log shippers (production).
    Json,
}

/// Every setting of the server. Flags take precedence over environment variables.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Database to use: `sqlite://path?mode=rwc` (embedded, the default) or `postgres://...`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://clientgraph.db?mode=rwc"
    )]
    pub database_url: String,

    /// Address to listen on. Port 0 picks a free port; the bound address is logged.
    #[arg(long, env = "CLIENTGRAPH_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Log output: `pretty` for terminals, `json` for production.
    #[arg(long, env = "CLIENTGRAPH_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,

    /// Log filter in `tracing` env-filter syntax (e.g. `info,clientgraph=debug`).
    #[arg(
        long,
        env = "CLIENTGRAPH_LOG",
        default_value = "info,sqlx=warn,sea_orm=warn"
    )]
    pub log_filter: String,

    /// Apply pending migrations when the server starts.
    #[arg(long, env = "CLIENTGRAPH_MIGRATE_ON_START", default_value_t = true,
          action = ArgAction::Set, value_parser = BoolishValueParser::new())]
    pub migrate_on_start: bool,

    /// Maximum number of pooled database connections.
    #[arg(long, env = "CLIENTGRAPH_DB_MAX_CONNECTIONS", default_value_t = 10)]
    pub db_max_connections: u32,

    /// Largest accepted GraphQL request body, in bytes (larger → 413 PAYLOAD_TOO_LARGE).
    #[arg(long, env = "CLIENTGRAPH_BODY_LIMIT_BYTES", default_value_t = 1024 * 1024)]
    pub body_limit_bytes: usize,

    /// Deepest selection nesting a query may have.
    #[arg(long, env = "CLIENTGRAPH_MAX_DEPTH", default_value_t = 15)]
    pub max_depth: usize,

    /// Highest complexity score a query may have (each field counts 1, lists more).
    #[arg(long, env = "CLIENTGRAPH_MAX_COMPLEXITY", default_value_t = 5000)]
    pub max_complexity: usize,

    /// Most fields a query may select once all fragments are expanded.
    #[arg(long, env = "CLIENTGRAPH_MAX_FIELDS", default_value_t = 2000)]
    pub max_fields: usize,

    /// Most aliased fields a query may contain (after fragment expansion).
    #[arg(long, env = "CLIENTGRAPH_MAX_ALIASES", default_value_t = 50)]
    pub max_aliases: usize,

    /// Most operations in one batched (JSON array) request; 0 turns batching off.
    #[arg(long, env = "CLIENTGRAPH_MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,

    /// Allow schema introspection (`__schema`, `__type`).
    #[arg(long, env = "CLIENTGRAPH_INTROSPECTION", default_value_t = true,
          action = ArgAction::Set, value_parser = BoolishValueParser::new())]
    pub introspection: bool,

    /// Serve GraphiQL on `GET /graphql` to browsers.
    #[arg(long, env = "CLIENTGRAPH_GRAPHIQL", default_value_t = true,
          action = ArgAction::Set, value_parser = BoolishValueParser::new())]
    pub graphiql: bool,

    /// Refuse POSTs a browser could send cross-site (text/plain, form, no Content-Type)
    /// unless they carry a preflight header. Only turn off behind a trusted proxy.
    #[arg(long, env = "CLIENTGRAPH_CSRF_PREVENTION", default_value_t = true,
          action = ArgAction::Set, value_parser = BoolishValueParser::new())]
    pub csrf_prevention: bool,

    /// Seconds a request may take before it is answered 408.
    #[arg(long, env = "CLIENTGRAPH_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Seconds in-flight requests get to finish after SIGTERM/SIGINT.
    #[arg(long, env = "CLIENTGRAPH_SHUTDOWN_GRACE_SECS", default_value_t = 20)]
    pub shutdown_grace_secs: u64,
}

impl Config {
    /// Request timeout as a [`Duration`].
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    /// Defaults (as the command line would give them) for a given database; used by tests
    /// and tools that build an [`crate::Application`] in-process. Environment variables
    /// still apply, exactly as for the binary.
    pub fn with_database(database_url: &str) -> Self {
        use clap::Parser;
        #[derive(Parser)]
        struct Wrapper {
            #[command(flatten)]
            config: Config,
        }
        let mut config = Wrapper::parse_from(["clientgraph"]).config;
        config.database_url = database_url.to_owned();
        config
    }
}
