//! The load drivers of the nested benchmark: keep-alive HTTP/1.1 connections and their
//! latencies, pgbench replaying the recorded SQL, CPU and RSS readings from /proc, and
//! the real server started as a separate process.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clientgraph::auth::{JwtKeys, Role};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::JWT_SECRET;

/// Latencies of one run, and how long it lasted.
pub(super) struct Run {
    pub(super) latencies: Vec<Duration>,
    pub(super) elapsed: Duration,
}

impl Run {
    pub(super) fn summary(mut self) -> (f64, f64, f64) {
        self.latencies.sort();
        let rps = self.latencies.len() as f64 / self.elapsed.as_secs_f64();
        (
            rps,
            super::super::list::percentile(&self.latencies, 0.5),
            super::super::list::percentile(&self.latencies, 0.99),
        )
    }
}

/// One keep-alive HTTP/1.1 connection posting the view (a minimal client: the load
/// generator should cost as little as possible next to the server).
pub struct Connection {
    reader: BufReader<TcpStream>,
    request: Vec<u8>,
}

impl Connection {
    pub async fn open(addr: &str, token: &str, query: &str) -> anyhow::Result<Self> {
        let body = serde_json::json!({ "query": query }).to_string();
        let request = format!(
            "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nAccept: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            reader: BufReader::new(stream),
            request: request.into_bytes(),
        })
    }

    /// Sends the request and reads the whole response body.
    pub async fn call(&mut self) -> anyhow::Result<Vec<u8>> {
        self.reader.get_mut().write_all(&self.request).await?;
        let mut line = String::new();
        let mut length = None;
        let mut status_ok = false;
        loop {
            line.clear();
            if self.reader.read_line(&mut line).await? == 0 {
                bail!("connection closed");
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if header.starts_with("HTTP/1.1 ") {
                status_ok = header.starts_with("HTTP/1.1 200");
            } else if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = Some(value.trim().parse::<usize>()?);
            }
        }
        let mut body = vec![0; length.context("response without Content-Length")?];
        self.reader.read_exact(&mut body).await?;
        if !status_ok {
            bail!("HTTP error: {}", String::from_utf8_lossy(&body));
        }
        Ok(body)
    }
}

pub(super) async fn http_load(
    addr: &str,
    token: &str,
    view: &str,
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<Run> {
    let mut tasks = Vec::new();
    let started = Instant::now();
    for _ in 0..concurrency {
        let mut connection = Connection::open(addr, token, view).await?;
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while started.elapsed() < duration {
                let sent = Instant::now();
                connection.call().await?;
                latencies.push(sent.elapsed());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    Ok(Run {
        latencies,
        elapsed: started.elapsed(),
    })
}

pub(super) fn pgbench_binary(given: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(path) = given {
        return Ok(path);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|v| v.path().join("bin/pgbench"))
        .filter(|p| p.exists())
        .collect();
    found.sort();
    found
        .pop()
        .or_else(|| Some(PathBuf::from("pgbench")))
        .context("pgbench not found")
}

pub(super) async fn pgbench(
    binary: &Path,
    url: &str,
    script: &Path,
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<Run> {
    let dir = tempfile_dir()?;
    let prefix = dir.join("pgbench_log");
    let output = tokio::process::Command::new(binary)
        .args(["-n", "-l", "-M", "prepared"])
        .arg(format!("--log-prefix={}", prefix.display()))
        .arg(format!("-c{concurrency}"))
        .arg(format!("-j{}", concurrency.min(2)))
        .arg(format!("-T{}", duration.as_secs()))
        .arg("-f")
        .arg(script)
        .arg(url)
        .current_dir(&dir)
        .output()
        .await
        .context("running pgbench")?;
    if !output.status.success() {
        bail!("pgbench: {}", String::from_utf8_lossy(&output.stderr));
    }
    let mut latencies = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let text = std::fs::read_to_string(entry?.path())?;
        for line in text.lines() {
            // client_id transaction_no time_us script_no time_epoch time_us_part
            if let Some(us) = line.split_whitespace().nth(2) {
                latencies.push(Duration::from_micros(us.parse()?));
            }
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    Ok(Run {
        latencies,
        elapsed: duration,
    })
}

pub(super) fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("clientgraph-bench-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// CPU seconds (user + system) used so far by processes: `server` alone, and every
/// process named `postgres` (the database's share of a run).
pub(super) fn cpu_seconds(server: u32) -> (f64, f64) {
    let ticks = 100.0; // USER_HZ on Linux
    let read = |path: std::path::PathBuf| -> Option<(String, f64)> {
        let text = std::fs::read_to_string(path).ok()?;
        let (name, rest) = text.split_once(") ")?;
        let comm = name.split_once(" (")?.1.to_owned();
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let used = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
        Some((comm, used / ticks))
    };
    let own = read(PathBuf::from(format!("/proc/{server}/stat"))).map_or(0.0, |(_, s)| s);
    let database = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| read(e.path().join("stat")))
        .filter(|(comm, _)| comm == "postgres")
        .map(|(_, s)| s)
        .sum();
    (own, database)
}

/// The peak and current resident set of a process, in MB.
pub(super) fn rss_mb(pid: u32) -> anyhow::Result<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| -> f64 {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    Ok((field("VmHWM:"), field("VmRSS:")))
}

/// The real server, started as a separate process on a free loopback port (killed when
/// dropped).
pub struct Server {
    pub addr: String,
    pub pid: u32,
    pub binary: PathBuf,
    _child: tokio::process::Child,
}

impl Server {
    /// Starts `binary` (default: `clientgraph` next to this benchmark) on `database_url`
    /// with the analytics task off, and waits until it accepts connections.
    pub async fn start(
        binary: Option<PathBuf>,
        database_url: &str,
        pool: u32,
    ) -> anyhow::Result<Server> {
        let binary = match binary {
            Some(path) => path,
            None => std::env::current_exe()?
                .parent()
                .context("no parent dir")?
                .join("clientgraph"),
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let addr = format!("127.0.0.1:{port}");
        let child = tokio::process::Command::new(&binary)
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("CLIENTGRAPH_LISTEN", &addr)
            .env("CLIENTGRAPH_JWT_SECRET", JWT_SECRET)
            .env("CLIENTGRAPH_LOG", "warn")
            .env("CLIENTGRAPH_ANALYTICS_INTERVAL_SECS", "0")
            .env("CLIENTGRAPH_DB_MAX_CONNECTIONS", pool.to_string())
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let pid = child.id().context("server pid")?;
        let ready = Instant::now();
        while TcpStream::connect(&addr).await.is_err() {
            if ready.elapsed() > Duration::from_secs(30) {
                bail!("server did not start");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(Server {
            addr,
            pid,
            binary,
            _child: child,
        })
    }

    /// An admin access token the server accepts.
    pub fn token(&self, user_id: uuid::Uuid, tenant_id: uuid::Uuid) -> anyhow::Result<String> {
        let keys = JwtKeys::new(
            JWT_SECRET.as_bytes(),
            "clientgraph",
            "clientgraph-api",
            chrono::Duration::hours(2),
        );
        Ok(keys
            .issue(user_id, tenant_id, uuid::Uuid::now_v7(), Role::Admin)?
            .token)
    }
}
