//! The SSRF guard: item links come from third parties, so no request (or redirect hop) may reach
//! the daemon's own machine or network — loopback, private, link-local, CGNAT, cloud metadata
//! addresses — unless `[fetch] allow_addresses` lets it. Names are checked on the addresses they
//! resolve to ([`GuardedResolver`], the client's DNS resolver), literal IPs by
//! [`AddressGuard::check`] before each request in [`http`](super::http).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Why an address is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reserved {
    Loopback,
    Private,
    LinkLocal,
    Unspecified,
    /// 100.64.0.0/10, carrier-grade NAT.
    SharedAddressSpace,
    /// 169.254.169.254 and fd00:ec2::254, where cloud instances read their credentials.
    CloudMetadata,
}

impl Reserved {
    fn describe(self) -> &'static str {
        match self {
            Reserved::Loopback => "loopback",
            Reserved::Private => "private",
            Reserved::LinkLocal => "link-local",
            Reserved::Unspecified => "unspecified",
            Reserved::SharedAddressSpace => "carrier-grade NAT (shared address space)",
            Reserved::CloudMetadata => "a cloud metadata endpoint",
        }
    }
}

/// A request to an address the guard does not let through.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refused: address {address} is {}; allow it with [fetch] allow_addresses", reason.describe())]
pub struct Refused {
    pub address: IpAddr,
    pub reason: Reserved,
}

/// What kind of reserved address `ip` is, if any. IPv4-mapped IPv6 addresses
/// (`::ffff:10.0.0.1`) are judged by their IPv4 address.
pub fn classify(ip: IpAddr) -> Option<Reserved> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => classify_v4(v4),
            None => classify_v6(v6),
        },
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<Reserved> {
    let [a, b, ..] = ip.octets();
    if ip == Ipv4Addr::new(169, 254, 169, 254) {
        Some(Reserved::CloudMetadata)
    } else if ip.is_loopback() {
        Some(Reserved::Loopback)
    } else if ip.is_private() {
        Some(Reserved::Private)
    } else if ip.is_link_local() {
        Some(Reserved::LinkLocal)
    } else if a == 0 {
        // 0.0.0.0/8, "this network": Linux connects 0.0.0.0 to the local machine.
        Some(Reserved::Unspecified)
    } else if a == 100 && (b & 0xc0) == 64 {
        Some(Reserved::SharedAddressSpace)
    } else {
        None
    }
}

fn classify_v6(ip: Ipv6Addr) -> Option<Reserved> {
    let first = ip.segments()[0];
    if ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
        Some(Reserved::CloudMetadata)
    } else if ip.is_loopback() {
        Some(Reserved::Loopback)
    } else if ip.is_unspecified() {
        Some(Reserved::Unspecified)
    } else if (first & 0xfe00) == 0xfc00 {
        // fc00::/7, unique local addresses.
        Some(Reserved::Private)
    } else if (first & 0xffc0) == 0xfe80 {
        Some(Reserved::LinkLocal)
    } else {
        None
    }
}

/// Refuses reserved addresses except those in the allow-list. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct AddressGuard {
    allowed: Arc<[IpNet]>,
}

impl AddressGuard {
    /// A guard that lets the networks in `allowed` through despite their kind.
    pub fn new(allowed: &[IpNet]) -> AddressGuard {
        AddressGuard {
            allowed: allowed.into(),
        }
    }

    /// Whether a request may go to `ip`.
    pub fn check(&self, ip: IpAddr) -> Result<(), Refused> {
        let Some(reason) = classify(ip) else {
            return Ok(());
        };
        let mapped = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4),
            IpAddr::V4(_) => None,
        };
        let allowed = |ip: IpAddr| self.allowed.iter().any(|net| net.contains(&ip));
        if allowed(ip) || mapped.is_some_and(allowed) {
            return Ok(());
        }
        Err(Refused {
            address: ip,
            reason,
        })
    }
}

/// The client's DNS resolver: the system's (`getaddrinfo` on the blocking pool), with the
/// addresses the guard refuses filtered out. A name left with no address fails with the first
/// refusal, so the error says why. The connection goes to an address from this very answer:
/// a name cannot resolve to a public address for the check and a private one for the connect.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    guard: AddressGuard,
}

impl GuardedResolver {
    pub fn new(guard: AddressGuard) -> GuardedResolver {
        GuardedResolver { guard }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = self.guard.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refused = None;
            let kept: Vec<SocketAddr> = resolved
                .into_iter()
                .filter(|addr| match guard.check(addr.ip()) {
                    Ok(()) => true,
                    Err(refusal) => {
                        refused.get_or_insert(refusal);
                        false
                    }
                })
                .collect();
            match refused {
                Some(refusal) if kept.is_empty() => Err(Box::new(refusal) as _),
                _ => Ok(Box::new(kept.into_iter()) as Addrs),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn reserved_addresses_are_classified() {
        let cases = [
            ("127.0.0.1", Some(Reserved::Loopback)),
            ("127.255.0.2", Some(Reserved::Loopback)),
            ("::1", Some(Reserved::Loopback)),
            ("10.0.0.1", Some(Reserved::Private)),
            ("172.16.0.1", Some(Reserved::Private)),
            ("172.31.255.255", Some(Reserved::Private)),
            ("192.168.1.1", Some(Reserved::Private)),
            ("fc00::1", Some(Reserved::Private)),
            ("fdff::1", Some(Reserved::Private)),
            ("169.254.1.1", Some(Reserved::LinkLocal)),
            ("fe80::1", Some(Reserved::LinkLocal)),
            ("febf::1", Some(Reserved::LinkLocal)),
            ("0.0.0.0", Some(Reserved::Unspecified)),
            ("0.1.2.3", Some(Reserved::Unspecified)),
            ("::", Some(Reserved::Unspecified)),
            ("100.64.0.1", Some(Reserved::SharedAddressSpace)),
            ("100.127.255.255", Some(Reserved::SharedAddressSpace)),
            ("169.254.169.254", Some(Reserved::CloudMetadata)),
            ("fd00:ec2::254", Some(Reserved::CloudMetadata)),
            ("::ffff:127.0.0.1", Some(Reserved::Loopback)),
            ("::ffff:10.1.2.3", Some(Reserved::Private)),
            ("::ffff:169.254.169.254", Some(Reserved::CloudMetadata)),
        ];
        for (text, expected) in cases {
            assert_eq!(classify(ip(text)), expected, "{text}");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for text in [
            "93.184.216.34",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "100.63.255.255",
            "169.253.0.1",
            "2606:4700::1111",
            "fec0::1",
            "::ffff:8.8.8.8",
        ] {
            assert_eq!(classify(ip(text)), None, "{text}");
            assert!(AddressGuard::default().check(ip(text)).is_ok(), "{text}");
        }
    }

    #[test]
    fn the_allow_list_lets_its_networks_through() {
        let guard =
            AddressGuard::new(&["127.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()]);
        assert!(guard.check(ip("127.0.0.2")).is_ok());
        assert!(guard.check(ip("::1")).is_ok());
        assert!(guard.check(ip("::ffff:127.0.0.1")).is_ok(), "mapped form");
        let refused = guard.check(ip("10.0.0.1")).unwrap_err();
        assert_eq!(refused.reason, Reserved::Private);
        assert_eq!(
            refused.to_string(),
            "refused: address 10.0.0.1 is private; allow it with [fetch] allow_addresses"
        );
        let narrow = AddressGuard::new(&["127.0.0.1/32".parse().unwrap()]);
        assert!(narrow.check(ip("127.0.0.1")).is_ok());
        assert!(narrow.check(ip("127.0.0.2")).is_err());
    }

    #[tokio::test]
    async fn the_resolver_drops_refused_addresses() {
        let resolver = GuardedResolver::new(AddressGuard::default());
        let error = match resolver.resolve("localhost".parse().unwrap()).await {
            Ok(addrs) => panic!("localhost resolved to {:?}", addrs.collect::<Vec<_>>()),
            Err(error) => error,
        };
        let refused = error.downcast_ref::<Refused>().expect("a refusal");
        assert_eq!(refused.reason, Reserved::Loopback);

        let allowed = AddressGuard::new(&["127.0.0.0/8".parse().unwrap()]);
        let addrs: Vec<SocketAddr> = GuardedResolver::new(allowed)
            .resolve("localhost".parse().unwrap())
            .await
            .unwrap()
            .collect();
        assert!(!addrs.is_empty());
        assert!(addrs.iter().all(|a| a.ip() == ip("127.0.0.1")), "{addrs:?}");
    }
}
