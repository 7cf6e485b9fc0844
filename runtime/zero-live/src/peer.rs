//! The client a request comes from, for every per-client limit: the TCP peer, or, when the
//! peer is a trusted proxy (`[network] trusted_proxies`), the address the proxy forwarded
//! (`Forwarded: for=`, RFC 7239, else `X-Forwarded-For`). Walking the chain from the nearest hop
//! back, trusted proxies are skipped and the first address that is not one is the client: a
//! client cannot choose its own address by sending the header itself, because only what the
//! trusted hops appended is read.

use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

use crate::limits::ClientAddr;

/// The client behind `peer` (the TCP peer, `None` if unknown), given the trusted proxies.
pub fn resolve(peer: Option<IpAddr>, headers: &HeaderMap, proxies: &[IpNet]) -> ClientAddr {
    let Some(peer) = peer else { return ClientAddr(None) };
    let trusted = |ip: &IpAddr| proxies.iter().any(|range| range.contains(ip));
    if !trusted(&peer) {
        return ClientAddr(Some(peer));
    }
    let chain = forwarded(headers).or_else(|| x_forwarded_for(headers));
    let Some(chain) = chain else { return ClientAddr(Some(peer)) };
    // Nearest hop last: the first untrusted address from the right is the client; a chain of
    // trusted proxies only ends at its first address. An entry that is no address (`unknown`,
    // an obfuscated name) stops the walk at the last hop that was.
    let mut client = peer;
    for hop in chain.iter().rev() {
        match hop {
            Some(ip) if trusted(ip) => client = *ip,
            Some(ip) => return ClientAddr(Some(*ip)),
            None => break,
        }
    }
    ClientAddr(Some(client))
}

/// The `for=` addresses of every `Forwarded` header, in order (`None` for one that is not an
/// address), or `None` without the header.
fn forwarded(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    hops(headers, "forwarded", |element| {
        let node = element.split(';').find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            key.trim().eq_ignore_ascii_case("for").then(|| value.trim().trim_matches('"'))
        });
        node.and_then(node_ip)
    })
}

/// The addresses of every `X-Forwarded-For` header, in order, or `None` without the header.
fn x_forwarded_for(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    hops(headers, "x-forwarded-for", |hop| node_ip(hop.trim()))
}

/// The comma-separated elements of every `name` header, in order, each read by `hop`, or
/// `None` without the header; a value that is not text is one hop that is no address.
fn hops(
    headers: &HeaderMap,
    name: &str,
    hop: impl Fn(&str) -> Option<IpAddr>,
) -> Option<Vec<Option<IpAddr>>> {
    let mut values = headers.get_all(name).iter().peekable();
    values.peek()?;
    let mut hops = Vec::new();
    for value in values {
        let Ok(value) = value.to_str() else { return Some(vec![None]) };
        hops.extend(value.split(',').map(&hop));
    }
    Some(hops)
}

/// An address from a node: `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]` or
/// `[2001:db8::1]:4711`.
fn node_ip(node: &str) -> Option<IpAddr> {
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    node.parse().ok().or_else(|| node.rsplit_once(':')?.0.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    fn proxies(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|p| p.parse().unwrap()).collect()
    }

    #[test]
    fn a_trusted_proxy_names_the_client_and_an_untrusted_peer_cannot() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let xff = headers(&[("x-forwarded-for", "203.0.113.9")]);
        // From the proxy: the forwarded address.
        assert_eq!(
            resolve(Some(ip("10.0.0.2")), &xff, &trusted),
            ClientAddr(Some(ip("203.0.113.9")))
        );
        // From anyone else: the header is the client's own claim, ignored.
        assert_eq!(
            resolve(Some(ip("198.51.100.4")), &xff, &trusted),
            ClientAddr(Some(ip("198.51.100.4")))
        );
        // No proxies trusted: always the peer.
        assert_eq!(resolve(Some(ip("10.0.0.2")), &xff, &[]), ClientAddr(Some(ip("10.0.0.2"))));
        // A trusted proxy without the header: the proxy itself.
        assert_eq!(
            resolve(Some(ip("10.0.0.2")), &HeaderMap::new(), &trusted),
            ClientAddr(Some(ip("10.0.0.2")))
        );
        assert_eq!(resolve(None, &xff, &trusted), ClientAddr(None));
    }

    #[test]
    fn a_spoofed_first_hop_is_skipped_and_forwarded_wins_over_x_forwarded_for() {
        let trusted = proxies(&["10.0.0.0/8"]);
        // The client sent `1.2.3.4` itself; the proxy appended the address it saw.
        let spoofed = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.0.0.7")]);
        assert_eq!(
            resolve(Some(ip("10.0.0.2")), &spoofed, &trusted),
            ClientAddr(Some(ip("203.0.113.9")))
        );
        let both = headers(&[
            ("forwarded", "for=192.0.2.60;proto=https, for=\"[2001:db8::1]:4711\""),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert_eq!(
            resolve(Some(ip("10.0.0.2")), &both, &trusted),
            ClientAddr(Some(ip("2001:db8::1")))
        );
        let obfuscated = headers(&[("forwarded", "for=_hidden, for=10.0.0.9")]);
        assert_eq!(
            resolve(Some(ip("10.0.0.2")), &obfuscated, &trusted),
            ClientAddr(Some(ip("10.0.0.9")))
        );
        let split =
            headers(&[("x-forwarded-for", "203.0.113.9"), ("x-forwarded-for", "10.0.0.7:80")]);
        assert_eq!(
            resolve(Some(ip("10.0.0.2")), &split, &trusted),
            ClientAddr(Some(ip("203.0.113.9")))
        );
    }
}
