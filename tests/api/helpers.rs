//! Spawning the app for a test, and small HTTP helpers.

use std::net::SocketAddr;

use clientgraph::db::Db;
use clientgraph::{Application, Config};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// A fresh database for one test, removed when the test ends.
pub enum TestDatabase {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
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

/// Starts the app after `configure` adjusts the settings.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    let (database, database_url) = TestDatabase::create().await;
    let mut config = Config::with_database(&database_url);
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.db_max_connections = 5;
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
        shutdown: Some(tx),
        database,
    }
}

impl TestApp {
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

/// The `extensions.code` of the first error, if any.
pub fn first_error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}
