//! Response compression for browsers: pages, server-function replies, stylesheets, scripts
//! and wasm go out gzip- or brotli-encoded when the client accepts it. The API paths do
//! not (the shell marks their responses [`Plain`]): scripts and serving fleets call them in
//! tight loops on fast networks, where compressing costs more server CPU than it saves, and
//! MLflow's own server does not either. Downloads never are: a response that names an
//! attachment keeps its bytes and its length as stored, so a client can check them against
//! the digest, resume with a range and stream at disk speed.
use axum::http::{header, HeaderMap};
use tower_http::compression::predicate::{Predicate, SizeAbove};
use tower_http::compression::CompressionLayer;

/// Bodies smaller than this are sent as they are: the encoding costs more than it saves.
const MIN_SIZE: u16 = 512;

/// The content types worth compressing.
const TEXT_TYPES: [&str; 8] = [
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/wasm",
    "image/svg+xml",
    "text/plain",
];

/// Marks a response the shell sends as it is (see the module's documentation).
#[derive(Debug, Clone, Copy)]
pub struct Plain;

/// Whether a response of these headers is compressed (before the size check).
pub fn compressible(headers: &HeaderMap) -> bool {
    if headers.contains_key(header::CONTENT_DISPOSITION)
        || headers.contains_key(header::CONTENT_ENCODING)
        || headers.contains_key(header::CONTENT_RANGE)
    {
        return false;
    }
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct.split(';').next().unwrap_or_default().trim();
    TEXT_TYPES.iter().any(|t| essence.eq_ignore_ascii_case(t))
}

#[derive(Clone, Copy)]
struct Text;

impl Predicate for Text {
    fn should_compress<B>(&self, response: &axum::http::Response<B>) -> bool
    where
        B: axum::body::HttpBody,
    {
        response.extensions().get::<Plain>().is_none() && compressible(response.headers())
    }
}

/// The layer, for every response the shell sends.
pub fn layer() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .gzip(true)
        .br(true)
        .compress_when(SizeAbove::new(MIN_SIZE).and(Text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn pages_and_json_are_compressed_downloads_are_not() {
        assert!(compressible(&with(&[(
            header::CONTENT_TYPE,
            "text/html; charset=utf-8"
        )])));
        assert!(compressible(&with(&[(
            header::CONTENT_TYPE,
            "application/wasm"
        )])));
        assert!(compressible(&with(&[(
            header::CONTENT_TYPE,
            "application/json"
        )])));
        assert!(!compressible(&with(&[
            (header::CONTENT_TYPE, "application/json"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"m.json\""
            ),
        ])));
        assert!(!compressible(&with(&[(
            header::CONTENT_TYPE,
            "application/octet-stream"
        )])));
        assert!(!compressible(&with(&[(
            header::CONTENT_TYPE,
            "text/event-stream"
        )])));
        assert!(!compressible(&HeaderMap::new()));
    }
}
