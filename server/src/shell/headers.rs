//! Security headers on every response, and the CSP nonce of every page.
//!
//! - Every response: `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
//!   `Referrer-Policy: same-origin`.
//! - HTML (the dashboard's pages, its 404 page): a `Content-Security-Policy` that runs
//!   scripts only from this origin or carrying this response's nonce (Leptos puts it on its
//!   hydration script and its inline resource scripts), lets the wasm instantiate
//!   (`'wasm-unsafe-eval'`), loads styles only from this origin and forbids framing.
//! - Anything else without a policy of its own: `default-src 'none'`, so a JSON body or a
//!   static file opened as a document runs nothing. Artifact downloads keep theirs
//!   (`sandbox`, see `crate::mlflow::artifacts`).
//!
//! The nonce is made here, before the page renders, and stored in the request's extensions
//! as a [`Nonce`]; `crate::routes` hands it to Leptos as context, so the page and this
//! header carry the same one.
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::response::Response;
use leptos::nonce::Nonce;

/// The policy for an HTML page whose scripts carry `nonce`.
pub fn page_policy(nonce: Option<&Nonce>) -> String {
    let nonce = nonce.map(|n| format!(" 'nonce-{n}'")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'{nonce} 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// What a response that is not a page gets when it has no policy of its own.
pub const INERT_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

fn is_html(h: &HeaderMap) -> bool {
    h.get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"))
}

/// Makes the nonce for a page request and stores it in the request's extensions.
pub fn prepare(req: &mut Request) -> Option<Nonce> {
    let page = matches!(*req.method(), Method::GET | Method::HEAD)
        && !super::is_api_path(req.uri().path());
    let nonce = page.then(Nonce::new);
    if let Some(n) = &nonce {
        req.extensions_mut().insert(n.clone());
    }
    nonce
}

/// Sets the headers on the response to a request [`prepare`] saw.
pub fn finish(resp: &mut Response, nonce: Option<&Nonce>) {
    let h = resp.headers_mut();
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    // A handler's own policy (an artifact's `sandbox`) is never loosened.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        let policy = if is_html(h) {
            HeaderValue::from_str(&page_policy(nonce)).ok()
        } else {
            Some(HeaderValue::from_static(INERT_POLICY))
        };
        if let Some(v) = policy {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_policy_allows_the_nonce_and_the_wasm_and_forbids_framing() {
        let n = Nonce::new();
        let p = page_policy(Some(&n));
        assert!(p.contains(&format!("'nonce-{n}'")), "{p}");
        assert!(p.contains("'wasm-unsafe-eval'"));
        assert!(p.contains("frame-ancestors 'none'"));
        assert!(!p.contains("unsafe-inline"));
        assert!(!page_policy(None).contains("nonce"));
    }
}
