//! The `Host` allowlist, against DNS rebinding: a hostile page whose DNS name is made to
//! resolve to this server sends its own name in `Host`, so a request is served only when
//! `Host` is one of this server's names.
//!
//! What counts as one of its names:
//! - always the loopback names with the bound port: `localhost:P`, `127.0.0.1:P`,
//!   `[::1]:P` (a page can only send those from the machine itself);
//! - the configured names (`--allowed-hosts`, `[server] allowed_hosts`,
//!   `PEDIGREE_ALLOWED_HOSTS`): `name` matches any port, `name:port` only that one, and
//!   `*` turns the check off (for a reverse proxy that checks `Host` itself);
//! - bound to a non-loopback address with nothing configured: any IP-address literal too.
//!   Rebinding always arrives under a DNS name, never an IP literal, so `http://10.0.0.5:3000`
//!   keeps working on a fresh install while every DNS name is refused until it is listed.
//!
//! The same list decides which `Origin`s are this server's own (see [`super::origin`]),
//! except that the IP-literal rule and `*` never make a foreign origin acceptable.
use crate::state::AppState;
use axum::extract::Request;
use axum::http::uri::Authority;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use std::fmt;
use std::net::{IpAddr, SocketAddr};

/// One allowed name: a host (lower case, IPv6 in brackets) with an optional port, or `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    Any,
    Name { host: String, port: Option<u16> },
}

impl HostPattern {
    /// `example.com`, `example.com:8443`, `10.0.0.5`, `[::1]:3000`, `::1` or `*`; no scheme,
    /// path or user.
    pub fn parse(raw: &str) -> Result<HostPattern, String> {
        let raw = raw.trim();
        if raw == "*" {
            return Ok(HostPattern::Any);
        }
        if let Ok(ip) = raw.parse::<std::net::Ipv6Addr>() {
            return Ok(HostPattern::Name {
                host: format!("[{ip}]"),
                port: None,
            });
        }
        let (host, port) = split_authority(raw).ok_or_else(|| {
            format!("'{raw}' is not a host name: give a name with an optional port, like pedigree.example.com or pedigree.example.com:8443")
        })?;
        Ok(HostPattern::Name { host, port })
    }

    fn matches(&self, host: &str, port: Option<u16>) -> bool {
        match self {
            HostPattern::Any => true,
            HostPattern::Name { host: h, port: p } => {
                h == host
                    && match (p, port) {
                        (None, _) => true,
                        (Some(p), Some(q)) => *p == q,
                        // No port in the request: the scheme's default one.
                        (Some(p), None) => *p == 80 || *p == 443,
                    }
            }
        }
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostPattern::Any => f.write_str("*"),
            HostPattern::Name { host, port: None } => f.write_str(host),
            HostPattern::Name {
                host,
                port: Some(p),
            } => write!(f, "{host}:{p}"),
        }
    }
}

/// `host[:port]` → the host in lower case (a trailing dot dropped) and the port. `None` for
/// anything else: a scheme, a path, user info, an empty or malformed host.
pub fn split_authority(raw: &str) -> Option<(String, Option<u16>)> {
    if raw.is_empty() || raw.contains(['@', '/', '?', '#', ' ', '\\']) {
        return None;
    }
    let a: Authority = raw.parse().ok()?;
    let host = a.host().trim_end_matches('.').to_ascii_lowercase();
    let valid = if let Some(v6) = host.strip_prefix('[') {
        v6.strip_suffix(']')
            .is_some_and(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok())
    } else {
        !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
    };
    if !valid {
        return None;
    }
    // What follows the host is nothing or `:<digits>`; `host:` and `host:x` are malformed.
    let port = match raw.get(a.host().len()..)? {
        "" => None,
        rest => Some(rest.strip_prefix(':')?.parse::<u16>().ok()?),
    };
    Some((host, port))
}

/// The resolved rule: which `Host` values this server answers.
#[derive(Debug, Clone)]
pub struct HostAllowlist {
    /// The loopback names with the bound port, then the configured names.
    names: Vec<HostPattern>,
    /// `*` was configured.
    any: bool,
    /// Bound to a non-loopback address and nothing configured: IP literals are accepted.
    ip_literals: bool,
}

impl HostAllowlist {
    pub fn new(configured: &[HostPattern], bound: SocketAddr) -> HostAllowlist {
        let port = Some(bound.port());
        let mut names: Vec<HostPattern> = ["localhost", "127.0.0.1", "[::1]"]
            .iter()
            .map(|h| HostPattern::Name {
                host: h.to_string(),
                port,
            })
            .collect();
        names.extend(
            configured
                .iter()
                .filter(|p| **p != HostPattern::Any)
                .cloned(),
        );
        let ip_literals = configured.is_empty() && !bound.ip().is_loopback();
        if ip_literals {
            tracing::warn!(
                addr = %bound,
                "no allowed_hosts configured: requests are served under IP addresses and \
                 localhost only; list the DNS names clients use with --allowed-hosts"
            );
        }
        HostAllowlist {
            names,
            any: configured.contains(&HostPattern::Any),
            ip_literals,
        }
    }

    /// Whether a request carrying this `Host` is served.
    pub fn allows(&self, raw: &str) -> bool {
        if self.any {
            return true;
        }
        let Some((host, port)) = split_authority(raw) else {
            return false;
        };
        if self.ip_literals && host.trim_matches(['[', ']']).parse::<IpAddr>().is_ok() {
            return true;
        }
        self.names.iter().any(|p| p.matches(&host, port))
    }

    /// Whether `authority` (from an `Origin`) is one of the names listed for this server:
    /// the loopback names and the configured ones, never by the IP-literal rule or `*`.
    pub fn lists(&self, authority: &str) -> bool {
        split_authority(authority)
            .is_some_and(|(host, port)| self.names.iter().any(|p| p.matches(&host, port)))
    }
}

/// The request's `Host` (HTTP/1.1), or its URI's authority (HTTP/2, absolute form).
pub fn request_host<'a>(headers: &'a HeaderMap, uri: &'a axum::http::Uri) -> Option<&'a str> {
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))
}

/// The refusal for a request whose `Host` is not one of this server's names.
pub fn refuse(state: &AppState, req: &Request) -> Option<Response> {
    let allowed =
        request_host(req.headers(), req.uri()).is_some_and(|h| state.shell.hosts.allows(h));
    if allowed {
        return None;
    }
    tracing::debug!(host = ?req.headers().get(header::HOST), "refused: unknown Host");
    Some(crate::mlflow::error::error_response(
        StatusCode::BAD_REQUEST,
        "BAD_REQUEST",
        "This server does not answer to the host name in the request. An operator can add it with --allowed-hosts (or [server] allowed_hosts, PEDIGREE_ALLOWED_HOSTS).",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(configured: &[&str], bound: &str) -> HostAllowlist {
        let c: Vec<HostPattern> = configured
            .iter()
            .map(|h| HostPattern::parse(h).unwrap())
            .collect();
        HostAllowlist::new(&c, bound.parse().unwrap())
    }

    #[test]
    fn loopback_binds_answer_the_loopback_names_with_their_port_only() {
        let l = list(&[], "127.0.0.1:3000");
        for ok in [
            "localhost:3000",
            "127.0.0.1:3000",
            "[::1]:3000",
            "LOCALHOST:3000",
        ] {
            assert!(l.allows(ok), "{ok}");
        }
        for bad in [
            "evil.example:3000",
            "localhost:3001",
            "localhost",
            "10.0.0.5:3000",
            "",
            "localhost:3000/x",
            "user@localhost:3000",
            "localhost.evil.example:3000",
        ] {
            assert!(!l.allows(bad), "{bad}");
        }
    }

    #[test]
    fn a_non_loopback_bind_without_a_list_answers_ip_literals_and_no_dns_name() {
        let l = list(&[], "0.0.0.0:3000");
        for ok in [
            "10.0.0.5:3000",
            "10.0.0.5",
            "[fe80::1]:8080",
            "localhost:3000",
        ] {
            assert!(l.allows(ok), "{ok}");
        }
        for bad in [
            "evil.example:3000",
            "pedigree.example.com",
            "10.0.0.5.nip.io",
        ] {
            assert!(!l.allows(bad), "{bad}");
        }
        assert!(
            !l.lists("10.0.0.5:3000"),
            "an IP literal is no trusted origin"
        );
    }

    #[test]
    fn configured_names_replace_the_ip_rule_and_match_ports_as_written() {
        let l = list(
            &["Pedigree.Example.com", "internal.example:8443"],
            "0.0.0.0:3000",
        );
        assert!(l.allows("pedigree.example.com"));
        assert!(l.allows("pedigree.example.com.:443"));
        assert!(l.allows("internal.example:8443"));
        assert!(!l.allows("internal.example:9000"));
        assert!(!l.allows("10.0.0.5:3000"));
        assert!(
            l.allows("127.0.0.1:3000"),
            "loopback stays, for health checks"
        );
        assert!(l.lists("pedigree.example.com"));
        let any = list(&["*"], "0.0.0.0:3000");
        assert!(any.allows("whatever.example"));
        assert!(!any.lists("whatever.example"));
    }

    #[test]
    fn patterns_refuse_urls_and_print_as_parsed() {
        for bad in [
            "https://a.example",
            "a.example/",
            "a b",
            "",
            "a.example:x",
            "u@a",
        ] {
            assert!(HostPattern::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(HostPattern::parse("::1").unwrap().to_string(), "[::1]");
        assert_eq!(
            HostPattern::parse("A.example:80").unwrap().to_string(),
            "a.example:80"
        );
    }

    #[test]
    fn the_config_reads_allowed_hosts_from_file_env_and_flags_and_refuses_urls() {
        use crate::config::Layer;
        use std::time::Duration;
        let file: Layer =
            toml::from_str("[server]\nallowed_hosts = [\"a.example\", \"b.example:8443\"]\n")
                .unwrap();
        assert_eq!(
            file.clone().resolve().unwrap().server.allowed_hosts.len(),
            2
        );
        let env = Layer::from_env(|k| {
            (k == "PEDIGREE_ALLOWED_HOSTS").then(|| "c.example, d.example".to_string())
        })
        .unwrap();
        let c = file.merge(env).resolve().unwrap();
        assert_eq!(c.server.allowed_hosts.len(), 2);
        assert!(c.server.allowed_hosts[0].to_string().contains("c.example"));
        let bad = Layer::default().allowed_hosts(&["https://a.example/"]);
        assert!(bad.resolve().unwrap_err().contains("allowed_hosts"));
        assert_eq!(
            Layer::default().resolve().unwrap().server.request_timeout,
            Duration::from_secs(60)
        );
        use clap::Parser;
        let cli = crate::cli::Cli::parse_from([
            "pedigree",
            "serve",
            "--allowed-hosts",
            "a.example,b.example:8443",
        ]);
        let hosts = cli.config().unwrap().server.allowed_hosts;
        let shown: Vec<String> = hosts.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["a.example", "b.example:8443"]);
    }
}
