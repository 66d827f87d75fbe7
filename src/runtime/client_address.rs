//! Who is asking: the client's address, as the throttle and the audit log record it.
//!
//! Behind a proxy or load balancer the TCP peer is the proxy, and every user would share its
//! few addresses: one stranger's failures would then lock everyone out. The proxy tells us the
//! client in `X-Forwarded-For` (or RFC 7239 `Forwarded` when there is no `X-Forwarded-For`), but
//! anyone can send those headers, so they are read only when the peer is a proxy we trust, and
//! right to left: each trusted hop appended the address it saw, and the first address that is
//! not a trusted hop is the client. Everything left of it was written by the client and is never
//! believed.
//!
//! A hop is trusted when it is inside `TRUSTED_PROXIES` (CIDRs) or is one of the last
//! `TRUSTED_PROXY_HOPS` (counting the peer as the first): platforms such as Railway publish no
//! proxy ranges but always put exactly one proxy in front of the app.
//!
//! IPv6 clients get a /64 each from their provider, so the throttle keys them by that /64 (one
//! machine could otherwise walk through 2^64 addresses); the audit log keeps the full address.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::connect_info::MockConnectInfo;
use axum::extract::ConnectInfo;
use axum::http::header::FORWARDED;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName};
use ipnet::IpNet;

static X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// Which proxies in front of the app may tell us the client's address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyTrust {
    networks: Vec<IpNet>,
    hops: usize,
}

impl ProxyTrust {
    /// Trusts the proxies inside `networks`, and the last `hops` hops whoever they are.
    pub fn new(networks: Vec<IpNet>, hops: usize) -> Self {
        ProxyTrust { networks, hops }
    }

    /// Whether any forwarded header can be believed at all.
    pub fn is_enabled(&self) -> bool {
        !self.networks.is_empty() || self.hops > 0
    }

    /// For `marketedge config`.
    pub fn describe(&self) -> String {
        if !self.is_enabled() {
            return "(none: the TCP peer is the client; forwarded headers ignored)".into();
        }
        let networks: Vec<String> = self.networks.iter().map(IpNet::to_string).collect();
        match (networks.is_empty(), self.hops) {
            (false, 0) => format!("proxies in {}", networks.join(", ")),
            (true, hops) => format!("the last {hops} hop(s)"),
            (false, hops) => {
                format!("the last {hops} hop(s) and proxies in {}", networks.join(", "))
            }
        }
    }

    /// The client behind `peer`, judged from the request's forwarded headers.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(0, peer) {
            return peer;
        }
        // The hops the proxies recorded, nearest last; a hop that is not an address ends the
        // chain there (nothing left of it can be judged).
        let chain = forwarded_chain(headers);
        let mut client = peer;
        for (position, hop) in chain.iter().rev().enumerate() {
            let Some(hop) = hop else { break };
            client = *hop;
            if !self.trusts(position + 1, client) {
                break;
            }
        }
        client
    }

    /// Whether the hop at `position` (0 = the peer, counting leftwards) is one of our proxies.
    fn trusts(&self, position: usize, address: IpAddr) -> bool {
        position < self.hops || self.networks.iter().any(|network| network.contains(&address))
    }
}

/// The addresses in `X-Forwarded-For` (every instance, in order), or, when the request has none,
/// the `for=` of RFC 7239 `Forwarded`. `None` stands for an entry that is not an address
/// (`unknown`, an obfuscated name, garbage).
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name: &HeaderName| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
            .collect()
    };
    let forwarded_for = values(&X_FORWARDED_FOR);
    if !forwarded_for.is_empty() {
        return forwarded_for
            .iter()
            .flat_map(|value| value.split(','))
            .map(|entry| parse_node(entry.trim()))
            .collect();
    }
    values(&FORWARDED)
        .iter()
        .flat_map(|value| value.split(','))
        .map(|element| {
            let node = element.split(';').find_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                name.trim().eq_ignore_ascii_case("for").then(|| value.trim().trim_matches('"'))
            });
            node.and_then(parse_node)
        })
        .collect()
}

/// An address as proxies write it: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1` or
/// `[2001:db8::1]:4711`.
fn parse_node(node: &str) -> Option<IpAddr> {
    let address = node
        .parse::<IpAddr>()
        .ok()
        .or_else(|| node.parse::<SocketAddr>().ok().map(|socket| socket.ip()))
        .or_else(|| node.strip_prefix('[')?.strip_suffix(']')?.parse().ok())?;
    Some(address.to_canonical())
}

/// The client's address, resolved once per request by [`resolve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// What the throttle counts by: the address, or for IPv6 its /64.
    pub fn throttle_key(&self) -> String {
        match self.0 {
            IpAddr::V4(address) => address.to_string(),
            IpAddr::V6(address) => {
                let segments = address.segments();
                let network =
                    Ipv6Addr::new(segments[0], segments[1], segments[2], segments[3], 0, 0, 0, 0);
                format!("{network}/64")
            }
        }
    }
}

/// Middleware: works out the client's address from the peer and the trusted proxies' headers,
/// once, for everything later in the request.
pub async fn resolve(
    trust: Arc<ProxyTrust>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if let Some(peer) = peer(request.extensions()) {
        let client = trust.client(peer, request.headers());
        request.extensions_mut().insert(ClientIp(client));
    }
    next.run(request).await
}

/// The TCP peer. Like axum's `ConnectInfo` extractor, falls back to `MockConnectInfo`, which
/// tests install.
fn peer(extensions: &axum::http::Extensions) -> Option<IpAddr> {
    let connect_info = extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0);
    let mocked = || extensions.get::<MockConnectInfo<SocketAddr>>().map(|info| info.0);
    connect_info.or_else(mocked).map(|address| address.ip())
}

/// The client of a request, if it is known.
pub fn client_ip(parts: &Parts) -> Option<ClientIp> {
    parts
        .extensions
        .get::<ClientIp>()
        .copied()
        .or_else(|| peer(&parts.extensions).map(|peer| ClientIp(peer.to_canonical())))
}

/// The client's address as text, for the audit log and the session list.
pub fn client_address(parts: &Parts) -> String {
    client_ip(parts).map_or_else(|| "unknown".to_owned(), |client| client.0.to_string())
}

/// The throttle's key for the client: its address, or its /64.
pub fn throttle_address(parts: &Parts) -> String {
    client_ip(parts).map_or_else(|| "unknown".to_owned(), |client| client.throttle_key())
}

#[cfg(test)]
mod tests;
