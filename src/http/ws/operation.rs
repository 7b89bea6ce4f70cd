//! One operation of a connection: its task, which runs the operation's stream and
//! sends each result through the connection's bounded queue ([`SendQueue`]).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::Message;
use futures_util::StreamExt;
use tokio::sync::{Notify, mpsc};

use super::HeldSubscription;
use super::protocol;
use crate::graphql::model::SchemaModel;
use crate::graphql::normalize;
use crate::graphql::selection::Operation;
use crate::http::graphql::ensure_error_codes;

/// The sending side: a bounded queue in front of the writer task. A send that finds
/// the queue full for longer than the send timeout marks the connection as not
/// reading, and it is dropped.
#[derive(Clone)]
pub(super) struct SendQueue {
    pub(super) queue: mpsc::Sender<Message>,
    pub(super) timeout: Duration,
    pub(super) stalled: Arc<Notify>,
}

impl SendQueue {
    pub(super) async fn send(&self, text: String) -> bool {
        let sent = tokio::time::timeout(self.timeout, self.queue.send(Message::Text(text.into())));
        match sent.await {
            Ok(Ok(())) => true,
            Ok(Err(_)) => false,
            Err(_) => {
                self.stalled.notify_one();
                false
            }
        }
    }
}

/// Runs one operation, sending each result; `complete` when its stream ends.
pub(super) async fn run_operation(
    schema: crate::graphql::AppSchema,
    request: async_graphql::Request,
    document: async_graphql::parser::types::ExecutableDocument,
    id: String,
    sends: SendQueue,
    finished: mpsc::UnboundedSender<String>,
    held: HeldSubscription,
) {
    let _held = held;
    let operation = Operation::select(
        &document,
        request.operation_name.as_deref(),
        &request.variables,
    );
    let mut results = schema.execute_stream(request);
    while let Some(mut response) = results.next().await {
        ensure_error_codes(&mut response);
        if let Some(operation) = &operation
            && response.data != async_graphql::Value::Null
        {
            normalize::response_data(
                SchemaModel::shared(),
                operation,
                &response.errors,
                &mut response.data,
            );
        }
        let (text, ended) = protocol::result(&id, &response);
        if !sends.send(text).await {
            return;
        }
        if ended {
            let _ = finished.send(id);
            return;
        }
    }
    if sends.send(protocol::complete(&id)).await {
        let _ = finished.send(id);
    }
}
