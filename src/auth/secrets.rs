//! Opaque secrets (refresh tokens, API keys): random, URL-safe, stored only as SHA-256.
//! They carry 256 bits of entropy, so a fast hash is the right tool (argon2 is for
//! low-entropy passwords).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Prefix of refresh tokens.
pub const REFRESH_PREFIX: &str = "cgr_";
/// Prefix of API keys; a bearer credential starting with it is an API key.
pub const API_KEY_PREFIX: &str = "cgk_";

/// A new random secret: `prefix` + 43 URL-safe characters (32 random bytes).
pub fn generate(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Hex SHA-256 of a secret, as stored.
pub fn digest(secret: &str) -> String {
    let hash = Sha256::digest(secret.as_bytes());
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// A random password for generated accounts (CLI bootstrap).
pub fn generate_password() -> String {
    generate("").chars().take(24).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_hashes_stable() {
        let a = generate(API_KEY_PREFIX);
        let b = generate(API_KEY_PREFIX);
        assert_ne!(a, b);
        assert!(a.starts_with(API_KEY_PREFIX) && a.len() == 4 + 43);
        assert_eq!(digest(&a), digest(&a));
        assert_eq!(digest(&a).len(), 64);
    }
}
