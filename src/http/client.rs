//! Who sent a request, the same way for every route: its request id, the client's
//! address and its User-Agent (capped at [`MAX_USER_AGENT_CHARS`] before it reaches a
//! log line or an audit row).
//!
//! The address is the TCP peer's, unless the peer is one of the configured trusted
//! proxies (`CLIENTGRAPH_TRUSTED_PROXIES`): then it is read from `X-Forwarded-For`
//! (the rightmost entry that is not itself a trusted proxy) or, failing that, from the
//! standard `Forwarded` header. A header from anyone else is ignored, so a client
//! cannot pick the address the login throttle and the audit log see.
//!
//! A signed link's principal becomes a scope in one place too ([`signed_link_scope`]).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

use uuid::Uuid;

use super::AppState;
use super::request_id::RequestId;
use crate::auth::{ActorKind, Permission};
use crate::error::{AppError, AppResult};
use crate::service::{RequestContext, TenantScope};

/// Longest User-Agent kept, in characters.
pub const MAX_USER_AGENT_CHARS: usize = 512;

/// A network (`10.0.0.0/8`, `::1/128`) or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// Parses `a.b.c.d`, `a.b.c.d/n` or their IPv6 forms.
    pub fn parse(text: &str) -> Option<IpNet> {
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((addr, prefix)) => (addr.parse().ok()?, Some(prefix.parse::<u8>().ok()?)),
            None => (text.trim().parse().ok()?, None),
        };
        let max = if matches!(addr, IpAddr::V4(_)) {
            32
        } else {
            128
        };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(IpNet { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// A comma-separated list of networks (a setting).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Networks(pub Vec<IpNet>);

impl std::str::FromStr for Networks {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_networks(text).map(Networks)
    }
}

/// Parses a comma-separated list of networks.
pub fn parse_networks(text: &str) -> Result<Vec<IpNet>, String> {
    text.split(',')
        .filter(|part| !part.trim().is_empty())
        .map(|part| IpNet::parse(part).ok_or_else(|| format!("not an address or network: {part}")))
        .collect()
}

/// The client's address: see the module docs.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let forwarded_for: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    if let Some(ip) = forwarded_for.iter().rev().find(|ip| !is_trusted(**ip)) {
        return *ip;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all(header::FORWARDED)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (key, value) = pair.trim().split_once('=')?;
                if !key.eq_ignore_ascii_case("for") {
                    return None;
                }
                let value = value.trim().trim_matches('"');
                // `for="[2001:db8::1]:4711"`, `for=192.0.2.60:80`, `for=192.0.2.60`
                let host = match value.strip_prefix('[') {
                    Some(v6) => v6.split(']').next()?,
                    None => value.split(':').next()?,
                };
                host.parse().ok()
            })
        })
        .collect();
    forwarded
        .iter()
        .rev()
        .find(|ip| !is_trusted(**ip))
        .copied()
        .unwrap_or(peer)
}

/// The request's [`RequestContext`], as an extractor.
pub struct ClientMeta(pub RequestContext);

impl FromRequestParts<AppState> for ClientMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let request_id = parts
            .extensions
            .get::<RequestId>()
            .map(|id| id.0.clone())
            .unwrap_or_default();
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        let ip = peer.map(|peer| client_ip(peer, &parts.headers, &state.settings.trusted_proxies));
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(MAX_USER_AGENT_CHARS).collect());
        Ok(ClientMeta(RequestContext {
            request_id,
            ip,
            user_agent,
        }))
    }
}

/// The scope a signed link (a document download, an export) acts in: its principal's
/// current role and the request's metadata. A link whose user or key has since been
/// deactivated or revoked is FORBIDDEN (the link, not a credential, was presented), and
/// the link works only while that role still has `permission`.
pub async fn signed_link_scope(
    state: &AppState,
    principal: (Uuid, ActorKind, Uuid),
    meta: &RequestContext,
    permission: Permission,
    doing: &str,
) -> AppResult<TenantScope> {
    let (tenant_id, kind, actor_id) = principal;
    let role = match state
        .authenticator
        .current_role(tenant_id, kind, actor_id)
        .await
    {
        Ok(role) => role,
        Err(AppError::Unauthenticated(_)) => {
            return Err(AppError::Forbidden("this link is no longer valid".into()));
        }
        Err(err) => return Err(err),
    };
    let scope = TenantScope::for_principal(tenant_id, Some(actor_id), kind, role, meta);
    scope.require(permission, doing)?;
    Ok(scope)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        map
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_proxies() {
        let trusted = parse_networks("10.0.0.0/8, ::1").unwrap();
        let proxy: IpAddr = "10.1.2.3".parse().unwrap();
        let stranger: IpAddr = "203.0.113.9".parse().unwrap();
        let xff = headers(&[("x-forwarded-for", "198.51.100.1, 192.0.2.7, 10.9.9.9")]);
        assert_eq!(
            client_ip(proxy, &xff, &trusted),
            "192.0.2.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_ip(stranger, &xff, &trusted), stranger);
        let fwd = headers(&[(
            "forwarded",
            r#"for="[2001:db8::1]:4711";proto=https, for=10.0.0.2"#,
        )]);
        assert_eq!(
            client_ip(proxy, &fwd, &trusted),
            "2001:db8::1".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &trusted), proxy);
        assert!(parse_networks("10.0.0.0/33").is_err());
        assert!(
            IpNet::parse("::1")
                .unwrap()
                .contains("::1".parse().unwrap())
        );
    }
}
