//! Signed, expiring tokens for URLs (export downloads, later file downloads): an
//! HMAC-SHA256 over a JSON payload, with a purpose so a token for one route is refused
//! by another. The key is derived from the JWT secret, so no extra setting is needed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::{AppError, AppResult};

type HmacSha256 = Hmac<Sha256>;

/// Signs and verifies URL tokens.
#[derive(Clone)]
pub struct UrlSigner {
    key: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct Envelope<T> {
    purpose: String,
    exp: i64,
    data: T,
}

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length; this cannot fail.
    <HmacSha256 as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"))
}

fn refused() -> AppError {
    AppError::Forbidden("this link is invalid or has expired".into())
}

impl UrlSigner {
    /// A signer whose key is derived from `secret` (domain-separated from JWT signing).
    pub fn new(secret: &[u8]) -> Self {
        let mut derive = mac(secret);
        derive.update(b"clientgraph url-signing v1");
        UrlSigner {
            key: derive.finalize().into_bytes().to_vec(),
        }
    }

    /// A token carrying `data` for `purpose`, valid until `expires_at`.
    pub fn sign<T: Serialize>(
        &self,
        purpose: &str,
        data: &T,
        expires_at: DateTime<Utc>,
    ) -> AppResult<String> {
        let envelope = Envelope {
            purpose: purpose.to_owned(),
            exp: expires_at.timestamp(),
            data,
        };
        let payload =
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&envelope).map_err(AppError::internal)?);
        let mut m = mac(&self.key);
        m.update(payload.as_bytes());
        Ok(format!(
            "{payload}.{}",
            URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
        ))
    }

    /// A signature over `purpose` and `fields` (for URLs whose parts stay readable,
    /// e.g. `/files/<tenant>/<document>/<version>?…&exp=…&sig=…`). Fields are
    /// length-prefixed, so no two different lists sign alike.
    pub fn sign_fields(&self, purpose: &str, fields: &[&str]) -> String {
        URL_SAFE_NO_PAD.encode(self.fields_mac(purpose, fields).finalize().into_bytes())
    }

    /// Checks a [`UrlSigner::sign_fields`] signature in constant time; FORBIDDEN when it
    /// does not match.
    pub fn verify_fields(&self, purpose: &str, fields: &[&str], signature: &str) -> AppResult<()> {
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| refused())?;
        self.fields_mac(purpose, fields)
            .verify_slice(&signature)
            .map_err(|_| refused())
    }

    fn fields_mac(&self, purpose: &str, fields: &[&str]) -> HmacSha256 {
        let mut m = mac(&self.key);
        for part in std::iter::once(purpose).chain(fields.iter().copied()) {
            m.update(&(part.len() as u64).to_be_bytes());
            m.update(part.as_bytes());
        }
        m
    }

    /// The data of a valid, unexpired token for `purpose`; FORBIDDEN otherwise.
    pub fn verify<T: DeserializeOwned>(&self, purpose: &str, token: &str) -> AppResult<T> {
        let (payload, signature) = token.split_once('.').ok_or_else(refused)?;
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| refused())?;
        let mut m = mac(&self.key);
        m.update(payload.as_bytes());
        m.verify_slice(&signature).map_err(|_| refused())?;
        let bytes = URL_SAFE_NO_PAD.decode(payload).map_err(|_| refused())?;
        let envelope: Envelope<T> = serde_json::from_slice(&bytes).map_err(|_| refused())?;
        if envelope.purpose != purpose || envelope.exp <= Utc::now().timestamp() {
            return Err(refused());
        }
        Ok(envelope.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_unchanged_unexpired_and_for_their_purpose() {
        let signer = UrlSigner::new(b"secret");
        let later = Utc::now() + chrono::Duration::minutes(5);
        let token = signer.sign("export", &42u32, later).unwrap();
        assert_eq!(signer.verify::<u32>("export", &token).unwrap(), 42);
        assert!(signer.verify::<u32>("download", &token).is_err());
        assert!(
            UrlSigner::new(b"other")
                .verify::<u32>("export", &token)
                .is_err()
        );
        let mut tampered = token.clone();
        tampered.insert(3, 'x');
        assert!(signer.verify::<u32>("export", &tampered).is_err());
        let expired = signer
            .sign("export", &1u32, Utc::now() - chrono::Duration::seconds(1))
            .unwrap();
        assert!(signer.verify::<u32>("export", &expired).is_err());
    }

    #[test]
    fn field_signatures_bind_every_field_and_the_purpose() {
        let signer = UrlSigner::new(b"secret");
        let sig = signer.sign_fields("file", &["t", "d", "1"]);
        assert!(signer.verify_fields("file", &["t", "d", "1"], &sig).is_ok());
        assert!(
            signer
                .verify_fields("file", &["t", "d", "2"], &sig)
                .is_err()
        );
        assert!(
            signer
                .verify_fields("file", &["td", "", "1"], &sig)
                .is_err()
        );
        assert!(
            signer
                .verify_fields("export", &["t", "d", "1"], &sig)
                .is_err()
        );
        assert!(
            signer
                .verify_fields("file", &["t", "d", "1"], "garbage!")
                .is_err()
        );
    }
}
