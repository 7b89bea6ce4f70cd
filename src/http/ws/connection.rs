//! One WebSocket connection: the protocol's state machine, its subscriptions (one task
//! each), and the writer that owns the socket's sending half behind a bounded queue.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::http::HeaderValue;
use futures_util::stream::SplitStream;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{Notify, broadcast, mpsc};
use tokio::task::AbortHandle;
use tokio::time::Instant;

use super::WsSettings;
use super::operation::{SendQueue, run_operation};
use super::protocol::{self, ClientMessage, close};
use crate::auth::{AuthContext, Principal};
use crate::error::code;
use crate::events::StreamEvent;
use crate::graphql::context;
use crate::graphql::model::SchemaModel;
use crate::graphql::selection::Operation;
use crate::http::AppState;
use crate::http::graphql::ensure_error_codes;
use crate::service::RequestContext;

/// How a connection ends.
enum Ending {
    /// With a close frame, sent after everything queued before it.
    Close(u16, String),
    /// Without one: the peer is gone or does not read.
    Drop,
}

fn closing(code: u16, reason: impl Into<String>) -> Option<Ending> {
    Some(Ending::Close(code, reason.into()))
}

/// Runs a connection until it ends.
pub(super) async fn run(
    socket: WebSocket,
    state: AppState,
    meta: RequestContext,
    header_credential: Option<String>,
    subprotocol_accepted: bool,
) {
    let settings = state.sockets.settings().clone();
    let (mut sink, mut incoming) = socket.split();
    let (queue, mut queued) = mpsc::channel::<Message>(settings.send_queue);
    let writer = tokio::spawn(async move {
        while let Some(message) = queued.recv().await {
            let last = matches!(message, Message::Close(_));
            if sink.send(message).await.is_err() || last {
                break;
            }
        }
    });
    let stalled = Arc::new(Notify::new());
    let mut connection = Connection {
        sends: SendQueue {
            queue,
            timeout: settings.send_timeout,
            stalled: Arc::clone(&stalled),
        },
        settings,
        state,
        meta,
        header_credential,
        credential: None,
        auth: None,
        watch: None,
        subscriptions: HashMap::new(),
    };
    let ending = if subprotocol_accepted {
        connection.serve(&mut incoming, &stalled).await
    } else {
        Ending::Close(
            close::SUBPROTOCOL_NOT_ACCEPTABLE,
            format!("Subprotocol not acceptable: use {}", protocol::SUBPROTOCOL),
        )
    };
    for (_, task) in connection.subscriptions.drain() {
        task.abort();
    }
    match ending {
        Ending::Close(code, reason) => {
            let frame = Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            }));
            let queue = connection.sends.queue.clone();
            drop(connection);
            let flushed = async {
                if queue.send(frame).await.is_ok() {
                    let _ = writer.await;
                }
            };
            // A peer that does not read does not get its close frame.
            let _ = tokio::time::timeout(Duration::from_secs(2), flushed).await;
        }
        Ending::Drop => writer.abort(),
    }
}

struct Connection {
    sends: SendQueue,
    settings: WsSettings,
    state: AppState,
    meta: RequestContext,
    header_credential: Option<String>,
    /// The credential accepted at `connection_init`, re-checked on revocations.
    credential: Option<String>,
    auth: Option<AuthContext>,
    /// The tenant's events, watched for revocations of this credential.
    watch: Option<broadcast::Receiver<Arc<StreamEvent>>>,
    subscriptions: HashMap<String, AbortHandle>,
}

impl Connection {
    async fn serve(&mut self, incoming: &mut SplitStream<WebSocket>, stalled: &Notify) -> Ending {
        let mut shutdown = self.state.sockets.inner.shutdown.subscribe();
        if *shutdown.borrow_and_update() {
            return Ending::Close(close::GOING_AWAY, "server shutting down".into());
        }
        let init_deadline = tokio::time::sleep(self.settings.init_timeout);
        tokio::pin!(init_deadline);
        let mut keepalive = tokio::time::interval(self.settings.keepalive);
        keepalive.tick().await;
        let mut last_heard = Instant::now();
        let (finished_tx, mut finished) = mpsc::unbounded_channel::<String>();
        loop {
            let expires = self.expires_at();
            tokio::select! {
                frame = incoming.next() => {
                    last_heard = Instant::now();
                    let ending = match frame {
                        None | Some(Ok(Message::Close(_))) => Some(Ending::Drop),
                        Some(Err(err)) => {
                            let too_big = err.to_string().to_ascii_lowercase().contains("too");
                            if too_big {
                                closing(close::TOO_BIG, "message too big")
                            } else {
                                Some(Ending::Drop)
                            }
                        }
                        Some(Ok(Message::Text(text))) => self.on_text(text.as_str(), &finished_tx).await,
                        Some(Ok(Message::Binary(_))) => {
                            closing(close::BAD_MESSAGE, "binary messages are not part of the protocol")
                        }
                        // Pings are answered by the WebSocket layer; pongs only prove life.
                        Some(Ok(_)) => None,
                    };
                    if let Some(ending) = ending {
                        return ending;
                    }
                }
                () = &mut init_deadline, if self.auth.is_none() => {
                    return Ending::Close(close::INIT_TIMEOUT, "Connection initialisation timeout".into());
                }
                _ = keepalive.tick() => {
                    if last_heard.elapsed() > self.settings.keepalive * 3 {
                        return Ending::Drop;
                    }
                    let _ = self.sends.queue.try_send(Message::Ping(Default::default()));
                }
                () = sleep_until(expires), if expires.is_some() => {
                    return Ending::Close(
                        close::FORBIDDEN,
                        "Forbidden: the access token expired; reconnect with a fresh one".into(),
                    );
                }
                event = next_event(&mut self.watch), if self.watch.is_some() => {
                    if self.concerns_credential(event.as_deref()) && !self.still_valid().await {
                        return Ending::Close(
                            close::FORBIDDEN,
                            "Forbidden: the credential was revoked or its permissions changed".into(),
                        );
                    }
                }
                _ = shutdown.changed() => {
                    return Ending::Close(close::GOING_AWAY, "server shutting down".into());
                }
                () = stalled.notified() => return Ending::Drop,
                Some(id) = finished.recv() => {
                    self.subscriptions.remove(&id);
                }
            }
        }
    }

    /// When the access token expires (API keys are checked on revocation instead).
    fn expires_at(&self) -> Option<Instant> {
        let Some(AuthContext {
            principal: Principal::User { expires_at, .. },
            ..
        }) = &self.auth
        else {
            return None;
        };
        let left = (*expires_at - chrono::Utc::now())
            .to_std()
            .unwrap_or_default();
        Some(Instant::now() + left)
    }

    async fn on_text(
        &mut self,
        text: &str,
        finished: &mpsc::UnboundedSender<String>,
    ) -> Option<Ending> {
        let Ok(message) = serde_json::from_str::<ClientMessage>(text) else {
            return closing(close::BAD_MESSAGE, "Invalid message received");
        };
        match message {
            ClientMessage::ConnectionInit { payload } => {
                if self.credential.is_some() {
                    return closing(close::TOO_MANY_INITS, "Too many initialisation requests");
                }
                let Some(credential) = protocol::credential(payload.as_ref())
                    .or_else(|| self.header_credential.clone())
                else {
                    return closing(
                        close::FORBIDDEN,
                        "Forbidden: send `authorization: Bearer <access token or API key>` in \
                         the connection_init payload",
                    );
                };
                let Some(auth) = self.authenticate(&credential).await else {
                    return closing(
                        close::FORBIDDEN,
                        "Forbidden: invalid, expired or revoked credential",
                    );
                };
                self.watch = Some(self.state.bus.subscribe());
                self.auth = Some(auth);
                self.credential = Some(credential);
                if !self.sends.send(protocol::connection_ack()).await {
                    return Some(Ending::Drop);
                }
                None
            }
            ClientMessage::Ping { payload } => {
                (!self.sends.send(protocol::pong(payload)).await).then_some(Ending::Drop)
            }
            ClientMessage::Pong {} => None,
            ClientMessage::Subscribe { id, payload } => {
                self.subscribe(id, *payload, finished).await
            }
            ClientMessage::Complete { id } => {
                if let Some(task) = self.subscriptions.remove(&id) {
                    task.abort();
                }
                None
            }
        }
    }

    async fn authenticate(&self, credential: &str) -> Option<AuthContext> {
        let header = HeaderValue::from_str(credential).ok()?;
        match self.state.authenticator.authenticate(Some(&header)).await {
            Ok(auth) => auth,
            Err(err) => {
                tracing::debug!(error = %err, "WebSocket credential refused");
                None
            }
        }
    }

    /// Whether an event may have revoked this credential or changed its role (or the
    /// watch fell behind, when it may have missed one).
    fn concerns_credential(&self, event: Option<&StreamEvent>) -> bool {
        let Some(auth) = &self.auth else { return false };
        let Some(event) = event else { return true };
        if event.tenant_id != auth.tenant_id {
            return false;
        }
        match &auth.principal {
            Principal::ApiKey { key_id } => {
                (event.event_type == "api_key.revoked" && event.entity_id == Some(*key_id))
                    || matches!(
                        event.event_type.as_str(),
                        "user.updated" | "user.deactivated"
                    )
            }
            Principal::User { user_id, .. } => {
                event.entity_id == Some(*user_id)
                    && matches!(
                        event.event_type.as_str(),
                        "user.updated"
                            | "user.deactivated"
                            | "user.logged_out"
                            | "session.reuse_detected"
                    )
            }
        }
    }

    /// Whether the credential still authenticates, with the same role.
    async fn still_valid(&self) -> bool {
        let (Some(credential), Some(auth)) = (&self.credential, &self.auth) else {
            return false;
        };
        self.authenticate(credential)
            .await
            .is_some_and(|now| now.role == auth.role)
    }

    async fn subscribe(
        &mut self,
        id: String,
        payload: async_graphql::Request,
        finished: &mpsc::UnboundedSender<String>,
    ) -> Option<Ending> {
        let Some(auth) = self.auth.clone() else {
            return closing(close::UNAUTHORIZED, "Unauthorized");
        };
        if id.is_empty() || id.chars().count() > protocol::MAX_ID_CHARS {
            return closing(
                close::BAD_MESSAGE,
                "Invalid message received: bad operation id",
            );
        }
        if self.subscriptions.contains_key(&id) {
            return closing(
                close::DUPLICATE_ID,
                format!("Subscriber for {id} already exists"),
            );
        }
        let refuse = |code: &str, message: &str| protocol::refused(&id, code, message);
        if self.subscriptions.len() >= self.settings.max_subscriptions {
            let message = format!(
                "a connection may hold at most {} operations at once",
                self.settings.max_subscriptions
            );
            return self.reply(refuse(code::RATE_LIMITED, &message)).await;
        }
        let Some(held) = self.state.sockets.hold(auth.actor_id()) else {
            let message = format!(
                "a credential may hold at most {} subscriptions at once",
                self.settings.max_subscriptions_per_credential
            );
            return self.reply(refuse(code::RATE_LIMITED, &message)).await;
        };
        let mut request = context::attach(
            payload,
            &self.state.db,
            &self.meta,
            Some(&auth),
            self.settings.loader_delay,
        );
        let model = SchemaModel::shared();
        let introspection = self.state.settings.introspection.allows(true);
        let admitted = match self
            .state
            .settings
            .limits
            .admit(model, &mut request, introspection)
        {
            Ok(admitted) => admitted,
            Err(error) => {
                let mut response = async_graphql::Response::from_errors(vec![error]);
                ensure_error_codes(&mut response);
                return self.reply(protocol::result(&id, &response).0).await;
            }
        };
        let is_mutation = Operation::select(
            &admitted.document,
            request.operation_name.as_deref(),
            &request.variables,
        )
        .is_some_and(|op| op.is_mutation());
        if is_mutation {
            let message = "mutations are sent over HTTP (POST /graphql), where write limits apply";
            return self.reply(refuse(code::BAD_USER_INPUT, message)).await;
        }
        let task = tokio::spawn(run_operation(
            self.state.schemas.authenticated.clone(),
            request,
            admitted.document,
            id.clone(),
            self.sends.clone(),
            finished.clone(),
            held,
        ));
        self.subscriptions.insert(id, task.abort_handle());
        None
    }

    async fn reply(&self, text: String) -> Option<Ending> {
        (!self.sends.send(text).await).then_some(Ending::Drop)
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// The next watched event; `None` when the watch fell behind (it may have missed a
/// revocation, so the credential is checked).
async fn next_event(
    watch: &mut Option<broadcast::Receiver<Arc<StreamEvent>>>,
) -> Option<Arc<StreamEvent>> {
    let Some(receiver) = watch else {
        return std::future::pending().await;
    };
    match receiver.recv().await {
        Ok(event) => Some(event),
        Err(broadcast::error::RecvError::Lagged(_)) => None,
        Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
    }
}
