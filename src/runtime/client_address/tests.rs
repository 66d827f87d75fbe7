use super::*;
use axum::http::HeaderValue;

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        headers.append(*name, HeaderValue::from_static(value));
    }
    headers
}

fn trust(networks: &[&str], hops: usize) -> ProxyTrust {
    ProxyTrust::new(networks.iter().map(|net| net.parse().unwrap()).collect(), hops)
}

#[test]
fn without_trusted_proxies_the_headers_are_ignored() {
    let spoofed = headers(&[("x-forwarded-for", "203.0.113.9"), ("forwarded", "for=1.2.3.4")]);
    assert_eq!(ProxyTrust::default().client(ip("198.51.100.7"), &spoofed), ip("198.51.100.7"));
    // A peer outside the trusted ranges is the client, whatever it claims.
    let ranges = trust(&["10.0.0.0/8"], 0);
    assert_eq!(ranges.client(ip("198.51.100.7"), &spoofed), ip("198.51.100.7"));
}

#[test]
fn from_a_trusted_peer_the_chain_is_read_right_to_left() {
    let ranges = trust(&["10.0.0.0/8"], 0);
    // The client prepended a lie; our proxies appended the real client and each other.
    let chain = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.9, 10.1.1.1")]);
    assert_eq!(ranges.client(ip("10.0.0.2"), &chain), ip("203.0.113.9"));
    // Several header lines are one list.
    let split =
        headers(&[("x-forwarded-for", "6.6.6.6"), ("x-forwarded-for", "203.0.113.9, 10.1.1.1")]);
    assert_eq!(ranges.client(ip("10.0.0.2"), &split), ip("203.0.113.9"));
    // Nothing forwarded: the proxy itself.
    assert_eq!(ranges.client(ip("10.0.0.2"), &HeaderMap::new()), ip("10.0.0.2"));
    // Every hop trusted: the leftmost is as far as anyone can tell.
    let internal = headers(&[("x-forwarded-for", "10.9.9.9, 10.1.1.1")]);
    assert_eq!(ranges.client(ip("10.0.0.2"), &internal), ip("10.9.9.9"));
}

#[test]
fn a_hop_count_trusts_exactly_that_many_hops() {
    let railway = trust(&[], 1);
    let chain = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.9")]);
    assert_eq!(railway.client(ip("100.64.0.3"), &chain), ip("203.0.113.9"));
    let two = trust(&[], 2);
    let chain = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.9, 100.64.9.9")]);
    assert_eq!(two.client(ip("100.64.0.3"), &chain), ip("203.0.113.9"));
    // Hops and ranges together: the ranges extend trust past the counted hops.
    let both = trust(&["100.64.0.0/10"], 1);
    assert_eq!(both.client(ip("100.64.0.3"), &chain), ip("203.0.113.9"));
}

#[test]
fn garbage_in_the_chain_stops_the_walk_at_the_last_readable_hop() {
    let railway = trust(&[], 2);
    let chain = headers(&[("x-forwarded-for", "203.0.113.9, not-an-address, 100.64.9.9")]);
    assert_eq!(railway.client(ip("100.64.0.3"), &chain), ip("100.64.9.9"));
}

#[test]
fn forwarded_is_read_when_there_is_no_x_forwarded_for() {
    let ranges = trust(&["10.0.0.0/8"], 0);
    let chain = headers(&[(
        "forwarded",
        "for=6.6.6.6, for=\"[2001:db8:cafe::17]:4711\";proto=https, For=10.1.1.1",
    )]);
    assert_eq!(ranges.client(ip("10.0.0.2"), &chain), ip("2001:db8:cafe::17"));
    let unknown = headers(&[("forwarded", "for=unknown, for=10.1.1.1")]);
    assert_eq!(ranges.client(ip("10.0.0.2"), &unknown), ip("10.1.1.1"));
    // X-Forwarded-For wins when both are present.
    let both = headers(&[("forwarded", "for=6.6.6.6"), ("x-forwarded-for", "203.0.113.9")]);
    assert_eq!(ranges.client(ip("10.0.0.2"), &both), ip("203.0.113.9"));
}

#[test]
fn addresses_with_ports_and_mapped_v4_are_read_as_plain_addresses() {
    let railway = trust(&[], 1);
    let chain = headers(&[("x-forwarded-for", "203.0.113.9:5123")]);
    assert_eq!(railway.client(ip("100.64.0.3"), &chain), ip("203.0.113.9"));
    let mapped = headers(&[("x-forwarded-for", "::ffff:203.0.113.9")]);
    assert_eq!(railway.client(ip("100.64.0.3"), &mapped), ip("203.0.113.9"));
    let bracketed = headers(&[("x-forwarded-for", "[2001:db8::5]")]);
    assert_eq!(railway.client(ip("100.64.0.3"), &bracketed), ip("2001:db8::5"));
}

#[test]
fn ipv6_clients_are_throttled_by_their_slash_64() {
    let one = ClientIp(ip("2001:db8:1:2:aaaa::1")).throttle_key();
    let neighbour = ClientIp(ip("2001:db8:1:2:ffff:1:2:3")).throttle_key();
    let other = ClientIp(ip("2001:db8:1:3::1")).throttle_key();
    assert_eq!(one, "2001:db8:1:2::/64");
    assert_eq!(one, neighbour);
    assert_ne!(one, other);
    assert_eq!(ClientIp(ip("203.0.113.9")).throttle_key(), "203.0.113.9");
}

#[test]
fn the_setting_describes_itself() {
    assert!(ProxyTrust::default().describe().contains("ignored"));
    assert_eq!(trust(&[], 1).describe(), "the last 1 hop(s)");
    assert_eq!(trust(&["10.0.0.0/8"], 0).describe(), "proxies in 10.0.0.0/8");
}
