//! Settings of the event pipeline: the relay, GraphQL subscriptions over WebSocket, and
//! webhook delivery.

use std::time::Duration;

use clap::Args;
use clap::builder::BoolishValueParser;

/// How events leave the server (see `crate::events`).
#[derive(Debug, Clone, Args)]
pub struct EventSettings {
    /// Run the event relay in this process (publisher, follower, webhook worker). Off,
    /// subscriptions on this instance receive nothing and webhooks are not sent.
    #[arg(long = "events-relay", env = "CLIENTGRAPH_EVENTS_RELAY", default_value_t = true,
          action = clap::ArgAction::Set, value_parser = BoolishValueParser::new())]
    pub relay: bool,

    /// Fallback polling interval of the relay, in milliseconds (notifications make the
    /// usual latency much lower; a lost one delays by at most this).
    #[arg(
        long = "events-poll-ms",
        env = "CLIENTGRAPH_EVENTS_POLL_MS",
        default_value_t = 500
    )]
    pub poll_ms: u64,

    /// PostgreSQL URL of the `LISTEN` connection (a direct connection, not through a
    /// transaction-mode pooler); defaults to `DATABASE_URL`.
    #[arg(long = "events-listen-url", env = "CLIENTGRAPH_EVENTS_LISTEN_URL")]
    pub listen_url: Option<String>,

    /// How long published events are kept (what a reconnecting subscriber can replay
    /// with `since`), in hours.
    #[arg(
        long,
        env = "CLIENTGRAPH_EVENTS_RETENTION_HOURS",
        default_value_t = 168
    )]
    pub retention_hours: u64,

    /// Most subscriptions one WebSocket connection may hold at once.
    #[arg(long, env = "CLIENTGRAPH_WS_MAX_SUBSCRIPTIONS", default_value_t = 20)]
    pub ws_max_subscriptions: usize,

    /// Most subscriptions one credential (token's user or API key) may hold at once on
    /// this instance, over all its connections.
    #[arg(
        long,
        env = "CLIENTGRAPH_WS_MAX_SUBSCRIPTIONS_PER_CREDENTIAL",
        default_value_t = 100
    )]
    pub ws_max_subscriptions_per_credential: usize,

    /// Largest WebSocket message a client may send, in bytes.
    #[arg(long, env = "CLIENTGRAPH_WS_MAX_MESSAGE_BYTES", default_value_t = 64 * 1024)]
    pub ws_max_message_bytes: usize,

    /// Seconds a client has to send `connection_init` (then the socket is closed 4408).
    #[arg(long, env = "CLIENTGRAPH_WS_INIT_TIMEOUT_SECS", default_value_t = 10)]
    pub ws_init_timeout_secs: u64,

    /// Seconds between the server's keep-alive pings; a connection silent for three
    /// intervals is dropped.
    #[arg(long, env = "CLIENTGRAPH_WS_KEEPALIVE_SECS", default_value_t = 15)]
    pub ws_keepalive_secs: u64,

    /// Messages queued for one connection before it counts as not reading and is
    /// dropped.
    #[arg(long, env = "CLIENTGRAPH_WS_SEND_QUEUE", default_value_t = 256)]
    pub ws_send_queue: usize,

    /// Milliseconds a connection's send queue may stay full (the client is not
    /// reading) before the connection is dropped.
    #[arg(long, env = "CLIENTGRAPH_WS_SEND_TIMEOUT_MS", default_value_t = 10_000)]
    pub ws_send_timeout_ms: u64,
}

impl EventSettings {
    pub fn poll(&self) -> Duration {
        Duration::from_millis(self.poll_ms.max(10))
    }

    pub fn retention(&self) -> Duration {
        Duration::from_secs(self.retention_hours.max(1) * 3600)
    }
}
