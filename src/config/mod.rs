//! Configuration: one [`Config`], parsed once from command-line flags and environment
//! variables (flags win), with safe defaults for a local developer machine.
//!
//! Every field is documented here and in the README; adding a setting means adding it
//! in both places. Defaults are chosen so `clientgraph serve` works with no settings.

mod events;
mod values;

use std::net::SocketAddr;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args};

pub use events::EventSettings;
pub use values::{
    AuthSettings, DEFAULT_DATABASE_URL, Environment, Exposure, LogFormat, MIN_JWT_SECRET_LEN,
    Secret, StorageKind, StorageSettings,
};

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

    /// Highest cost an operation may have, computed before it runs: each field costs 1
    /// and a list multiplies what its items select by its `first`/`last` (or its
    /// maximum when not given); mutation fields cost 10 more.
    #[arg(long, env = "CLIENTGRAPH_MAX_COST", default_value_t = 50_000)]
    pub max_cost: u64,

    /// Most fields a query may select once all fragments are expanded.
    #[arg(long, env = "CLIENTGRAPH_MAX_FIELDS", default_value_t = 2000)]
    pub max_fields: usize,

    /// Most aliased fields a query may contain (after fragment expansion).
    #[arg(long, env = "CLIENTGRAPH_MAX_ALIASES", default_value_t = 50)]
    pub max_aliases: usize,

    /// Most operations in one batched (JSON array) request; 0 turns batching off.
    #[arg(long, env = "CLIENTGRAPH_MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,

    /// Who may introspect the schema (`__schema`, `__type`): `everyone` (or `true`),
    /// `authenticated` or `nobody` (or `false`). Default: `authenticated` in production,
    /// `everyone` in development.
    #[arg(long, env = "CLIENTGRAPH_INTROSPECTION")]
    pub introspection: Option<Exposure>,

    /// Who gets "did you mean …" suggestions in validation errors (they reveal field
    /// names): `everyone`, `authenticated` or `nobody`. Default: `authenticated` in
    /// production, `everyone` in development; never more than may introspect.
    #[arg(long, env = "CLIENTGRAPH_SUGGESTIONS")]
    pub suggestions: Option<Exposure>,

    /// Origins of browser apps allowed to call the API (CORS), exact and comma-separated
    /// (`https://app.example.com,https://admin.example.com`); `*` allows any origin and
    /// cannot be combined with credentials. Empty: same-origin only.
    #[arg(long, env = "CLIENTGRAPH_CORS_ORIGINS", default_value = "")]
    pub cors_origins: String,

    /// Let browsers send cookies / HTTP auth cross-origin (`Access-Control-Allow-Credentials`).
    /// Bearer tokens in `Authorization` do not need it.
    #[arg(long, env = "CLIENTGRAPH_CORS_ALLOW_CREDENTIALS", default_value_t = false,
          action = ArgAction::Set, value_parser = BoolishValueParser::new())]
    pub cors_allow_credentials: bool,

    /// How long browsers may cache a preflight answer, in seconds.
    #[arg(long, env = "CLIENTGRAPH_CORS_MAX_AGE_SECS", default_value_t = 600)]
    pub cors_max_age_secs: u64,

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

    /// Longest one write transaction may run, in milliseconds, before it is rolled back
    /// whole (PAYLOAD_TOO_LARGE). On SQLite a write holds the process-wide write lock,
    /// so this bounds how long one tenant's write can delay everyone else's. Default:
    /// 500 on SQLite, 5000 on PostgreSQL.
    #[arg(long, env = "CLIENTGRAPH_WRITE_BUDGET_MS")]
    pub write_budget_ms: Option<u64>,

    /// Seconds a client has to send a request's headers; a kept-alive connection idle
    /// that long is closed too.
    #[arg(
        long,
        env = "CLIENTGRAPH_HEADER_READ_TIMEOUT_SECS",
        default_value_t = 10
    )]
    pub header_read_timeout_secs: u64,

    /// Most open client connections; past it new ones are closed at once (the process
    /// keeps file handles for the connections it serves and for its database).
    #[arg(long, env = "CLIENTGRAPH_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,

    /// Seconds in-flight requests get to finish after SIGTERM/SIGINT.
    #[arg(long, env = "CLIENTGRAPH_SHUTDOWN_GRACE_SECS", default_value_t = 20)]
    pub shutdown_grace_secs: u64,

    /// Proxies (comma-separated addresses or networks, e.g. `10.0.0.0/8,::1`) whose
    /// `X-Forwarded-For` / `Forwarded` headers name the client's address; from anyone
    /// else those headers are ignored. Empty: the TCP peer is the client.
    #[arg(long, env = "CLIENTGRAPH_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: crate::http::client::Networks,

    /// Failed logins of one account from one address within 15 minutes before back-off
    /// (of one account from anywhere: 50; attempts on one account: 30; failures from one
    /// address: 200, which only turns wrong passwords into back-offs).
    #[arg(long, env = "CLIENTGRAPH_LOGIN_MAX_FAILURES", default_value_t = 5)]
    pub login_max_failures: u32,

    /// Milliseconds a loader gathers keys before fetching, for executions that call the
    /// schema directly (benchmarks). The server's requests do not use it: their batches
    /// are released when the request goes idle (`graphql::batch`), whatever the load.
    #[arg(long, env = "CLIENTGRAPH_DATALOADER_DELAY_MS", default_value_t = 5)]
    pub dataloader_delay_ms: u64,

    /// Seconds a signed download link (exports, document files) stays valid.
    #[arg(long, env = "CLIENTGRAPH_DOWNLOAD_URL_TTL_SECS", default_value_t = 300)]
    pub download_url_ttl_secs: i64,

    /// Seconds between runs of the daily analytics task (it also runs at start-up);
    /// 0 turns it off (e.g. on all but one instance, though several are safe).
    #[arg(
        long,
        env = "CLIENTGRAPH_ANALYTICS_INTERVAL_SECS",
        default_value_t = 86_400
    )]
    pub analytics_interval_secs: u64,

    /// Largest uploaded file, in bytes (larger → PAYLOAD_TOO_LARGE while streaming).
    #[arg(long, env = "CLIENTGRAPH_UPLOAD_MAX_FILE_BYTES", default_value_t = 10 * 1024 * 1024)]
    pub upload_max_file_bytes: u64,

    /// Largest client logo, in bytes.
    #[arg(long, env = "CLIENTGRAPH_LOGO_MAX_BYTES", default_value_t = 2 * 1024 * 1024)]
    pub logo_max_bytes: u64,

    /// Most files in one multipart request.
    #[arg(long, env = "CLIENTGRAPH_UPLOAD_MAX_FILES", default_value_t = 5)]
    pub upload_max_files: usize,

    /// Largest whole multipart request body, in bytes.
    #[arg(long, env = "CLIENTGRAPH_UPLOAD_MAX_BODY_BYTES", default_value_t = 60 * 1024 * 1024)]
    pub upload_max_body_bytes: u64,

    /// Keys encrypting sensitive fields at rest: `id:base64-32-bytes[,id:key…]`, the first
    /// one active (older ones still decrypt). Required in production.
    #[arg(long, env = "CLIENTGRAPH_ENCRYPTION_KEYS", hide_env_values = true)]
    pub encryption_keys: Option<Secret>,

    #[command(flatten)]
    pub auth: AuthSettings,

    #[command(flatten)]
    pub files: StorageSettings,

    #[command(flatten)]
    pub events: EventSettings,
}

impl Config {
    /// Request timeout as a [`Duration`].
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    /// Defaults (as the command line would give them) for a given database; used by tests
    /// and tools that build an [`crate::Application`] in-process. Environment variables
    /// still apply, exactly as for the binary.
    /// Who may introspect, defaults applied.
    pub fn introspection(&self) -> Exposure {
        self.introspection.unwrap_or(match self.auth.environment {
            Environment::Production => Exposure::Authenticated,
            Environment::Development => Exposure::Everyone,
        })
    }

    /// Who gets suggestions, defaults applied (never more than may introspect).
    pub fn suggestions(&self) -> Exposure {
        let wanted = self.suggestions.unwrap_or(match self.auth.environment {
            Environment::Production => Exposure::Authenticated,
            Environment::Development => Exposure::Everyone,
        });
        match (wanted, self.introspection()) {
            (_, Exposure::Nobody) | (Exposure::Nobody, _) => Exposure::Nobody,
            (_, Exposure::Authenticated) | (Exposure::Authenticated, _) => Exposure::Authenticated,
            _ => Exposure::Everyone,
        }
    }

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
