//! The value types of the configuration (log format, environment, exposure, storage
//! kind, secrets) and its grouped sections (authentication, file storage).

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

/// Where the server runs; production refuses unsafe settings (e.g. a weak JWT secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    Development,
    Production,
}

/// Who may use a capability that helps exploring the schema (introspection, "did you
/// mean" suggestions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposure {
    /// Anyone, anonymous callers included.
    Everyone,
    /// Only callers with a valid token or API key.
    Authenticated,
    /// Nobody.
    Nobody,
}

impl Exposure {
    /// Whether a caller (authenticated or not) may use it.
    pub fn allows(self, authenticated: bool) -> bool {
        match self {
            Exposure::Everyone => true,
            Exposure::Authenticated => authenticated,
            Exposure::Nobody => false,
        }
    }
}

impl std::str::FromStr for Exposure {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "everyone" | "true" | "on" | "yes" | "1" => Ok(Exposure::Everyone),
            "authenticated" => Ok(Exposure::Authenticated),
            "nobody" | "false" | "off" | "no" | "0" => Ok(Exposure::Nobody),
            other => Err(format!(
                "`{other}`: expected everyone (true), authenticated or nobody (false)"
            )),
        }
    }
}

/// Where document files are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StorageKind {
    /// A directory on the server's disk (`CLIENTGRAPH_STORAGE_PATH`).
    Local,
    /// An S3-compatible bucket (`CLIENTGRAPH_S3_*`, credentials from `AWS_*`).
    S3,
}

/// A secret setting: never printed by `Debug`.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_owned()))
    }
}

/// The embedded default database: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://clientgraph.db?mode=rwc";

/// Shortest JWT secret accepted in production (bytes).
pub const MIN_JWT_SECRET_LEN: usize = 32;

/// Token settings, shared by `serve` and the `token` CLI so both sign alike.
#[derive(Debug, Clone, Args)]
pub struct AuthSettings {
    /// HMAC secret signing access tokens (≥ 32 bytes; required in production). In
    /// development a random one is generated when unset (tokens then die on restart).
    #[arg(long, env = "CLIENTGRAPH_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<Secret>,

    /// `iss` claim of access tokens.
    #[arg(long, env = "CLIENTGRAPH_JWT_ISSUER", default_value = "clientgraph")]
    pub jwt_issuer: String,

    /// `aud` claim of access tokens.
    #[arg(
        long,
        env = "CLIENTGRAPH_JWT_AUDIENCE",
        default_value = "clientgraph-api"
    )]
    pub jwt_audience: String,

    /// Lifetime of access tokens, in seconds.
    #[arg(long, env = "CLIENTGRAPH_ACCESS_TOKEN_TTL_SECS", default_value_t = 15 * 60)]
    pub access_token_ttl_secs: i64,

    /// Lifetime of refresh tokens, in seconds.
    #[arg(long, env = "CLIENTGRAPH_REFRESH_TOKEN_TTL_SECS", default_value_t = 30 * 24 * 3600)]
    pub refresh_token_ttl_secs: i64,

    /// `development` or `production` (production refuses a missing or short JWT secret).
    #[arg(long = "env", env = "CLIENTGRAPH_ENV", value_enum, default_value_t = Environment::Development)]
    pub environment: Environment,
}

impl AuthSettings {
    /// The signing secret, checked: production needs a configured secret of at least
    /// [`MIN_JWT_SECRET_LEN`] bytes; development falls back to a random one.
    pub fn signing_secret(&self) -> anyhow::Result<Vec<u8>> {
        match (&self.jwt_secret, self.environment) {
            (Some(secret), Environment::Production)
                if secret.expose().len() < MIN_JWT_SECRET_LEN =>
            {
                anyhow::bail!(
                    "CLIENTGRAPH_JWT_SECRET must be at least {MIN_JWT_SECRET_LEN} bytes in production"
                )
            }
            (Some(secret), _) => Ok(secret.expose().as_bytes().to_vec()),
            (None, Environment::Production) => {
                anyhow::bail!("CLIENTGRAPH_JWT_SECRET is required in production")
            }
            (None, Environment::Development) => {
                tracing::warn!(
                    "CLIENTGRAPH_JWT_SECRET is not set: using a random secret; tokens will not \
                     survive a restart and `clientgraph token` cannot mint tokens for this server"
                );
                Ok(crate::auth::secrets::generate("").into_bytes())
            }
        }
    }
}

/// Where document files are kept; shared by `serve` and `documents purge`.
#[derive(Debug, Clone, Args)]
pub struct StorageSettings {
    /// Where document files are kept: `local` (a directory) or `s3`.
    #[arg(long = "storage", env = "CLIENTGRAPH_STORAGE", value_enum, default_value_t = StorageKind::Local)]
    pub kind: StorageKind,

    /// Directory of the local file store (created if missing).
    #[arg(
        long = "storage-path",
        env = "CLIENTGRAPH_STORAGE_PATH",
        default_value = "data/files"
    )]
    pub path: String,

    /// Bucket of the S3 file store.
    #[arg(long, env = "CLIENTGRAPH_S3_BUCKET")]
    pub s3_bucket: Option<String>,

    /// Endpoint of an S3-compatible server (MinIO, Ceph, R2 …); unset means AWS.
    #[arg(long, env = "CLIENTGRAPH_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,

    /// Region of the S3 bucket.
    #[arg(long, env = "CLIENTGRAPH_S3_REGION", default_value = "us-east-1")]
    pub s3_region: String,

    /// Access key id of the S3 store (else `AWS_ACCESS_KEY_ID` and the usual AWS chain).
    #[arg(long, env = "CLIENTGRAPH_S3_ACCESS_KEY_ID")]
    pub s3_access_key_id: Option<String>,

    /// Secret access key of the S3 store (else `AWS_SECRET_ACCESS_KEY`).
    #[arg(long, env = "CLIENTGRAPH_S3_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub s3_secret_access_key: Option<Secret>,

    /// Allow a plain-HTTP S3 endpoint (a local MinIO).
    #[arg(long, env = "CLIENTGRAPH_S3_ALLOW_HTTP", default_value_t = false,
          action = ArgAction::Set, value_parser = BoolishValueParser::new())]
    pub s3_allow_http: bool,
}
