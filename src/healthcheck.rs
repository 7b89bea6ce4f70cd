//! `clientgraph healthcheck`: a minimal HTTP/1.1 GET of the liveness route, so container
//! images can probe the server without shipping curl.

use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Succeeds when `url` (plain `http://host:port/path`) answers with a 2xx status.
pub async fn probe(url: &str) -> anyhow::Result<()> {
    let rest = url
        .strip_prefix("http://")
        .context("healthcheck URL must start with http://")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let exchange = async {
        let mut stream = TcpStream::connect(authority).await?;
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut head = vec![0u8; 64];
        let read = stream.read(&mut head).await?;
        Ok::<_, std::io::Error>(String::from_utf8_lossy(&head[..read]).into_owned())
    };
    let head = tokio::time::timeout(Duration::from_secs(3), exchange)
        .await
        .context("no answer within 3 s")??;
    match head.split_whitespace().nth(1) {
        Some(status) if status.starts_with('2') => Ok(()),
        other => bail!("unhealthy: status {other:?}"),
    }
}
