//! The relay: the background tasks of one server process that move events from the
//! outbox to the stream, and from the stream to this instance's [`EventBus`].
//!
//! - **Publisher.** Woken by every local commit (and by a timer, for rows written by
//!   other processes), it takes the `event_stream` row lock, picks the oldest
//!   unpublished rows, gives them the next positions, notifies, and commits — one
//!   transaction. Rows are
//!   picked by "not yet published", never by "after the last id I saw", so a
//!   transaction that committed after a later one is published on the next round
//!   instead of being skipped. Instances take turns on the lock (transaction-scoped,
//!   so it works behind PgBouncer in transaction mode); positions therefore increase in
//!   commit order, and work done in that transaction happens once per event.
//! - **Follower.** Reads the stream after its position and broadcasts to the bus,
//!   woken by the local publisher, by PostgreSQL `NOTIFY` (a wake-up carrying the
//!   position, never the event), or by the polling timer — a lost notification only
//!   delays.
//! - **Listener** (PostgreSQL): a dedicated session-level connection (`LISTEN` does not
//!   survive a transaction-mode pooler), reconnecting with backoff.
//! - **Pruner.** Deletes published rows past the retention.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sea_orm::sqlx::postgres::PgListener;
use tokio::task::JoinSet;

use super::{EventBus, StreamEvent};
use crate::db::{Db, in_background};
use crate::error::AppResult;
use crate::service::store::EVENTS_CHANNEL;

/// Most rows one publication takes.
const PUBLISH_BATCH: u64 = 500;
/// Most events the follower reads at once.
const FOLLOW_BATCH: u64 = 1000;

/// How the relay runs (see the `CLIENTGRAPH_EVENTS_*` settings).
#[derive(Debug, Clone)]
pub struct RelaySettings {
    /// The fallback polling interval of the publisher and the follower.
    pub poll: Duration,
    /// A direct (not pooled) PostgreSQL URL for `LISTEN`; `None` on SQLite.
    pub listen_url: Option<String>,
    /// How long published rows are kept (what a reconnecting subscriber can replay).
    pub retention: Duration,
}

/// The relay's tasks; dropping it stops them.
pub struct Relay {
    /// Held, not read: dropping the set aborts its tasks.
    _tasks: JoinSet<()>,
}

impl Relay {
    /// Starts the publisher, the follower, the listener (PostgreSQL) and the pruner.
    pub fn spawn(db: Db, bus: Arc<EventBus>, settings: RelaySettings) -> Relay {
        let mut tasks = JoinSet::new();
        tasks.spawn(in_background(publisher(
            db.clone(),
            Arc::clone(&bus),
            settings.poll,
        )));
        tasks.spawn(in_background(follower(
            db.clone(),
            Arc::clone(&bus),
            settings.poll,
        )));
        if let Some(url) = settings.listen_url.clone() {
            tasks.spawn(listener(url, Arc::clone(&bus)));
        }
        tasks.spawn(in_background(pruner(db, settings.retention)));
        Relay { _tasks: tasks }
    }
}

/// Publishes one batch; returns how many rows it published.
pub async fn publish_once(db: &Db) -> AppResult<usize> {
    db.system("the relay publishes every tenant's committed events")
        .write(move |x| {
            Box::pin(async move {
                let last = x.lock_event_stream().await?;
                let rows = x.unpublished_events(PUBLISH_BATCH).await?;
                if rows.is_empty() {
                    return Ok(0);
                }
                let first = last + 1;
                let last = x.publish_events(&rows, first, Utc::now()).await?;
                x.notify_event_stream(last).await?;
                Ok(rows.len())
            })
        })
        .await
}

async fn publisher(db: Db, bus: Arc<EventBus>, poll: Duration) {
    loop {
        match publish_once(&db).await {
            Ok(published) => {
                if published > 0 {
                    bus.wake();
                }
                if published as u64 == PUBLISH_BATCH {
                    continue;
                }
            }
            Err(err) => tracing::warn!(error = %err, "publishing events failed; retrying"),
        }
        tokio::select! {
            () = db.committed() => {}
            () = tokio::time::sleep(poll) => {}
        }
    }
}

async fn follower(db: Db, bus: Arc<EventBus>, poll: Duration) {
    let sys = db.system("every instance follows the whole event stream");
    let mut position = loop {
        match sys.event_stream_position().await {
            Ok(position) => break position,
            Err(err) => {
                tracing::warn!(error = %err, "reading the event stream position failed");
                tokio::time::sleep(poll).await;
            }
        }
    };
    loop {
        match sys.events_after(position, FOLLOW_BATCH).await {
            Ok(rows) => {
                let full = rows.len() as u64 == FOLLOW_BATCH;
                for event in rows.into_iter().filter_map(StreamEvent::from_row) {
                    position = event.seq;
                    bus.broadcast(event);
                }
                if full {
                    continue;
                }
            }
            Err(err) => tracing::warn!(error = %err, "reading the event stream failed"),
        }
        tokio::select! {
            () = bus.woken() => {}
            () = tokio::time::sleep(poll) => {}
        }
    }
}

async fn listener(url: String, bus: Arc<EventBus>) {
    let mut backoff = Duration::from_millis(250);
    loop {
        match PgListener::connect(&url).await {
            Ok(mut listener) => match listener.listen(EVENTS_CHANNEL).await {
                Ok(()) => {
                    backoff = Duration::from_millis(250);
                    // Anything published while we were not listening.
                    bus.wake();
                    loop {
                        match listener.recv().await {
                            Ok(_) => bus.wake(),
                            Err(err) => {
                                tracing::warn!(error = %err, "event notifications lost; reconnecting");
                                bus.wake();
                                break;
                            }
                        }
                    }
                }
                Err(err) => tracing::warn!(error = %err, "LISTEN failed"),
            },
            Err(err) => tracing::warn!(error = %err, "cannot connect the event listener"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(30));
    }
}

async fn pruner(db: Db, retention: Duration) {
    let every = retention.clamp(Duration::from_secs(1), Duration::from_secs(3600));
    loop {
        tokio::time::sleep(every).await;
        let before = Utc::now() - chrono::Duration::from_std(retention).unwrap_or_default();
        match db
            .system("published events past their retention are deleted")
            .prune_events(before)
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(pruned = n, "pruned published events"),
            Err(err) => tracing::warn!(error = %err, "pruning events failed"),
        }
    }
}
