//! The cross-origin rule: a state-changing request (anything but GET, HEAD and OPTIONS) sent
//! by a browser on behalf of another site is refused with a 403, and a CORS preflight gets
//! nothing permissive, so a hostile page can neither post a form nor script a request.
//!
//! How a request's origin is decided:
//! 1. `Authorization: Bearer …` with no `Cookie`: exempt. A page cannot attach a bearer
//!    token cross-site without a preflight, and the token is not ambient. Basic credentials
//!    are not exempt: browsers replay cached Basic credentials by themselves.
//! 2. `Origin` present: it must be this server's own: its `host[:port]` equal to the
//!    request's `Host`, or one of the listed names ([`super::hosts::HostAllowlist::lists`]).
//!    `Origin: null` (sandboxed frames, `file:` pages, some redirects) is refused.
//! 3. No `Origin` but `Sec-Fetch-Site`: only `same-origin` and `none` (typed by the user).
//! 4. Neither: not a browser (the `mlflow` client, curl), so there is no ambient credential
//!    to abuse: allowed.
use crate::state::AppState;
use axum::extract::Request;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::Response;

/// Why a request was judged cross-origin, or `None` when it may proceed.
pub fn refusal(
    method: &Method,
    headers: &HeaderMap,
    uri: &axum::http::Uri,
    hosts: &super::hosts::HostAllowlist,
) -> Option<&'static str> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return None;
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.get(..7))
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("bearer "));
    if bearer && !headers.contains_key(header::COOKIE) {
        return None;
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let Some(authority) = origin.to_str().ok().and_then(origin_authority) else {
            return Some("the request's Origin is not a web origin");
        };
        let host = super::hosts::request_host(headers, uri);
        let same = host.is_some_and(|h| same_authority(h, authority));
        return (!same && !hosts.lists(authority))
            .then_some("the request comes from another site's page");
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        None | Some("same-origin") | Some("none") => None,
        Some(_) => Some("the request comes from another site's page"),
    }
}

/// `http://host[:port]` or `https://…` → `host[:port]`; `None` for `null` or anything else.
fn origin_authority(origin: &str) -> Option<&str> {
    let rest = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))?;
    (!rest.is_empty() && !rest.contains(['/', '?', '#', '@'])).then_some(rest)
}

fn same_authority(a: &str, b: &str) -> bool {
    match (
        super::hosts::split_authority(a),
        super::hosts::split_authority(b),
    ) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// A CORS preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`.
pub fn is_preflight(method: &Method, headers: &HeaderMap) -> bool {
    *method == Method::OPTIONS
        && headers.contains_key(header::ORIGIN)
        && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

/// The refusal for a preflight (a 403 with no `Access-Control-Allow-*` header) or a
/// cross-origin state-changing request (a 403).
pub fn refuse(state: &AppState, req: &Request) -> Option<Response> {
    if is_preflight(req.method(), req.headers()) {
        return Some(crate::mlflow::error::error_response(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            "Cross-origin requests are not allowed",
        ));
    }
    let why = refusal(req.method(), req.headers(), req.uri(), &state.shell.hosts)?;
    Some(crate::mlflow::error::error_response(
        StatusCode::FORBIDDEN,
        "PERMISSION_DENIED",
        &format!("Cross-origin request refused: {why}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::hosts::{HostAllowlist, HostPattern};

    fn verdict(method: Method, pairs: &[(&str, &str)]) -> Option<&'static str> {
        let hosts = HostAllowlist::new(
            &[HostPattern::parse("pedigree.example.com").unwrap()],
            "127.0.0.1:3000".parse().unwrap(),
        );
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "127.0.0.1:3000".parse().unwrap());
        for (k, v) in pairs {
            h.insert(
                header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        refusal(&method, &h, &"/x".parse().unwrap(), &hosts)
    }

    #[test]
    fn same_origin_listed_and_non_browser_requests_pass() {
        assert_eq!(verdict(Method::POST, &[]), None);
        assert_eq!(
            verdict(Method::POST, &[("origin", "http://127.0.0.1:3000")]),
            None
        );
        assert_eq!(
            verdict(Method::POST, &[("origin", "http://localhost:3000")]),
            None
        );
        assert_eq!(
            verdict(
                Method::DELETE,
                &[("origin", "https://pedigree.example.com")]
            ),
            None
        );
        assert_eq!(
            verdict(Method::POST, &[("sec-fetch-site", "same-origin")]),
            None
        );
        assert_eq!(
            verdict(Method::GET, &[("origin", "https://evil.example")]),
            None
        );
    }

    #[test]
    fn foreign_null_and_cross_site_requests_are_refused() {
        for pairs in [
            &[("origin", "https://evil.example")][..],
            &[("origin", "null")],
            &[("origin", "http://127.0.0.1:3001")],
            &[("origin", "http://127.0.0.1:3000.evil.example")],
            &[("sec-fetch-site", "cross-site")],
            &[("sec-fetch-site", "same-site")],
            &[
                ("origin", "https://evil.example"),
                ("authorization", "Basic YTpi"),
            ],
            &[
                ("origin", "https://evil.example"),
                ("authorization", "Bearer t"),
                ("cookie", "a=b"),
            ],
        ] {
            assert!(verdict(Method::POST, pairs).is_some(), "{pairs:?}");
        }
    }

    #[test]
    fn a_bearer_token_without_cookies_is_exempt() {
        assert_eq!(
            verdict(
                Method::PUT,
                &[
                    ("origin", "https://evil.example"),
                    ("authorization", "Bearer t")
                ]
            ),
            None
        );
    }
}
