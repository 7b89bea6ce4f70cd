//! The `clientgraph` binary itself: serve, migrate, export-schema, and the committed SDL.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::helpers::TestDatabase;

const BIN: &str = env!("CARGO_BIN_EXE_clientgraph");

#[test]
fn committed_schema_graphql_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .unwrap_or_default();
    let current = clientgraph::graphql::sdl();
    assert!(
        committed == current,
        "schema.graphql is out of date; regenerate it with `cargo run -- export-schema` and commit it"
    );
}

#[tokio::test]
async fn export_schema_writes_the_sdl() {
    let output = Command::new(BIN)
        .args(["export-schema", "--out", "-"])
        .output()
        .await
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        clientgraph::graphql::sdl()
    );
}

#[tokio::test]
async fn migrate_subcommand_goes_up_down_and_reports_status() {
    let (_database, url) = TestDatabase::create().await;
    let run = |args: &'static [&'static str]| {
        let url = url.clone();
        async move {
            let output = Command::new(BIN)
                .args(args)
                .env("DATABASE_URL", url)
                .output()
                .await
                .unwrap();
            assert!(
                output.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            String::from_utf8(output.stdout).unwrap()
        }
    };
    let status = run(&["migrate", "status"]).await;
    assert!(
        status.lines().all(|l| l.starts_with("pending ")),
        "{status}"
    );
    let up = run(&["migrate", "up"]).await;
    assert!(
        !up.is_empty() && up.lines().all(|l| l.starts_with("applied ")),
        "{up}"
    );
    let down = run(&["migrate", "down", "--all"]).await;
    assert!(down.lines().all(|l| l.starts_with("pending ")), "{down}");
}

#[tokio::test]
async fn serve_prints_the_graphiql_url_and_stops_cleanly_on_sigterm() {
    let (_database, url) = TestDatabase::create().await;
    let mut child = Command::new(BIN)
        .args(["serve", "--demo"])
        .env("DATABASE_URL", &url)
        .env("CLIENTGRAPH_LISTEN", "127.0.0.1:0")
        .env("CLIENTGRAPH_LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let graphiql = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.strip_prefix("GraphiQL: ") {
                return url.to_owned();
            }
        }
        panic!("server exited before printing the GraphiQL URL");
    })
    .await
    .expect("server starts within a minute");
    assert!(graphiql.starts_with("http://127.0.0.1:") && graphiql.ends_with("/graphql"));
    let health = reqwest::get(graphiql.replace("/graphql", "/health"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    let pid = child.id().unwrap().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("stops within the grace period")
        .unwrap();
    assert!(status.success(), "graceful exit, got {status:?}");
}

#[tokio::test]
async fn healthcheck_subcommand_probes_a_running_server() {
    let app = crate::helpers::spawn_app().await;
    let ok = Command::new(BIN)
        .args(["healthcheck", "--url", &app.url("/health")])
        .status()
        .await
        .unwrap();
    assert!(ok.success());
    let missing = Command::new(BIN)
        .args(["healthcheck", "--url", &app.url("/nope")])
        .status()
        .await
        .unwrap();
    assert!(!missing.success());
}
