//! A `graphql-transport-ws` client for the subscription tests, on a real WebSocket.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::TestApp;

/// What the server sent.
#[derive(Debug)]
pub enum Frame {
    Json(Value),
    Close(u16, String),
    /// The connection ended without a close frame.
    Gone,
}

pub struct Ws {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Ws {
    /// Opens a socket offering `graphql-transport-ws`.
    pub async fn connect(app: &TestApp) -> Ws {
        Self::connect_with(app, &[]).await
    }

    /// Opens a socket with extra upgrade headers.
    pub async fn connect_with(app: &TestApp, headers: &[(&str, &str)]) -> Ws {
        let mut request = format!("ws://{}/graphql", app.addr)
            .into_client_request()
            .unwrap();
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        for (name, value) in headers {
            let name: tokio_tungstenite::tungstenite::http::HeaderName = name.parse().unwrap();
            request.headers_mut().insert(name, value.parse().unwrap());
        }
        let (socket, response) = tokio_tungstenite::connect_async(request)
            .await
            .expect("WebSocket handshake");
        assert_eq!(
            response.headers()["sec-websocket-protocol"],
            "graphql-transport-ws"
        );
        Ws { socket }
    }

    /// Opens a socket whose receive buffer is as small as the kernel allows (a client
    /// that falls behind fills it at once).
    pub async fn connect_small_buffer(app: &TestApp) -> Ws {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let stream = socket.connect(app.addr).await.unwrap();
        let mut request = format!("ws://{}/graphql", app.addr)
            .into_client_request()
            .unwrap();
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (socket, _) = tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(stream))
            .await
            .expect("WebSocket handshake");
        Ws { socket }
    }

    pub async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .expect("message sent");
    }

    /// The next protocol message or close (pings skipped), waiting at most `wait`.
    pub async fn recv_within(&mut self, wait: Duration) -> Option<Frame> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .ok()?;
            return Some(match frame {
                None | Some(Err(_)) => Frame::Gone,
                Some(Ok(Message::Text(text))) => Frame::Json(serde_json::from_str(&text).unwrap()),
                Some(Ok(Message::Close(frame))) => match frame {
                    Some(frame) => Frame::Close(frame.code.into(), frame.reason.to_string()),
                    None => Frame::Close(1005, String::new()),
                },
                Some(Ok(_)) => continue,
            });
        }
    }

    pub async fn recv(&mut self) -> Frame {
        self.recv_within(Duration::from_secs(15))
            .await
            .expect("a message within 15 s")
    }

    /// Expects the socket to be closed with `code`; returns the reason.
    pub async fn expect_close(&mut self, code: u16) -> String {
        loop {
            match self.recv().await {
                Frame::Close(got, reason) => {
                    assert_eq!(got, code, "closed with {got} ({reason})");
                    return reason;
                }
                Frame::Json(message) => {
                    assert_ne!(message["type"], "connection_ack", "acknowledged: {message}");
                }
                Frame::Gone => panic!("connection ended without a close frame, expected {code}"),
            }
        }
    }

    /// `connection_init` with a bearer credential, expecting `connection_ack`.
    pub async fn init(&mut self, credential: &str) {
        self.send(json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {credential}") } }))
            .await;
        match self.recv().await {
            Frame::Json(message) if message["type"] == "connection_ack" => {}
            other => panic!("expected connection_ack, got {other:?}"),
        }
    }

    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({ "type": "subscribe", "id": id, "payload": { "query": query, "variables": variables } }))
            .await;
    }

    /// The next message of operation `id` (`next`, `error` or `complete`).
    pub async fn message_of(&mut self, id: &str) -> Value {
        loop {
            match self.recv().await {
                Frame::Json(message) if message["id"] == id => return message,
                Frame::Json(message) if message["type"] == "ping" => {
                    self.send(json!({ "type": "pong" })).await;
                }
                Frame::Json(_) => {}
                other => panic!("expected a message of {id}, got {other:?}"),
            }
        }
    }

    /// The data of the next `next` message of `id`.
    pub async fn next_data(&mut self, id: &str) -> Value {
        let message = self.message_of(id).await;
        assert_eq!(message["type"], "next", "{message}");
        assert!(message["payload"]["errors"].is_null(), "{message}");
        message["payload"]["data"].clone()
    }

    /// Asserts nothing arrives for `id` within `wait`.
    pub async fn nothing_for(&mut self, id: &str, wait: Duration) {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.recv_within(left).await {
                None => return,
                Some(Frame::Json(message)) if message["id"] == id => {
                    panic!("unexpected message for {id}: {message}")
                }
                Some(Frame::Json(_)) => {}
                Some(other) => panic!("unexpected {other:?}"),
            }
        }
    }
}
