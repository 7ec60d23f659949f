//! JSON bodies only as JSON: a POST, PUT or PATCH to a JSON endpoint must say
//! `Content-Type: application/json` (parameters such as `charset` allowed, and `+json`
//! types), otherwise 415. `text/plain`, forms and a missing type are what a hostile page
//! can send cross-site without a preflight; the `mlflow` clients (through `requests`'
//! `json=`) always send `application/json`. A DELETE may come without a body or type; if
//! it names a type, it must be JSON.
//!
//! Mounted with `route_layer` on the JSON routers only (`crate::mlflow`), so it runs after
//! routing: unknown paths still answer 404 and wrong methods 405. Not on artifact uploads
//! (raw bytes), and not on the dashboard's server functions under `/_app/`, which Leptos
//! posts form-encoded: those are same-origin calls, guarded by the origin rule
//! ([`super::origin`]).
use axum::extract::Request;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

/// Whether the request's `Content-Type` is a JSON media type.
pub fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|essence| {
            essence == "application/json"
                || essence
                    .strip_prefix("application/")
                    .is_some_and(|sub| sub.ends_with("+json"))
        })
}

/// Middleware: 415 for a body-carrying request to a JSON endpoint that is not JSON.
pub async fn require_json(req: Request, next: Next) -> Response {
    let must = match *req.method() {
        Method::POST | Method::PUT | Method::PATCH => true,
        Method::DELETE => req.headers().contains_key(header::CONTENT_TYPE),
        _ => false,
    };
    if must && !is_json(req.headers()) {
        return crate::mlflow::error::error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_REQUEST",
            "This endpoint reads a JSON body: send Content-Type: application/json",
        );
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(ct: Option<&str>) -> bool {
        let mut h = HeaderMap::new();
        if let Some(ct) = ct {
            h.insert(header::CONTENT_TYPE, ct.parse().unwrap());
        }
        is_json(&h)
    }

    #[test]
    fn only_json_media_types_count_as_json() {
        for ok in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/merge-patch+json",
        ] {
            assert!(with(Some(ok)), "{ok}");
        }
        for bad in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=x"),
            Some("text/json+plain"),
            Some("application/jsonp"),
        ] {
            assert!(!with(bad), "{bad:?}");
        }
    }
}
