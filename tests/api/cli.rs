//! The `clientgraph` binary itself: serve, migrate, export-schema, and the committed SDL.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

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
        !status.is_empty() && status.lines().all(|l| l.starts_with("pending ")),
        "{status}"
    );
    let up = run(&["migrate", "up"]).await;
    assert!(
        !up.is_empty() && up.lines().all(|l| l.starts_with("applied ")),
        "{up}"
    );
    let down = run(&["migrate", "down", "--all"]).await;
    assert!(
        !down.is_empty() && down.lines().all(|l| l.starts_with("pending ")),
        "{down}"
    );
}

/// Starts `clientgraph serve --demo` on a free port with JSON logs at `log_filter`;
/// returns the process, the GraphQL URL it printed and its file store (removed on drop).
async fn serve_demo(
    database_url: &str,
    log_filter: &str,
    stderr: Stdio,
) -> (Child, String, tempfile::TempDir) {
    let files = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--demo"])
        .env("DATABASE_URL", database_url)
        .env("CLIENTGRAPH_STORAGE_PATH", files.path())
        .env("CLIENTGRAPH_LISTEN", "127.0.0.1:0")
        .env("CLIENTGRAPH_LOG_FORMAT", "json")
        .env("CLIENTGRAPH_LOG", log_filter)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.strip_prefix("GraphiQL: ") {
                return url.to_owned();
            }
        }
        panic!("server exited before printing the GraphiQL URL");
    })
    .await
    .expect("server starts within a minute");
    (child, url, files)
}

#[tokio::test]
async fn serve_prints_the_graphiql_url_and_stops_cleanly_on_sigterm() {
    let (_database, url) = TestDatabase::create().await;
    let (mut child, graphiql, _files) = serve_demo(&url, "info", Stdio::null()).await;
    assert!(graphiql.starts_with("http://127.0.0.1:") && graphiql.ends_with("/graphql"));
    let health = reqwest::get(graphiql.replace("/graphql", "/health"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    // The demo documents are really stored: listed, versioned and downloadable.
    let http = reqwest::Client::new();
    let post = |token: Option<String>, query: &'static str| {
        let (http, graphiql) = (http.clone(), graphiql.clone());
        async move {
            let mut request = http
                .post(&graphiql)
                .json(&serde_json::json!({ "query": query }));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            request
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    let login = post(None, "mutation { login(tenant: \"demo\", email: \"admin@demo.example\", password: \"demo-password\") { accessToken } }").await;
    let token = login["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let listed = post(
        Some(token),
        "{ clients(first: 1, orderBy: [{ field: CREATED_AT, direction: ASC }]) { edges { node { logo { docType } documents(filter: { docType: [INVOICE] }) { edges { node { currentVersion { versionNo } downloadUrl } } } } } } }",
    )
    .await;
    let client = &listed["data"]["clients"]["edges"][0]["node"];
    assert_eq!(client["logo"]["docType"], "LOGO", "{listed}");
    let invoice = &client["documents"]["edges"][0]["node"];
    assert_eq!(invoice["currentVersion"]["versionNo"], 2);
    let file = http
        .get(graphiql.replace("/graphql", invoice["downloadUrl"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    assert!(file.text().await.unwrap().contains("INV-1002"));

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

#[tokio::test]
async fn tenant_create_prints_a_working_password_and_token_mints_a_working_token() {
    use crate::helpers::{TEST_JWT_SECRET, spawn_app_on};
    let (database, url) = TestDatabase::create().await;
    let output = Command::new(BIN)
        .args([
            "tenant",
            "create",
            "--slug",
            "initech",
            "--name",
            "Initech",
            "--admin-email",
            "boss@initech.test",
        ])
        .env("DATABASE_URL", &url)
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let password = stdout
        .lines()
        .find_map(|l| l.strip_prefix("admin password: "))
        .expect("password printed")
        .to_owned();

    let token = Command::new(BIN)
        .args([
            "token",
            "--tenant",
            "initech",
            "--email",
            "boss@initech.test",
        ])
        .env("DATABASE_URL", &url)
        .env("CLIENTGRAPH_JWT_SECRET", TEST_JWT_SECRET)
        .output()
        .await
        .unwrap();
    assert!(
        token.status.success(),
        "{}",
        String::from_utf8_lossy(&token.stderr)
    );
    let token = String::from_utf8(token.stdout).unwrap();
    assert_eq!(token.lines().count(), 1, "only the token on stdout");

    let app = spawn_app_on(database, &url, |_| {}).await;
    let body = app.login("initech", "boss@initech.test", &password).await;
    assert!(body["data"]["login"]["accessToken"].is_string(), "{body}");
    let me = app
        .graphql_as(
            token.trim(),
            "{ viewer { role user { email } } }",
            serde_json::json!({}),
        )
        .await;
    assert_eq!(me["data"]["viewer"]["role"], "ADMIN");
    assert_eq!(me["data"]["viewer"]["user"]["email"], "boss@initech.test");

    // Without the shared secret the CLI refuses rather than mint a useless token.
    let refused = Command::new(BIN)
        .args([
            "token",
            "--tenant",
            "initech",
            "--email",
            "boss@initech.test",
        ])
        .env("DATABASE_URL", &url)
        .env_remove("CLIENTGRAPH_JWT_SECRET")
        .output()
        .await
        .unwrap();
    assert!(!refused.status.success());
}

#[tokio::test]
async fn production_mode_refuses_a_missing_or_short_jwt_secret() {
    let (_database, url) = TestDatabase::create().await;
    for secret in [None, Some("too-short")] {
        let mut command = Command::new(BIN);
        command
            .args(["serve"])
            .env("DATABASE_URL", &url)
            .env("CLIENTGRAPH_ENV", "production")
            .env("CLIENTGRAPH_LISTEN", "127.0.0.1:0")
            .env_remove("CLIENTGRAPH_JWT_SECRET");
        if let Some(secret) = secret {
            command.env("CLIENTGRAPH_JWT_SECRET", secret);
        }
        let output = tokio::time::timeout(Duration::from_secs(60), command.output())
            .await
            .unwrap()
            .unwrap();
        assert!(!output.status.success());
        assert!(String::from_utf8_lossy(&output.stderr).contains("CLIENTGRAPH_JWT_SECRET"));
    }
    // A proper secret but no encryption keys: still refused.
    let output = Command::new(BIN)
        .args(["serve"])
        .env("DATABASE_URL", &url)
        .env("CLIENTGRAPH_ENV", "production")
        .env("CLIENTGRAPH_LISTEN", "127.0.0.1:0")
        .env(
            "CLIENTGRAPH_JWT_SECRET",
            "a-production-grade-secret-of-more-than-32-bytes",
        )
        .env_remove("CLIENTGRAPH_ENCRYPTION_KEYS")
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("CLIENTGRAPH_ENCRYPTION_KEYS"));
}

#[tokio::test]
async fn passwords_and_tokens_never_reach_the_logs() {
    let (_database, url) = TestDatabase::create().await;
    let (mut child, endpoint, _files) = serve_demo(&url, "trace", Stdio::piped()).await;
    // Drain stderr while the server runs (a full pipe would block it), until it exits.
    let mut err = child.stderr.take().unwrap();
    let stderr = tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        let mut bytes = Vec::new();
        let _ = err.read_to_end(&mut bytes).await;
        String::from_utf8_lossy(&bytes).into_owned()
    });
    let client = reqwest::Client::new();
    let post = |query: String, token: Option<String>| {
        let mut request = client
            .post(&endpoint)
            .json(&serde_json::json!({ "query": query }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move {
            request
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    let login = post(
        "mutation { login(tenant: \"demo\", email: \"admin@demo.example\", password: \"demo-password\") { accessToken refreshToken } }".into(),
        None,
    )
    .await;
    let access = login["data"]["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let refresh = login["data"]["login"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = post(
        "mutation { createUser(input: {email: \"eve@demo.example\", fullName: \"Eve\", role: VIEWER, password: \"eves-unique-password\"}) { id } }".into(),
        Some(access.clone()),
    )
    .await;
    assert!(created["data"]["createUser"]["id"].is_string(), "{created}");
    let failed = post(
        "mutation { login(tenant: \"demo\", email: \"admin@demo.example\", password: \"wrong-guess-password\") { accessToken } }".into(),
        None,
    )
    .await;
    assert!(failed["errors"].is_array());
    child.kill().await.unwrap();
    let logs = tokio::time::timeout(Duration::from_secs(30), stderr)
        .await
        .unwrap()
        .unwrap();
    assert!(logs.contains("request"), "trace logs were captured");
    for secret in [
        "demo-password",
        "eves-unique-password",
        "wrong-guess-password",
        access.as_str(),
        refresh.as_str(),
    ] {
        assert!(!logs.contains(secret), "{secret} appears in the logs");
    }
}
