//! The messages and close codes of the `graphql-transport-ws` protocol (the one the
//! `graphql-ws` library, Apollo Client and GraphiQL speak):
//! <https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md>.

use serde::Deserialize;
use serde_json::{Value, json};

/// The WebSocket subprotocol.
pub const SUBPROTOCOL: &str = "graphql-transport-ws";

/// Close codes of the protocol (and the standard ones we use).
pub mod close {
    /// The server is shutting down.
    pub const GOING_AWAY: u16 = 1001;
    /// A message larger than the limit.
    pub const TOO_BIG: u16 = 1009;
    /// A message that is not one of the protocol's.
    pub const BAD_MESSAGE: u16 = 4400;
    /// `subscribe` before the connection was acknowledged.
    pub const UNAUTHORIZED: u16 = 4401;
    /// No, bad, expired or revoked credential.
    pub const FORBIDDEN: u16 = 4403;
    /// The client did not offer the subprotocol.
    pub const SUBPROTOCOL_NOT_ACCEPTABLE: u16 = 4406;
    /// No `connection_init` in time.
    pub const INIT_TIMEOUT: u16 = 4408;
    /// A `subscribe` with an id already in use.
    pub const DUPLICATE_ID: u16 = 4409;
    /// A second `connection_init`.
    pub const TOO_MANY_INITS: u16 = 4429;
}

/// What a client sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<Value>,
    },
    Ping {
        #[serde(default)]
        payload: Option<Value>,
    },
    Pong {},
    Subscribe {
        id: String,
        payload: Box<async_graphql::Request>,
    },
    Complete {
        id: String,
    },
}

/// Longest operation id accepted (ids are client-chosen strings).
pub const MAX_ID_CHARS: usize = 128;

pub fn connection_ack() -> String {
    json!({ "type": "connection_ack" }).to_string()
}

pub fn pong(payload: Option<Value>) -> String {
    match payload {
        Some(payload) => json!({ "type": "pong", "payload": payload }).to_string(),
        None => json!({ "type": "pong" }).to_string(),
    }
}

/// One result of an operation: `next`, or `error` when it never executed (only
/// errors without a path), which also ends it.
pub fn result(id: &str, response: &async_graphql::Response) -> (String, bool) {
    if crate::http::graphql::never_executed(response) {
        let message = json!({ "type": "error", "id": id, "payload": response.errors });
        (message.to_string(), true)
    } else {
        let message = json!({ "type": "next", "id": id, "payload": response });
        (message.to_string(), false)
    }
}

pub fn complete(id: &str) -> String {
    json!({ "type": "complete", "id": id }).to_string()
}

/// The `error` message of an operation refused before it ran.
pub fn refused(id: &str, code: &str, message: &str) -> String {
    json!({
        "type": "error",
        "id": id,
        "payload": [{ "message": message, "extensions": { "code": code } }],
    })
    .to_string()
}

/// The credential in a `connection_init` payload: `authorization` (or `Authorization`),
/// with or without the `Bearer ` scheme.
pub fn credential(payload: Option<&Value>) -> Option<String> {
    let payload = payload?;
    let value = ["authorization", "Authorization"]
        .iter()
        .find_map(|key| payload.get(*key))?
        .as_str()?
        .trim();
    if value.is_empty() {
        return None;
    }
    Some(if value.contains(' ') {
        value.to_owned()
    } else {
        format!("Bearer {value}")
    })
}
