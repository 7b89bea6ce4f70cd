//! Building and running the application: connect, migrate, build the schema and the
//! router, bind the listener (port 0 picks a free port), and serve until a shutdown
//! signal, letting in-flight requests finish within a grace period.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use tokio::net::TcpListener;

use crate::auth::signed::UrlSigner;
use crate::auth::throttle::{LoginThrottle, ThrottlePolicy};
use crate::auth::{Authenticator, JwtKeys};
use crate::config::Config;
use crate::crypto::FieldCipher;
use crate::db::Db;
use crate::events::EventBus;
use crate::events::relay::{Relay, RelaySettings};
use crate::graphql::DownloadLinks;
use crate::graphql::{SchemaSettings, Services, build_schemas};
use crate::http::serve::ConnectionLimits;
use crate::http::ws::{Sockets, WsSettings};
use crate::http::{AppState, HttpSettings, router};
use crate::service::documents::FileSettings;
use crate::service::insights::analytics;
use crate::service::sessions::Sessions;

/// A built, bound application, ready to serve.
pub struct Application {
    listener: TcpListener,
    router: Router,
    db: Db,
    cipher: FieldCipher,
    files: FileSettings,
    limits: ConnectionLimits,
    /// This instance's view of the event stream.
    bus: Arc<EventBus>,
    /// The open WebSocket connections (closed 1001 at shutdown).
    sockets: Sockets,
    /// How the event relay runs; `None` when it is off in this process.
    relay: Option<RelaySettings>,
    /// Between runs of the daily analytics task; `None` when it is off.
    analytics_interval: Option<Duration>,
}

impl Application {
    /// Connects to the database (migrating it unless disabled), builds the schema and the
    /// router, and binds `config.listen`.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let db = Db::connect(&config.database_url, config.db_max_connections)
            .await
            .context("connecting to the database")?;
        if config.migrate_on_start {
            db.migrate_up().await.context("applying migrations")?;
        }
        Self::build_with_db(config, db).await
    }

    /// Like [`Application::build`] with an already connected database.
    pub async fn build_with_db(config: Config, db: Db) -> anyhow::Result<Self> {
        let db = match config.write_budget_ms {
            Some(ms) => db.with_write_budget(Duration::from_millis(ms.max(1))),
            None => db,
        };
        let auth = &config.auth;
        let secret = auth.signing_secret()?;
        let signer = UrlSigner::new(&secret);
        let jwt = JwtKeys::new(
            &secret,
            &auth.jwt_issuer,
            &auth.jwt_audience,
            chrono::Duration::seconds(auth.access_token_ttl_secs),
        );
        let throttle = LoginThrottle::new(ThrottlePolicy {
            account_failures: config.login_max_failures.max(1),
            ..ThrottlePolicy::default()
        });
        let sessions = Arc::new(Sessions::new(
            jwt.clone(),
            chrono::Duration::seconds(auth.refresh_token_ttl_secs),
            throttle,
        ));
        let storage = crate::storage::from_config(&config.files)?;
        let files = FileSettings {
            storage: storage.clone(),
            max_file_bytes: config.upload_max_file_bytes,
            logo_max_bytes: config.logo_max_bytes,
        };
        let cipher = FieldCipher::from_config(config.encryption_keys.as_ref(), auth.environment)?;
        let bus = Arc::new(EventBus::default());
        let services = Services {
            db: db.clone(),
            sessions,
            cipher: cipher.clone(),
            links: DownloadLinks {
                signer: signer.clone(),
                ttl: chrono::Duration::seconds(config.download_url_ttl_secs),
            },
            files: files.clone(),
            bus: Arc::clone(&bus),
        };
        let schemas = build_schemas(&SchemaSettings::from(&config), &services);
        let sockets = Sockets::new(WsSettings::from(&config));
        let state = AppState {
            schemas,
            authenticator: Authenticator::new(jwt, db.clone()),
            signer,
            db: db.clone(),
            storage,
            settings: Arc::new(HttpSettings::from(&config)),
            bus: Arc::clone(&bus),
            sockets: sockets.clone(),
        };
        let router = router(state, &config)?;
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("binding {}", config.listen))?;
        Ok(Application {
            listener,
            router,
            db,
            cipher,
            files,
            limits: ConnectionLimits {
                header_read_timeout: Duration::from_secs(config.header_read_timeout_secs.max(1)),
                max_connections: config.max_connections,
                grace: Duration::from_secs(config.shutdown_grace_secs),
            },
            bus,
            sockets,
            relay: config.events.relay.then(|| RelaySettings {
                poll: config.events.poll(),
                listen_url: config.database_url.starts_with("postgres").then(|| {
                    config
                        .events
                        .listen_url
                        .clone()
                        .unwrap_or_else(|| config.database_url.clone())
                }),
                retention: config.events.retention(),
            }),
            analytics_interval: (config.analytics_interval_secs > 0)
                .then(|| Duration::from_secs(config.analytics_interval_secs)),
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound TCP listener has a local address")
    }

    /// The cipher of sensitive fields (for seeding through services).
    pub fn cipher(&self) -> &FieldCipher {
        &self.cipher
    }

    /// The document file store and upload limits (for seeding through services).
    pub fn files(&self) -> &FileSettings {
        &self.files
    }

    /// The application's database handle.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Serves until SIGINT or SIGTERM.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `signal` completes, then stops accepting connections and waits up to
    /// the grace period for in-flight requests.
    pub async fn run_until(
        self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        // Stopped with the server (aborted when this guard drops).
        let _analytics = self
            .analytics_interval
            .map(|every| AbortOnDrop(analytics::spawn_daily(self.db.clone(), every)));
        let _relay = self
            .relay
            .map(|settings| Relay::spawn(self.db.clone(), Arc::clone(&self.bus), settings));
        let sockets = self.sockets.clone();
        let grace = self.limits.grace;
        let signal = async move {
            signal.await;
            // WebSockets are no longer hyper's connections: they are told to close
            // (1001, after what is queued) and waited for below.
            sockets.shut_down();
        };
        let served =
            crate::http::serve::serve(self.listener, self.router, self.limits, signal).await;
        self.sockets.closed(grace).await;
        served
    }
}

/// Aborts a background task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
