//! The listener: accepts connections and serves the router on them, with what
//! `axum::serve` does not bound (it sets no timer, so hyper applies no header timeout):
//!
//! - a header-read timeout: a request's headers must arrive within it, and since hyper
//!   starts the same timer while a kept-alive connection waits for its next request,
//!   it also closes idle connections (slowloris and idle-socket floods end there). A
//!   connection that sends nothing at all is closed after the same time by [`first_bytes`]:
//!   hyper-util's HTTP-version sniffing would otherwise wait for its first bytes forever;
//! - a cap on open connections: past it a new connection is accepted and closed at
//!   once, so the listener keeps accepting and the process keeps file handles for the
//!   connections it serves (and for its database and files);
//! - accept errors (e.g. out of file handles) are logged and retried after a pause
//!   instead of ending or spinning the loop;
//! - graceful shutdown: on the signal the listener stops accepting, in-flight requests
//!   get the grace period, idle connections close at once.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// Connection limits (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub header_read_timeout: Duration,
    pub max_connections: usize,
    /// Time in-flight requests get after the shutdown signal.
    pub grace: Duration,
}

/// Serves `router` on `listener` until `signal` completes, then shuts down gracefully.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    signal: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(limits.header_read_timeout))
        .keep_alive_timeout(limits.header_read_timeout)
        .max_concurrent_streams(100);
    let builder = Arc::new(builder);
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    tokio::pin!(signal);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut signal => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(err) => {
                // EMFILE/ENFILE and friends: wait for handles to come back.
                tracing::error!(error = %err, "accept failed; retrying shortly");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            tracing::warn!(%peer, max = limits.max_connections, "connection limit reached; closing a new connection");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = router.clone().map_request(
            move |mut request: axum::http::Request<hyper::body::Incoming>| {
                request
                    .extensions_mut()
                    .insert(ConnectInfo::<SocketAddr>(peer));
                request
            },
        );
        let builder = Arc::clone(&builder);
        let watcher = graceful.watcher();
        let timeout = limits.header_read_timeout;
        tokio::spawn(async move {
            if first_bytes(&stream, timeout).await {
                let connection = builder
                    .serve_connection_with_upgrades(
                        TokioIo::new(stream),
                        TowerToHyperService::new(service),
                    )
                    .into_owned();
                if let Err(err) = watcher.watch(connection).await {
                    tracing::debug!(error = %err, %peer, "connection ended with an error");
                }
            }
            drop(slot);
        });
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.grace) => {
            tracing::warn!(grace = ?limits.grace, "grace period over; dropping remaining connections");
        }
    }
    Ok(())
}

/// Waits until the client has sent enough to tell HTTP/1 from HTTP/2 (any byte that
/// does not continue the HTTP/2 preface, or the whole preface), at most `within`;
/// false when it sends nothing in time or closes.
async fn first_bytes(stream: &tokio::net::TcpStream, within: Duration) -> bool {
    const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    let deadline = tokio::time::Instant::now() + within;
    let mut buf = [0u8; 24];
    loop {
        let peeked = tokio::time::timeout_at(deadline, stream.peek(&mut buf)).await;
        let n = match peeked {
            Ok(Ok(n)) if n > 0 => n,
            _ => return false,
        };
        if n >= PREFACE.len() || buf[..n] != PREFACE[..n] {
            return true;
        }
        // Part of the HTTP/2 preface: `peek` answers at once with what is there, so
        // wait a little for the rest.
        if tokio::time::Instant::now() + Duration::from_millis(10) > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::get;

    /// A streamed body that fails after its first bytes (an export whose next page
    /// cannot be read) must not look complete to the client: hyper ends the chunked
    /// transfer without its last chunk, and the client's read fails.
    #[tokio::test]
    async fn a_stream_that_fails_midway_is_an_incomplete_transfer_not_a_clean_end() {
        async fn failing() -> Body {
            // The first page goes out; the next one fails a moment later.
            let pages = futures_util::stream::unfold(0, |page| async move {
                match page {
                    0 => Some((Ok(bytes::Bytes::from_static(b"id,name\n1,Alpha\n")), 1)),
                    1 => {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        Some((Err(std::io::Error::other("the next page failed")), 2))
                    }
                    _ => None,
                }
            });
            Body::from_stream(pages)
        }
        let router = Router::new().route("/export", get(failing));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let limits = ConnectionLimits {
            header_read_timeout: Duration::from_secs(5),
            max_connections: 10,
            grace: Duration::from_secs(1),
        };
        let server = tokio::spawn(serve(listener, router, limits, async {
            let _ = stopped.await;
        }));
        let response = reqwest::get(format!("http://{addr}/export")).await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers().get("content-length").is_none());
        let read = response.bytes().await;
        assert!(read.is_err(), "the client saw a clean end: {read:?}");
        let _ = stop.send(());
        let _ = server.await;
    }
}
