//! The tokens of a session.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};

use crate::service::sessions::Session;

/// Tokens of a session. Send the access token as `Authorization: Bearer <accessToken>`;
/// trade the refresh token for a new pair with `refreshToken` before the access token
/// expires. Each refresh token works once.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// Short-lived JWT for the `Authorization` header.
    pub access_token: String,
    /// When the access token expires.
    pub expires_at: DateTime<Utc>,
    /// Single-use token for `refreshToken`; keep it secret.
    pub refresh_token: String,
    /// When the refresh token expires.
    pub refresh_expires_at: DateTime<Utc>,
    /// Always `Bearer`.
    pub token_type: &'static str,
}

impl From<Session> for AuthPayload {
    fn from(s: Session) -> Self {
        AuthPayload {
            access_token: s.access_token,
            expires_at: s.expires_at,
            refresh_token: s.refresh_token,
            refresh_expires_at: s.refresh_expires_at,
            token_type: "Bearer",
        }
    }
}
