//! Upstream URL rules.
//!
//! - `http`/`https` only, with a host, without `user:password@`, at most 2048 bytes;
//! - link-local (169.254.0.0/16, fe80::/10), cloud metadata (169.254.169.254, fd00:ec2::254,
//!   metadata.google.internal, …), multicast and reserved addresses: always refused;
//! - loopback, private, shared (CGNAT), unique-local and unspecified addresses, and `localhost`: refused
//!   unless the deployment allows private upstreams.
//!
//! Host names are resolved when the URL is saved and every address must pass. (The gateway should check
//! again when it connects: DNS can change after the save.)

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use url::{Host, Url};

const MAX_URL_LEN: usize = 2048;
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);
const METADATA_HOSTS: &[&str] = &[
    "metadata.google.internal",
    "metadata.goog",
    "instance-data.ec2.internal",
];
const METADATA_IPV4: &[Ipv4Addr] = &[
    Ipv4Addr::new(169, 254, 169, 254),
    Ipv4Addr::new(169, 254, 170, 2),
    Ipv4Addr::new(100, 100, 100, 200),
    Ipv4Addr::new(192, 0, 0, 192),
];
const METADATA_IPV6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    Public,
    /// Loopback, private, unique-local…: allowed where the deployment says so.
    Private,
    /// Link-local, metadata, multicast, reserved: never.
    Forbidden,
}

/// Checks an upstream URL: its syntax, then the addresses its host stands for. Answers the URL to store
/// (trimmed, otherwise as given) or a message for the `url` field.
pub async fn check(input: &str, allow_private: bool) -> Result<String, String> {
    let (text, url) = parse(input)?;
    let class = match url.host() {
        Some(Host::Ipv4(v4)) => classify(IpAddr::V4(v4)),
        Some(Host::Ipv6(v6)) => classify(IpAddr::V6(v6)),
        Some(Host::Domain(domain)) => {
            classify_domain(domain, url.port_or_known_default().unwrap_or(80)).await?
        }
        None => return Err("must have a host".into()),
    };
    match class {
        Class::Public => Ok(text),
        Class::Private if allow_private => Ok(text),
        Class::Private => Err(
            "points at a loopback or private address, which this deployment does not allow \
                               (TOOLGATE_ALLOW_PRIVATE_UPSTREAMS)"
                .into(),
        ),
        Class::Forbidden => Err("points at a link-local, cloud metadata or reserved address".into()),
    }
}

/// The syntax rules alone (no DNS).
pub fn parse(input: &str) -> Result<(String, Url), String> {
    let text = input.trim();
    if text.is_empty() {
        return Err("must not be empty".into());
    }
    if text.len() > MAX_URL_LEN {
        return Err(format!("must be at most {MAX_URL_LEN} bytes long"));
    }
    let url = Url::parse(text).map_err(|error| format!("is not a valid URL: {error}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must start with http:// or https://".into());
    }
    if url.host().is_none() {
        return Err("must have a host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain credentials (user:password@); use headers instead".into());
    }
    Ok((text.to_owned(), url))
}

async fn classify_domain(domain: &str, port: u16) -> Result<Class, String> {
    let name = domain.trim_end_matches('.').to_ascii_lowercase();
    if METADATA_HOSTS.contains(&name.as_str()) {
        return Ok(Class::Forbidden);
    }
    if name == "localhost" || name.ends_with(".localhost") {
        return Ok(Class::Private);
    }
    let lookup = tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((name.as_str(), port)));
    let addresses: Vec<IpAddr> = match lookup.await {
        Ok(Ok(addresses)) => addresses.map(|address| address.ip()).collect(),
        Ok(Err(error)) => return Err(format!("host {name:?} could not be resolved: {error}")),
        Err(_) => return Err(format!("host {name:?} could not be resolved in time")),
    };
    if addresses.is_empty() {
        return Err(format!("host {name:?} has no addresses"));
    }
    Ok(addresses
        .into_iter()
        .map(classify)
        .max()
        .unwrap_or(Class::Forbidden))
}

pub fn classify(address: IpAddr) -> Class {
    match address {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => classify_v4(v4),
            None => classify_v6(v6),
        },
    }
}

fn classify_v4(v4: Ipv4Addr) -> Class {
    let [a, b, ..] = v4.octets();
    if v4.is_link_local() || METADATA_IPV4.contains(&v4) || v4.is_multicast() || v4.is_broadcast() || a >= 240
    {
        return Class::Forbidden;
    }
    let shared = a == 100 && (64..128).contains(&b);
    let benchmarking = a == 198 && (b == 18 || b == 19);
    let protocol_assignments = a == 192 && b == 0 && v4.octets()[2] == 0;
    if v4.is_loopback() || v4.is_private() || a == 0 || shared || benchmarking || protocol_assignments {
        return Class::Private;
    }
    Class::Public
}

fn classify_v6(v6: Ipv6Addr) -> Class {
    let first = v6.segments()[0];
    let link_local = first & 0xffc0 == 0xfe80;
    if link_local || v6 == METADATA_IPV6 || v6.is_multicast() {
        return Class::Forbidden;
    }
    let unique_local = first & 0xfe00 == 0xfc00;
    let site_local = first & 0xffc0 == 0xfec0;
    if v6.is_loopback() || v6.is_unspecified() || unique_local || site_local {
        return Class::Private;
    }
    Class::Public
}

/// IPv4 reached through an IPv6 address: mapped (`::ffff:a.b.c.d`), compatible (`::a.b.c.d`) or NAT64
/// (`64:ff9b::a.b.c.d`).
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    let segments = v6.segments();
    let low = Ipv4Addr::from((u32::from(segments[6]) << 16) | u32::from(segments[7]));
    let nat64 = segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    let compatible = segments[..6] == [0; 6] && !v6.is_loopback() && !v6.is_unspecified();
    (nat64 || compatible).then_some(low)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(text: &str) -> Class {
        classify(text.parse().expect("ip"))
    }

    #[test]
    fn classifies_addresses() {
        for public in ["8.8.8.8", "1.1.1.1", "2606:4700::1111", "172.32.0.1"] {
            assert_eq!(class(public), Class::Public, "{public}");
        }
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "::",
            "fd12::1",
            "::ffff:127.0.0.1",
        ] {
            assert_eq!(class(private), Class::Private, "{private}");
        }
        for forbidden in [
            "169.254.169.254",
            "169.254.1.1",
            "fe80::1",
            "fd00:ec2::254",
            "224.0.0.1",
            "255.255.255.255",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "100.100.100.200",
        ] {
            assert_eq!(class(forbidden), Class::Forbidden, "{forbidden}");
        }
    }

    #[tokio::test]
    async fn checks_urls() {
        assert!(check("https://8.8.8.8/mcp", false).await.is_ok());
        assert!(check("http://127.0.0.1:9000/mcp", false).await.is_err());
        assert!(check("http://127.0.0.1:9000/mcp", true).await.is_ok());
        assert!(check("http://localhost:9000/mcp", false).await.is_err());
        assert!(check("http://localhost:9000/mcp", true).await.is_ok());
        assert!(check("http://[::1]/mcp", true).await.is_ok());
        for always in [
            "http://169.254.169.254/",
            "http://metadata.google.internal/",
            "http://[fd00:ec2::254]/",
            "http://2852039166/",
            "http://metadata.google.internal./x",
        ] {
            assert!(check(always, true).await.is_err(), "{always}");
        }
        for bad in [
            "",
            "ftp://8.8.8.8/",
            "https://user:pw@8.8.8.8/",
            "not a url",
            "file:///etc/passwd",
            "http:///x",
        ] {
            assert!(check(bad, true).await.is_err(), "{bad:?}");
        }
        assert!(
            check(&format!("https://8.8.8.8/{}", "a".repeat(2048)), true)
                .await
                .is_err()
        );
    }
}
