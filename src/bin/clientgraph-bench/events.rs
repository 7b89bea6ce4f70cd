//! The event pipeline, end to end, in the production shape: two server processes on one
//! PostgreSQL, mutations sent to the first, a `graphql-transport-ws` subscriber on the
//! second (so every event crosses instances through the outbox, the relay and
//! `LISTEN/NOTIFY`).
//!
//! - **Latency**: `--events` sequential `createNote` mutations; for each, the time from
//!   the event's `occurredAt` (stamped inside the mutation's transaction, before its
//!   commit, so the figure errs high) to the subscriber receiving it.
//! - **Throughput**: `--burst` outbox rows committed at once (one `INSERT … SELECT`),
//!   then the time until the subscriber has received every one of them.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use clientgraph::db::Db;
use clientgraph::service::tenants::{self, FirstAdmin};
use futures_util::{SinkExt, StreamExt};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::list::percentile;
use crate::nested::{Connection, Server};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub async fn run(db: Db, database_url: &str, events: usize, burst: usize) -> anyhow::Result<()> {
    if !database_url.starts_with("postgres") {
        bail!("the events benchmark runs two instances: it needs PostgreSQL");
    }
    let writer = Server::start(None, database_url, 8).await?;
    let reader = Server::start(None, database_url, 8).await?;
    let slug = format!("events-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let admin = FirstAdmin {
        email: format!("admin@{slug}.example"),
        full_name: "Events bench".into(),
        password: "events-bench-password".into(),
    };
    let (tenant, admin) = tenants::create_with_admin(&db, &slug, "Events bench", admin).await?;
    let token = writer.token(admin.id, tenant.id)?;
    let created = Connection::open(
        &writer.addr,
        &token,
        "mutation { createClient(input: {name: \"Events bench\"}) { id } }",
    )
    .await?
    .call()
    .await?;
    let created: Value = serde_json::from_slice(&created)?;
    let client = created["data"]["createClient"]["id"]
        .as_str()
        .context("createClient answered no id")?
        .to_owned();

    let mut socket = subscribe(&reader.addr, &token, &client).await?;
    // Let the subscription attach and the client's own event pass.
    tokio::time::sleep(Duration::from_millis(500)).await;
    while tokio::time::timeout(Duration::from_millis(200), socket.next())
        .await
        .is_ok()
    {}

    let note = format!(
        "mutation {{ createNote(clientId: \"{client}\", input: {{title: \"Bench\", body: \"An event\"}}) {{ id }} }}"
    );
    let mut mutation = Connection::open(&writer.addr, &token, &note).await?;
    for _ in 0..20 {
        mutation.call().await?;
        next_event(&mut socket).await?;
    }
    let mut latencies = Vec::with_capacity(events);
    for _ in 0..events {
        mutation.call().await?;
        let occurred = next_event(&mut socket).await?;
        let latency = (Utc::now() - occurred).to_std().unwrap_or_default();
        latencies.push(latency);
    }
    latencies.sort();
    println!(
        "latency commit → subscriber on the other instance, {events} events: \
         p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.9),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0),
    );

    let started = Instant::now();
    db.system("benchmark data")
        .conn()
        .execute_unprepared(&format!(
            "INSERT INTO event_outbox (id, tenant_id, event_type, entity_type, entity_id, payload, created_at, client_id) \
             SELECT gen_random_uuid(), '{tenant}', 'client.updated', 'client', '{client}', \
                    '{{\"actorKind\": \"SYSTEM\", \"data\": {{}}, \"changes\": {{}}}}', now(), '{client}' \
             FROM generate_series(1, {burst})",
            tenant = tenant.id,
        ))
        .await?;
    let inserted = started.elapsed();
    for _ in 0..burst {
        next_event(&mut socket).await?;
    }
    let elapsed = started.elapsed();
    println!(
        "throughput through the relay: {burst} events committed in {:.0} ms, all received \
         after {:.0} ms: {:.0} events/s",
        inserted.as_secs_f64() * 1000.0,
        elapsed.as_secs_f64() * 1000.0,
        burst as f64 / elapsed.as_secs_f64(),
    );
    Ok(())
}

async fn subscribe(addr: &str, token: &str, client: &str) -> anyhow::Result<Socket> {
    let mut request = format!("ws://{addr}/graphql").into_client_request()?;
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "graphql-transport-ws".parse()?);
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    let init = json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {token}") } });
    socket.send(Message::Text(init.to_string().into())).await?;
    let query =
        format!("subscription {{ clientEvents(clientId: \"{client}\") {{ id occurredAt }} }}");
    let subscribe = json!({ "type": "subscribe", "id": "bench", "payload": { "query": query } });
    socket
        .send(Message::Text(subscribe.to_string().into()))
        .await?;
    Ok(socket)
}

/// The `occurredAt` of the next event the subscriber receives.
async fn next_event(socket: &mut Socket) -> anyhow::Result<DateTime<Utc>> {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .context("no event within 10 s")?
            .context("the socket closed")??;
        let Message::Text(text) = frame else {
            continue;
        };
        let message: Value = serde_json::from_str(&text)?;
        if message["type"] != "next" {
            continue;
        }
        let occurred = message["payload"]["data"]["clientEvents"]["occurredAt"]
            .as_str()
            .with_context(|| format!("unexpected message {message}"))?;
        return Ok(DateTime::parse_from_rfc3339(occurred)?.with_timezone(&Utc));
    }
}
