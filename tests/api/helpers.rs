//! Spawning the app for a test, and small HTTP helpers.

use std::net::SocketAddr;

use clientgraph::auth::{JwtKeys, Role};
use clientgraph::db::Db;
use clientgraph::service::tenants::{self, FirstAdmin};
use clientgraph::service::users::{self, NewUser};
use clientgraph::{Application, Config};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// A fresh database for one test, removed when the test ends.
pub enum TestDatabase {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres {
        admin_url: String,
        name: String,
    },
    /// Another test app's database: nothing to remove.
    Shared,
}

impl TestDatabase {
    /// Creates the database and returns it with its URL.
    pub async fn create() -> (TestDatabase, String) {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if admin_url.starts_with("postgres") => {
                let name = format!("cg_test_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("connect to TEST_DATABASE_URL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let mut url = reqwest::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
                url.set_path(&format!("/{name}"));
                (TestDatabase::Postgres { admin_url, name }, url.to_string())
            }
            _ => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/test.db?mode=rwc", dir.path().display());
                (TestDatabase::Sqlite(dir), url)
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, TestDatabase::Postgres { .. })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime; a private runtime on another thread
            // can block on the async driver without upsetting it.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                runtime.block_on(async {
                    let admin = Database::connect(&admin_url).await.ok()?;
                    admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await
                        .ok()?;
                    admin.close().await.ok()
                })
            })
            .join();
        }
    }
}

/// A running application.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub db: Db,
    /// The database's URL (for running the binary's subcommands against it).
    pub database_url: String,
    /// The local file store of this app (documents), removed with it.
    pub files: tempfile::TempDir,
    shutdown: Option<oneshot::Sender<()>>,
    // Declared last: dropped after the server is told to stop.
    pub database: TestDatabase,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Starts the app with default settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The JWT secret of test servers (so tests can mint and forge tokens).
pub const TEST_JWT_SECRET: &str = "test-secret-for-clientgraph-0123456789abcdef";

/// Starts the app after `configure` adjusts the settings.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    let (database, database_url) = TestDatabase::create().await;
    spawn_app_on(database, &database_url, configure).await
}

/// Starts the app on an existing test database.
pub async fn spawn_app_on(
    database: TestDatabase,
    database_url: &str,
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    if let Ok(filter) = std::env::var("TEST_LOG") {
        // `TEST_LOG=info cargo test …` shows the server's logs (internal errors included).
        clientgraph::telemetry::init(clientgraph::config::LogFormat::Pretty, &filter);
    }
    let mut config = Config::with_database(database_url);
    config.auth.jwt_secret = Some(TEST_JWT_SECRET.parse().unwrap());
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.db_max_connections = 5;
    // Tests that want the daily analytics task turn it on; elsewhere its statements
    // would only add noise (e.g. to statement counts).
    config.analytics_interval_secs = 0;
    // Debug builds on a loaded machine write several times slower than a release
    // server: tests that are not about the write budget get a generous one.
    config.write_budget_ms = Some(10_000);
    let files = tempfile::tempdir().expect("file store dir");
    config.files.path = files.path().display().to_string();
    configure(&mut config);
    let app = Application::build(config)
        .await
        .expect("application builds");
    let addr = app.local_addr();
    let db = app.db().clone();
    let (tx, rx) = oneshot::channel();
    tokio::spawn(app.run_until(async {
        let _ = rx.await;
    }));
    TestApp {
        addr,
        client: reqwest::Client::builder().build().unwrap(),
        db,
        database_url: database_url.to_owned(),
        files,
        shutdown: Some(tx),
        database,
    }
}

impl TestApp {
    /// Waits until the relay has published every event written so far, and its
    /// followers have had a moment to hand them out.
    pub async fn events_published(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let row = self
                .db
                .system("test: is the outbox drained?")
                .conn()
                .query_one_raw(sea_orm::Statement::from_string(
                    self.db.system("test").conn().get_database_backend(),
                    "SELECT COUNT(*) AS n FROM event_outbox WHERE seq IS NULL",
                ))
                .await
                .unwrap()
                .unwrap();
            let pending: i64 = row.try_get("", "n").unwrap();
            if pending == 0 {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{pending} events never published"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    /// Sends the shutdown signal now (as SIGTERM would).
    pub fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// POSTs a JSON body to `/graphql`.
    pub async fn post_graphql(&self, body: Value) -> reqwest::Response {
        self.client
            .post(self.url("/graphql"))
            .json(&body)
            .send()
            .await
            .expect("request sent")
    }

    /// Runs `query` with `variables` and returns the JSON body (asserting a 200).
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        let response = self
            .post_graphql(json!({ "query": query, "variables": variables }))
            .await;
        assert_eq!(response.status(), 200, "GraphQL over HTTP answers 200");
        response.json().await.expect("JSON body")
    }
}

/// A tenant made for a test, with its first admin.
pub struct TestTenant {
    pub id: uuid::Uuid,
    pub slug: String,
    pub admin_email: String,
}

/// Password of every user tests create.
pub const TEST_PASSWORD: &str = "test-password-123";

impl TestApp {
    /// The keys the server signs with.
    pub fn jwt_keys(&self) -> JwtKeys {
        JwtKeys::new(
            TEST_JWT_SECRET.as_bytes(),
            "clientgraph",
            "clientgraph-api",
            chrono::Duration::minutes(15),
        )
    }

    /// Creates a tenant with an admin (as the CLI does).
    pub async fn create_tenant(&self, slug: &str) -> TestTenant {
        let admin_email = format!("admin@{slug}.test");
        let admin = FirstAdmin {
            email: admin_email.clone(),
            full_name: format!("{slug} admin"),
            password: TEST_PASSWORD.into(),
        };
        let (tenant, _) = tenants::create_with_admin(&self.db, slug, &format!("{slug} Inc"), admin)
            .await
            .expect("tenant created");
        TestTenant {
            id: tenant.id,
            slug: tenant.slug,
            admin_email,
        }
    }

    /// Creates a user with `role` in `tenant`; returns its id and email.
    pub async fn create_user(&self, tenant: &TestTenant, role: Role) -> (uuid::Uuid, String) {
        let email = format!(
            "{}-{}@{}.test",
            role.as_str(),
            uuid::Uuid::new_v4().simple(),
            tenant.slug
        );
        let user = users::create(
            &self.db,
            &self.db.system("test fixture").scope(tenant.id),
            NewUser {
                email: email.clone(),
                full_name: format!("A {}", role.as_str()),
                role,
                password: TEST_PASSWORD.into(),
            },
        )
        .await
        .expect("user created");
        (user.id, email)
    }

    /// A fresh access token of a new user with `role` (minted, no login round trip).
    pub async fn token(&self, tenant: &TestTenant, role: Role) -> String {
        let (user_id, _) = self.create_user(tenant, role).await;
        self.token_for(tenant, user_id, role)
    }

    /// A fresh access token for an existing user.
    pub fn token_for(&self, tenant: &TestTenant, user_id: uuid::Uuid, role: Role) -> String {
        self.jwt_keys()
            .issue(user_id, tenant.id, uuid::Uuid::now_v7(), role)
            .expect("token minted")
            .token
    }

    /// `login` through GraphQL; returns the whole response body.
    pub async fn login(&self, tenant: &str, email: &str, password: &str) -> Value {
        self.graphql(
            "mutation($t: String!, $e: String!, $p: String!) { login(tenant: $t, email: $e, password: $p) { accessToken refreshToken expiresAt } }",
            json!({ "t": tenant, "e": email, "p": password }),
        )
        .await
    }

    /// POSTs a GraphQL request with `Authorization: Bearer <token>`.
    pub async fn post_graphql_as(
        &self,
        token: &str,
        query: &str,
        variables: Value,
    ) -> reqwest::Response {
        self.client
            .post(self.url("/graphql"))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request sent")
    }

    /// Runs a query as the bearer of `token`, asserting a 200.
    pub async fn graphql_as(&self, token: &str, query: &str, variables: Value) -> Value {
        let response = self.post_graphql_as(token, query, variables).await;
        assert_eq!(response.status(), 200, "authenticated request answered 200");
        response.json().await.expect("JSON body")
    }
}

/// Every `extensions.code` of a response's errors.
pub fn error_codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["extensions"]["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The `extensions.code` of the first error, if any.
pub fn first_error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

impl TestApp {
    /// Runs an operation that must succeed; returns its `data`.
    pub async fn ok_as(&self, token: &str, query: &str, variables: Value) -> Value {
        let body = self.graphql_as(token, query, variables).await;
        assert!(body["errors"].is_null(), "{query}: {body}");
        body["data"].clone()
    }

    /// Creates a client named `name`; returns its id.
    pub async fn create_client(&self, token: &str, name: &str) -> Value {
        let data = self
            .ok_as(
                token,
                "mutation($n: String!) { createClient(input: {name: $n}) { id } }",
                json!({ "n": name }),
            )
            .await;
        data["createClient"]["id"].clone()
    }
}

/// `n` days before now, as an RFC 3339 instant.
pub fn days_ago(n: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(n)).to_rfc3339()
}

/// One file of a multipart request: the variable path it fills, its filename, its
/// declared type and its bytes.
pub struct Part<'a> {
    pub path: &'a str,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

pub fn part<'a>(path: &'a str, filename: &'a str, bytes: &'a [u8]) -> Part<'a> {
    Part {
        path,
        filename,
        content_type: "application/octet-stream",
        bytes,
    }
}

/// A GraphQL multipart request body (operations, map, files) and its content type.
pub fn multipart(query: &str, variables: Value, parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let boundary = "cgboundary7MA4YWxkTrZu0gW";
    let map: serde_json::Map<String, Value> = parts
        .iter()
        .enumerate()
        .map(|(i, p)| (i.to_string(), json!([p.path])))
        .collect();
    let mut body = Vec::new();
    let mut text = |s: &str| body.extend_from_slice(s.as_bytes());
    text(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{}\r\n",
        json!({ "query": query, "variables": variables })
    ));
    text(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{}\r\n",
        Value::Object(map)
    ));
    for (i, p) in parts.iter().enumerate() {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{i}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                p.filename, p.content_type
            )
            .as_bytes(),
        );
        body.extend_from_slice(p.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl TestApp {
    /// Sends a multipart GraphQL request (with the preflight header browsers must add).
    pub async fn upload_raw(
        &self,
        token: &str,
        query: &str,
        variables: Value,
        parts: &[Part<'_>],
    ) -> reqwest::Response {
        let (content_type, body) = multipart(query, variables, parts);
        self.client
            .post(self.url("/graphql"))
            .bearer_auth(token)
            .header("content-type", content_type)
            .header("graphql-require-preflight", "1")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// A multipart request that must be answered 200; its JSON body.
    pub async fn upload(
        &self,
        token: &str,
        query: &str,
        variables: Value,
        parts: &[Part<'_>],
    ) -> Value {
        let response = self.upload_raw(token, query, variables, parts).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }
}

/// Tests that assert on latency hold this shared; a test that loads every core on
/// purpose holds it exclusively, so the two never overlap.
pub static TIMING: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());
