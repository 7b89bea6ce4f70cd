//! The one error type of the server and its mapping to GraphQL error codes.
//!
//! Every failure a client can see is an [`AppError`]; its [`AppError::code`] is exactly
//! one of the codes of SPEC §8 and travels in `extensions.code`. Internal errors are
//! logged (inside the request's span, so with its request id) and replaced by a generic
//! message: SQL text, file paths and Debug output never reach a client.

use async_graphql::ErrorExtensions;
use sea_orm::{DbErr, SqlErr};

/// The error codes of SPEC §8, as they appear in `extensions.code`.
pub mod code {
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    pub const CONFLICT: &str = "CONFLICT";
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    pub const PAYLOAD_TOO_LARGE: &str = "PAYLOAD_TOO_LARGE";
    pub const INTERNAL_SERVER_ERROR: &str = "INTERNAL_SERVER_ERROR";
    /// The request ran past its time limit and was stopped before it wrote anything.
    pub const TIMEOUT: &str = "TIMEOUT";
}

/// The message every internal error is replaced with.
pub const INTERNAL_MESSAGE: &str = "Internal server error";

/// A failure that a client may be told about.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No credential, or one that is invalid, expired or revoked.
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller is known but lacks the permission.
    #[error("{0}")]
    Forbidden(String),
    /// The row does not exist in the caller's tenant (other tenants' rows included).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Input that fails validation; `field` names the offending input field.
    #[error("{message}")]
    BadUserInput {
        field: Option<String>,
        message: String,
    },
    /// A uniqueness rule, a stale version or a state rule stops the change.
    #[error("{0}")]
    Conflict(String),
    /// A unique key of the database refused the row (a CONFLICT naming the input
    /// `field`): what a duplicate pre-check says, even when a concurrent write won the
    /// race between the check and the insert. See [`UNIQUE_KEYS`].
    #[error("{message}")]
    Duplicate {
        field: &'static str,
        message: String,
    },
    /// The caller exceeded a rate limit.
    #[error("rate limit exceeded; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// A body, file or request exceeded a size limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// Anything unexpected. Logged in full, shown to the client as [`INTERNAL_MESSAGE`].
    #[error("internal error: {0:#}")]
    Internal(anyhow::Error),
}

impl AppError {
    /// The CONFLICT of a duplicate `field` (a pre-check's, or a unique key's).
    pub fn duplicate(field: &'static str, message: impl Into<String>) -> Self {
        AppError::Duplicate {
            field,
            message: message.into(),
        }
    }

    /// A NOT_FOUND of a lookup renamed to what the caller asked for (`communication`,
    /// `account manager`); every other error unchanged, so a database failure stays
    /// INTERNAL (and is logged) instead of hiding behind a NOT_FOUND.
    pub fn not_found_as(self, what: &'static str) -> Self {
        match self {
            AppError::NotFound(_) => AppError::NotFound(what),
            other => other,
        }
    }

    /// The `extensions.code` of this error.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated(_) => code::UNAUTHENTICATED,
            AppError::Forbidden(_) => code::FORBIDDEN,
            AppError::NotFound(_) => code::NOT_FOUND,
            AppError::BadUserInput { .. } => code::BAD_USER_INPUT,
            AppError::Conflict(_) | AppError::Duplicate { .. } => code::CONFLICT,
            AppError::RateLimited { .. } => code::RATE_LIMITED,
            AppError::PayloadTooLarge(_) => code::PAYLOAD_TOO_LARGE,
            AppError::Internal(_) => code::INTERNAL_SERVER_ERROR,
        }
    }

    /// Validation failure of one input field.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::BadUserInput {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// Places a validation failure inside a list item of the input (`contacts[2]` +
    /// `email` → `contacts[2].email`); other errors pass unchanged.
    pub fn within(self, item: &str) -> Self {
        match self {
            AppError::BadUserInput {
                field: Some(field),
                message,
            } => AppError::BadUserInput {
                field: Some(format!("{item}.{field}")),
                message,
            },
            other => other,
        }
    }

    /// Wraps any unexpected error.
    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(error.into())
    }

    /// The message a client sees: the Display text, except for internal errors.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Internal(_) => INTERNAL_MESSAGE.to_owned(),
            other => other.to_string(),
        }
    }
}

/// A named unique index of the schema and the input it guards.
pub struct UniqueKey {
    /// The index (PostgreSQL names it in the violation).
    pub index: &'static str,
    /// Its columns as SQLite names them in the violation (`table.column, …`).
    pub columns: &'static str,
    /// The input field a client should change.
    pub field: &'static str,
    pub message: &'static str,
}

/// Every named unique index a request can run into, with the field-level CONFLICT it
/// becomes (a test checks that each `ux_` index of the schema is listed here).
pub const UNIQUE_KEYS: &[UniqueKey] = &[
    UniqueKey {
        index: "ux_users_tenant_email",
        columns: "users.tenant_id, users.email",
        field: "email",
        message: "a user with this email already exists",
    },
    UniqueKey {
        index: "ux_clients_tenant_code",
        columns: "clients.tenant_id, clients.client_code",
        field: "clientCode",
        message: "a client with this code already exists",
    },
    UniqueKey {
        index: "ux_client_contacts_email",
        columns: "client_contacts.tenant_id, client_contacts.client_id, client_contacts.email",
        field: "email",
        message: "another contact of this client already uses this email",
    },
    UniqueKey {
        index: "ux_client_contacts_primary",
        columns: "client_contacts.tenant_id, client_contacts.client_id",
        field: "isPrimary",
        message: "the client already has a primary contact",
    },
    UniqueKey {
        index: "ux_client_job_assignments_active_job",
        columns: "client_job_assignments.tenant_id, client_job_assignments.job_id",
        field: "jobId",
        message: "the job is linked to another client; unlink it there first",
    },
    UniqueKey {
        index: "ux_client_job_assignments_pair",
        columns: "client_job_assignments.tenant_id, client_job_assignments.client_id, client_job_assignments.job_id",
        field: "jobId",
        message: "the job is already linked to this client",
    },
    UniqueKey {
        index: "ux_document_versions_document_no",
        columns: "document_versions.document_id, document_versions.version_no",
        field: "id",
        message: "another version of the document was added at the same time; try again",
    },
    UniqueKey {
        index: "ux_client_analytics_tenant_client_date",
        columns: "client_analytics.tenant_id, client_analytics.client_id, client_analytics.date",
        field: "date",
        message: "the day's figures of this client were written at the same time; try again",
    },
    // Random 256-bit digests: a clash is a retry, never the caller's input.
    UniqueKey {
        index: "ux_api_keys_tenant_secret",
        columns: "api_keys.secret_hash",
        field: "apiKey",
        message: "the generated key clashed with another; try again",
    },
    UniqueKey {
        index: "ux_refresh_tokens_tenant_hash",
        columns: "refresh_tokens.token_hash",
        field: "refreshToken",
        message: "the generated token clashed with another; try again",
    },
    UniqueKey {
        index: "ux_document_versions_tenant_key",
        columns: "document_versions.storage_key",
        field: "file",
        message: "the stored file clashed with another; try again",
    },
    UniqueKey {
        index: "ux_revoked_tokens_tenant_jti",
        columns: "revoked_tokens.tenant_id, revoked_tokens.jti",
        field: "token",
        message: "the token was revoked at the same time",
    },
];

/// The unique key a violation's database message names: PostgreSQL quotes the index,
/// SQLite lists its columns (`UNIQUE constraint failed: users.tenant_id, users.email`).
pub fn unique_key_of(violation: &str) -> Option<&'static UniqueKey> {
    let sqlite_columns = violation
        .split_once("UNIQUE constraint failed: ")
        .map(|(_, columns)| columns.trim());
    UNIQUE_KEYS.iter().find(|key| {
        violation.contains(&format!("\"{}\"", key.index)) || sqlite_columns == Some(key.columns)
    })
}

/// Database errors are internal, except uniqueness violations, which are a conflict the
/// client can act on: a named key's becomes its field-level [`AppError::Duplicate`]. The
/// constraint text is not passed on: it names tables and columns.
impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(violation)) => match unique_key_of(&violation) {
                Some(key) => AppError::duplicate(key.field, key.message),
                None => {
                    AppError::Conflict("a record with the same unique value already exists".into())
                }
            },
            _ => AppError::Internal(err.into()),
        }
    }
}

impl<E> From<sea_orm::TransactionError<E>> for AppError
where
    E: std::error::Error + Into<AppError>,
{
    fn from(err: sea_orm::TransactionError<E>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(e) => e.into(),
        }
    }
}

/// The conversion `?` uses in resolvers (the `custom-error-conversion` feature removes
/// async-graphql's blanket `Display` conversion, so nothing else can reach a client).
impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        graphql_error(&err)
    }
}

/// A DataLoader's error: one error shared by every key of a batch.
#[derive(Debug, Clone)]
pub struct LoadError(pub std::sync::Arc<AppError>);

impl From<AppError> for LoadError {
    fn from(err: AppError) -> Self {
        LoadError(std::sync::Arc::new(err))
    }
}

impl From<LoadError> for async_graphql::Error {
    fn from(err: LoadError) -> Self {
        graphql_error(&err.0)
    }
}

fn graphql_error(err: &AppError) -> async_graphql::Error {
    {
        if let AppError::Internal(inner) = err {
            tracing::error!(error = format!("{inner:#}"), "internal error");
        }
        let message = err.public_message();
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", err.code());
            match err {
                AppError::BadUserInput {
                    field: Some(field), ..
                } => ext.set("field", field.as_str()),
                AppError::Duplicate { field, .. } => ext.set("field", *field),
                AppError::RateLimited { retry_after_secs } => {
                    ext.set("retryAfter", *retry_after_secs)
                }
                _ => {}
            }
        })
    }
}

/// Result alias for service functions.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_violations_name_their_key_on_both_databases() {
        let postgres = "duplicate key value violates unique constraint \"ux_users_tenant_email\"";
        let sqlite = "UNIQUE constraint failed: client_contacts.tenant_id, client_contacts.client_id, client_contacts.email";
        assert_eq!(unique_key_of(postgres).map(|k| k.field), Some("email"));
        assert_eq!(
            unique_key_of(sqlite).map(|k| k.index),
            Some("ux_client_contacts_email")
        );
        let primary =
            "UNIQUE constraint failed: client_contacts.tenant_id, client_contacts.client_id";
        assert_eq!(unique_key_of(primary).map(|k| k.field), Some("isPrimary"));
        assert!(unique_key_of("UNIQUE constraint failed: tenants.slug").is_none());
    }

    #[test]
    fn internal_errors_never_show_their_cause() {
        let err = AppError::internal(anyhow::anyhow!("SELECT * FROM secrets at /etc/x"));
        let gql: async_graphql::Error = err.into();
        assert_eq!(gql.message, INTERNAL_MESSAGE);
        let ext = gql.extensions.expect("extensions");
        assert_eq!(
            ext.get("code"),
            Some(&async_graphql::Value::from(code::INTERNAL_SERVER_ERROR))
        );
    }

    #[test]
    fn bad_input_names_the_field() {
        let gql: async_graphql::Error = AppError::bad_input("name", "too short").into();
        assert_eq!(gql.message, "too short");
        let ext = gql.extensions.expect("extensions");
        assert_eq!(ext.get("field"), Some(&async_graphql::Value::from("name")));
        assert_eq!(
            ext.get("code"),
            Some(&async_graphql::Value::from("BAD_USER_INPUT"))
        );
    }
}
