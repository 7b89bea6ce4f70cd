//! Field encryption at rest (AES-256-GCM) for sensitive values such as tax ids.
//!
//! Stored form: `<key id>:<nonce, base64>:<ciphertext+tag, base64>`. The key id lets
//! keys rotate: new values use the first (active) key, old values stay readable while
//! their key is configured. Each value is bound to its row through associated data
//! (tenant id + row id), so a ciphertext copied onto another row does not decrypt.

use std::collections::HashMap;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::RngCore;

use crate::config::{Environment, Secret};
use crate::error::{AppError, AppResult};

/// Key id of the built-in development key (refused in production).
const DEV_KEY_ID: &str = "dev";

/// Encrypts and decrypts sensitive fields.
#[derive(Clone)]
pub struct FieldCipher {
    active: String,
    keys: HashMap<String, Aes256Gcm>,
}

impl std::fmt::Debug for FieldCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldCipher")
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

fn cipher(bytes: &[u8]) -> anyhow::Result<Aes256Gcm> {
    let key = Key::<Aes256Gcm>::try_from(bytes)
        .map_err(|_| anyhow::anyhow!("an encryption key must be 32 bytes (base64-encoded)"))?;
    Ok(Aes256Gcm::new(&key))
}

impl FieldCipher {
    /// Parses `CLIENTGRAPH_ENCRYPTION_KEYS`: `id:base64key[,id:base64key…]`, the first
    /// being the active key. Unset: a fixed development key in development, an error
    /// in production.
    pub fn from_config(keys: Option<&Secret>, environment: Environment) -> anyhow::Result<Self> {
        let Some(spec) = keys else {
            if environment == Environment::Production {
                anyhow::bail!("CLIENTGRAPH_ENCRYPTION_KEYS is required in production");
            }
            tracing::warn!(
                "CLIENTGRAPH_ENCRYPTION_KEYS is not set: using the insecure development key"
            );
            return Ok(FieldCipher {
                active: DEV_KEY_ID.into(),
                keys: HashMap::from([(DEV_KEY_ID.to_owned(), cipher(&[0x5a; 32])?)]),
            });
        };
        let mut active = None;
        let mut keys = HashMap::new();
        for entry in spec
            .expose()
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let (id, key) = entry.split_once(':').ok_or_else(|| {
                anyhow::anyhow!("CLIENTGRAPH_ENCRYPTION_KEYS entries are `id:base64key`")
            })?;
            if id.is_empty()
                || id.contains(':')
                || (environment == Environment::Production && id == DEV_KEY_ID)
            {
                anyhow::bail!("invalid encryption key id {id:?}");
            }
            let bytes = STANDARD
                .decode(key)
                .map_err(|_| anyhow::anyhow!("encryption key {id:?} is not base64"))?;
            keys.insert(id.to_owned(), cipher(&bytes)?);
            active.get_or_insert_with(|| id.to_owned());
        }
        let active =
            active.ok_or_else(|| anyhow::anyhow!("CLIENTGRAPH_ENCRYPTION_KEYS holds no key"))?;
        Ok(FieldCipher { active, keys })
    }

    /// Encrypts `plaintext` for the row identified by `context`.
    pub fn encrypt(&self, plaintext: &str, context: &[u8]) -> AppResult<String> {
        let cipher = &self.keys[&self.active];
        let mut nonce_bytes = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce_bytes);
        let nonce = Nonce::try_from(&nonce_bytes[..])
            .map_err(|_| AppError::internal(anyhow::anyhow!("nonce size")))?;
        let ciphertext = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: context,
                },
            )
            .map_err(|_| AppError::internal(anyhow::anyhow!("encryption failed")))?;
        Ok(format!(
            "{}:{}:{}",
            self.active,
            URL_SAFE_NO_PAD.encode(nonce_bytes),
            URL_SAFE_NO_PAD.encode(ciphertext)
        ))
    }

    /// Decrypts a stored value of the row identified by `context`.
    pub fn decrypt(&self, stored: &str, context: &[u8]) -> AppResult<String> {
        let fail =
            |why: &str| AppError::internal(anyhow::anyhow!("cannot decrypt a stored value: {why}"));
        let mut parts = stored.splitn(3, ':');
        let (Some(id), Some(nonce), Some(ciphertext)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(fail("malformed"));
        };
        let cipher = self
            .keys
            .get(id)
            .ok_or_else(|| fail("its key is not configured"))?;
        let nonce = URL_SAFE_NO_PAD.decode(nonce).map_err(|_| fail("nonce"))?;
        let nonce = Nonce::try_from(&nonce[..]).map_err(|_| fail("nonce size"))?;
        let ciphertext = URL_SAFE_NO_PAD
            .decode(ciphertext)
            .map_err(|_| fail("ciphertext"))?;
        let plaintext = cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: &ciphertext,
                    aad: context,
                },
            )
            .map_err(|_| fail("authentication failed"))?;
        String::from_utf8(plaintext).map_err(|_| fail("not UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(spec: &str) -> FieldCipher {
        FieldCipher::from_config(Some(&spec.parse().unwrap()), Environment::Production).unwrap()
    }

    #[test]
    fn values_round_trip_bound_to_their_row_and_keys_rotate() {
        let old = keys(&format!("k1:{}", STANDARD.encode([1u8; 32])));
        let stored = old.encrypt("DE123456789", b"row-1").unwrap();
        assert!(stored.starts_with("k1:") && !stored.contains("DE123456789"));
        assert_eq!(old.decrypt(&stored, b"row-1").unwrap(), "DE123456789");
        assert!(old.decrypt(&stored, b"row-2").is_err(), "bound to its row");

        let rotated = keys(&format!(
            "k2:{},k1:{}",
            STANDARD.encode([2u8; 32]),
            STANDARD.encode([1u8; 32])
        ));
        assert_eq!(rotated.decrypt(&stored, b"row-1").unwrap(), "DE123456789");
        assert!(rotated.encrypt("x", b"r").unwrap().starts_with("k2:"));
        assert_ne!(
            old.encrypt("same", b"r").unwrap(),
            old.encrypt("same", b"r").unwrap()
        );
    }

    #[test]
    fn production_needs_real_keys() {
        assert!(FieldCipher::from_config(None, Environment::Production).is_err());
        assert!(
            FieldCipher::from_config(Some(&"k:short".parse().unwrap()), Environment::Production)
                .is_err()
        );
        assert!(FieldCipher::from_config(None, Environment::Development).is_ok());
    }
}
