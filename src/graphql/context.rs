//! Data attached to each GraphQL request by the HTTP handler.

use std::net::IpAddr;

/// Where a request came from; recorded in logs and, later, in audit events.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    /// The request id (from `X-Request-Id` or generated), echoed in the response.
    pub request_id: String,
    /// The peer address of the connection.
    pub ip: Option<IpAddr>,
    /// The `User-Agent` header, if any.
    pub user_agent: Option<String>,
}
