//! GraphQL over WebSocket (`graphql-transport-ws`) on `GET /graphql` with
//! `Upgrade: websocket`: subscriptions, plus queries for clients that send everything
//! over one socket. Mutations go over HTTP, where their limits live.
//!
//! The protocol is driven here rather than by async-graphql's built-in handler because
//! the server needs what that one does not do: 4403 for a bad credential before any
//! `connection_ack`, 4408 when `connection_init` is late, the request limits (depth,
//! aliases, cost) on every `subscribe`, subscription caps per connection and per
//! credential, closing when the access token expires or the credential is revoked, a
//! bounded send queue (a client that does not read is dropped, not buffered for), and
//! 1001 at shutdown after what is queued has been sent.

mod connection;
mod operation;
pub mod protocol;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::ws::WebSocketUpgrade;
use axum::http::HeaderMap;
use axum::response::Response;
use tokio::sync::{Notify, watch};
use uuid::Uuid;

use super::AppState;
use crate::config::Config;
use crate::service::RequestContext;

/// The limits of WebSocket connections (see `CLIENTGRAPH_WS_*`).
#[derive(Debug, Clone)]
pub struct WsSettings {
    pub max_subscriptions: usize,
    pub max_subscriptions_per_credential: usize,
    pub max_message_bytes: usize,
    pub init_timeout: Duration,
    pub keepalive: Duration,
    pub send_queue: usize,
    /// How long a full send queue may stay full before the connection is dropped.
    pub send_timeout: Duration,
    /// The DataLoader batching delay of subscription resolvers.
    pub loader_delay: Duration,
}

impl From<&Config> for WsSettings {
    fn from(config: &Config) -> Self {
        let events = &config.events;
        WsSettings {
            max_subscriptions: events.ws_max_subscriptions.max(1),
            max_subscriptions_per_credential: events.ws_max_subscriptions_per_credential.max(1),
            max_message_bytes: events.ws_max_message_bytes.max(1024),
            init_timeout: Duration::from_secs(events.ws_init_timeout_secs.max(1)),
            keepalive: Duration::from_secs(events.ws_keepalive_secs.max(1)),
            send_queue: events.ws_send_queue.max(1),
            send_timeout: Duration::from_millis(events.ws_send_timeout_ms.max(1)),
            loader_delay: Duration::from_millis(config.dataloader_delay_ms),
        }
    }
}

/// The open WebSocket connections of this instance: their count (waited for at
/// shutdown), the shutdown signal, and the subscriptions held per credential.
#[derive(Clone)]
pub struct Sockets {
    inner: Arc<SocketsInner>,
}

struct SocketsInner {
    settings: WsSettings,
    shutdown: watch::Sender<bool>,
    open: AtomicUsize,
    all_closed: Notify,
    per_credential: Mutex<HashMap<Uuid, usize>>,
}

impl Sockets {
    pub fn new(settings: WsSettings) -> Self {
        Sockets {
            inner: Arc::new(SocketsInner {
                settings,
                shutdown: watch::channel(false).0,
                open: AtomicUsize::new(0),
                all_closed: Notify::new(),
                per_credential: Mutex::new(HashMap::new()),
            }),
        }
    }

    pub fn settings(&self) -> &WsSettings {
        &self.inner.settings
    }

    /// Tells every connection to close (1001) once what it has queued is sent.
    pub fn shut_down(&self) {
        self.inner.shutdown.send_replace(true);
    }

    /// Waits until every connection has closed, at most `grace`.
    pub async fn closed(&self, grace: Duration) {
        let wait = async {
            loop {
                let notified = self.inner.all_closed.notified();
                if self.inner.open.load(Ordering::Acquire) == 0 {
                    return;
                }
                notified.await;
            }
        };
        let _ = tokio::time::timeout(grace, wait).await;
    }

    fn opened(&self) -> OpenSocket {
        self.inner.open.fetch_add(1, Ordering::AcqRel);
        OpenSocket(self.clone())
    }

    /// One more subscription of `credential`, unless it holds the maximum already.
    fn hold(&self, credential: Uuid) -> Option<HeldSubscription> {
        let mut held = self
            .inner
            .per_credential
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let count = held.entry(credential).or_default();
        if *count >= self.inner.settings.max_subscriptions_per_credential {
            return None;
        }
        *count += 1;
        Some(HeldSubscription {
            sockets: self.clone(),
            credential,
        })
    }
}

/// Counts a connection as open until dropped.
struct OpenSocket(Sockets);

impl Drop for OpenSocket {
    fn drop(&mut self) {
        if self.0.inner.open.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.inner.all_closed.notify_waiters();
        }
    }
}

/// Counts one subscription against its credential until dropped.
struct HeldSubscription {
    sockets: Sockets,
    credential: Uuid,
}

impl Drop for HeldSubscription {
    fn drop(&mut self) {
        let mut held = self
            .sockets
            .inner
            .per_credential
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = held.get_mut(&self.credential) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                held.remove(&self.credential);
            }
        }
    }
}

/// Whether a request asks to become a WebSocket.
pub fn is_upgrade(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// Accepts the upgrade and runs the connection.
pub fn upgrade(
    upgrade: WebSocketUpgrade,
    state: AppState,
    meta: RequestContext,
    headers: &HeaderMap,
) -> Response {
    let settings = state.sockets.settings().clone();
    let offered = upgrade.protocols([protocol::SUBPROTOCOL]);
    let accepted = offered.selected_protocol().is_some();
    let header_credential = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    offered
        .max_message_size(settings.max_message_bytes)
        .max_frame_size(settings.max_message_bytes)
        .on_upgrade(move |socket| async move {
            let open = state.sockets.opened();
            connection::run(socket, state, meta, header_credential, accepted).await;
            drop(open);
        })
}
