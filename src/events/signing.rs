//! Webhook signatures as the Standard Webhooks specification defines them
//! (<https://www.standardwebhooks.com/>): a secret is `whsec_` + base64 of its key; a
//! message is signed as `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`, and
//! while a rotated secret is still valid both signatures go out, space-separated, in
//! the `webhook-signature` header.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// The prefix of every signing secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// Bytes of a new secret's key (the specification asks for 24 to 64).
const KEY_BYTES: usize = 32;

/// A new signing secret, shown to the webhook's creator once.
pub fn generate_secret() -> String {
    let mut key = [0u8; KEY_BYTES];
    rand::rng().fill_bytes(&mut key);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// The HMAC key of a secret (`None` when it is not a `whsec_` secret).
fn key(secret: &str) -> Option<Vec<u8>> {
    STANDARD.decode(secret.strip_prefix(SECRET_PREFIX)?).ok()
}

/// The `webhook-signature` header of a message: one `v1,` signature per valid secret
/// (the current one first), space-separated.
pub fn signature_header(secrets: &[&str], id: &str, timestamp: i64, body: &str) -> String {
    secrets
        .iter()
        .filter_map(|secret| key(secret))
        .map(|key| {
            let mut mac =
                Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes a key of any length");
            mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
            format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_specifications_example() {
        // The example of the Standard Webhooks specification and its reference libraries.
        let header = signature_header(
            &["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(header, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn a_rotation_signs_with_both_secrets_and_new_secrets_differ() {
        let (old, new) = (generate_secret(), generate_secret());
        assert_ne!(old, new);
        assert!(new.starts_with(SECRET_PREFIX));
        assert_eq!(key(&new).map(|k| k.len()), Some(KEY_BYTES));
        let both = signature_header(&[&new, &old], "msg_1", 1, "{}");
        let parts: Vec<&str> = both.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], signature_header(&[&new], "msg_1", 1, "{}"));
        assert_eq!(parts[1], signature_header(&[&old], "msg_1", 1, "{}"));
        assert_eq!(signature_header(&["not-a-secret"], "msg_1", 1, "{}"), "");
    }
}
