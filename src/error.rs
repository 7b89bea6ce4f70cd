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
    /// The `extensions.code` of this error.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated(_) => code::UNAUTHENTICATED,
            AppError::Forbidden(_) => code::FORBIDDEN,
            AppError::NotFound(_) => code::NOT_FOUND,
            AppError::BadUserInput { .. } => code::BAD_USER_INPUT,
            AppError::Conflict(_) => code::CONFLICT,
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

/// Database errors are internal, except uniqueness violations, which are a conflict the
/// client can act on. The constraint text is not passed on: it names tables and columns.
impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                AppError::Conflict("a record with the same unique value already exists".into())
            }
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
