//! Password hashing with argon2id (default parameters: 19 MiB, 2 passes). Hashing runs
//! on the blocking pool so it never stalls the async executor.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;

use crate::error::{AppError, AppResult};

/// Shortest accepted password.
pub const MIN_LENGTH: usize = 10;
/// Longest accepted password (argon2 takes any length; this bounds the work).
pub const MAX_LENGTH: usize = 256;

/// Checks the password policy; the error names the `password` field.
pub fn validate(password: &str) -> AppResult<()> {
    let length = password.chars().count();
    if !(MIN_LENGTH..=MAX_LENGTH).contains(&length) {
        return Err(AppError::bad_input(
            "password",
            format!("password must be {MIN_LENGTH} to {MAX_LENGTH} characters long"),
        ));
    }
    Ok(())
}

/// Hashes a password (PHC string).
pub async fn hash(password: &str) -> AppResult<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(AppError::internal)?
}

fn hash_blocking(password: &str) -> AppResult<String> {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| AppError::internal(anyhow::anyhow!("argon2 salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(anyhow::anyhow!("argon2: {e}")))
}

/// Verifies `password` against `stored`, or, when there is no stored hash (unknown
/// account), against a fixed dummy hash, so both cases take the same time.
pub async fn verify(password: &str, stored: Option<&str>) -> bool {
    let password = password.to_owned();
    let stored = stored.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let real = stored.is_some();
        let hash = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        ok && real
    })
    .await
    .unwrap_or(false)
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("not-a-real-password-only-for-timing").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_unknown_accounts_never_do() {
        let stored = hash("correct horse battery").await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", Some(&stored)).await);
        assert!(!verify("wrong horse battery", Some(&stored)).await);
        assert!(!verify("not-a-real-password-only-for-timing", None).await);
        assert!(validate("short").is_err());
        assert!(validate("long enough pass").is_ok());
    }
}
