//! Access tokens: HS256 JWTs with `sub, tid, sid, role, jti, iat, nbf, exp, iss, aud`.
//!
//! Validation pins the algorithm (never taken from the token), requires `exp`, `nbf`,
//! `iss`, `aud` and `sub` to be present — jsonwebtoken otherwise checks `iss`/`aud` only
//! when the token happens to carry them, and skips `nbf` — and allows 5 s of clock skew.

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Role;
use crate::error::{AppError, AppResult};

const ALGORITHM: Algorithm = Algorithm::HS256;
const LEEWAY_SECS: u64 = 5;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: Uuid,
    /// The tenant id.
    pub tid: Uuid,
    /// The session (refresh-token family) this token belongs to.
    pub sid: Uuid,
    /// The role at issue time (informative: the user's current role is what counts).
    pub role: String,
    pub jti: Uuid,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

/// Signs and verifies access tokens.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl: Duration,
}

/// A freshly signed access token.
pub struct IssuedToken {
    pub token: String,
    pub jti: Uuid,
    pub expires_at: DateTime<Utc>,
}

impl JwtKeys {
    /// The lifetime of the access tokens it issues.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    pub fn new(secret: &[u8], issuer: &str, audience: &str, ttl: Duration) -> Self {
        let mut validation = Validation::new(ALGORITHM);
        validation.algorithms = vec![ALGORITHM];
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.validate_exp = true;
        validation.leeway = LEEWAY_SECS;
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ttl,
        }
    }

    /// Signs a token for `user_id` in `tenant_id`, valid for the configured lifetime.
    pub fn issue(
        &self,
        user_id: Uuid,
        tenant_id: Uuid,
        session_id: Uuid,
        role: Role,
    ) -> AppResult<IssuedToken> {
        self.issue_with_ttl(user_id, tenant_id, session_id, role, self.ttl)
    }

    /// Signs a token with an explicit lifetime (CLI-minted tokens).
    pub fn issue_with_ttl(
        &self,
        user_id: Uuid,
        tenant_id: Uuid,
        session_id: Uuid,
        role: Role,
        ttl: Duration,
    ) -> AppResult<IssuedToken> {
        let now = Utc::now();
        let expires_at = now + ttl;
        let jti = Uuid::new_v4();
        let claims = Claims {
            sub: user_id,
            tid: tenant_id,
            sid: session_id,
            role: role.as_str().to_owned(),
            jti,
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: expires_at.timestamp(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        let token = jsonwebtoken::encode(&Header::new(ALGORITHM), &claims, &self.encoding)
            .map_err(AppError::internal)?;
        Ok(IssuedToken {
            token,
            jti,
            expires_at,
        })
    }

    /// Verifies signature, algorithm, lifetime, issuer and audience.
    pub fn verify(&self, token: &str) -> AppResult<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|err| {
                tracing::debug!(error = %err, "access token refused");
                AppError::Unauthenticated("invalid or expired access token".into())
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::new(
            &[7u8; 32],
            "clientgraph",
            "clientgraph-api",
            Duration::minutes(15),
        )
    }

    #[test]
    fn issued_tokens_verify_and_others_do_not() {
        let keys = keys();
        let issued = keys
            .issue(Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4(), Role::Admin)
            .unwrap();
        let claims = keys.verify(&issued.token).unwrap();
        assert_eq!(claims.jti, issued.jti);

        let other_secret = JwtKeys::new(
            &[8u8; 32],
            "clientgraph",
            "clientgraph-api",
            Duration::minutes(15),
        );
        assert!(other_secret.verify(&issued.token).is_err());
        let other_audience = JwtKeys::new(
            &[7u8; 32],
            "clientgraph",
            "elsewhere",
            Duration::minutes(15),
        );
        assert!(other_audience.verify(&issued.token).is_err());
        let expired = keys
            .issue_with_ttl(
                Uuid::new_v4(),
                Uuid::new_v4(),
                Uuid::new_v4(),
                Role::Admin,
                Duration::minutes(-5),
            )
            .unwrap();
        assert!(keys.verify(&expired.token).is_err());
    }
}
