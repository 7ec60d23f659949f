//! Identical reads answered with the bytes of the identical earlier answer: for the MLflow
//! reads that clients and serving fleets repeat (a model, a version, an alias, the latest
//! versions, a page of versions, a run, a metric's history, an experiment), a 200 JSON
//! response is kept under its exact request (method, path and query, body, actor) and the
//! registry's read generation (`pedigree_core::service::cache`). It is replayed while no
//! write has committed since; any write makes every kept answer stale. Serialising the
//! response was most of a cached read's CPU (a page of 50 versions is ~1,000 JSON nodes).
//!
//! Only where the registry caches (SQLite, one server per database): without a generation
//! nothing is kept. Run search is not replayed: its figures measure the search itself.
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::Response;
use pedigree_core::user::Actor;
use std::collections::HashMap;
use std::sync::Mutex;

/// The reads that are replayed, after `/api/2.0/mlflow` or `/ajax-api/2.0/mlflow`, and
/// whether their POST form is a read too.
const READS: &[(&str, bool)] = &[
    ("/registered-models/get", false),
    ("/registered-models/alias", false),
    ("/registered-models/get-latest-versions", true),
    ("/model-versions/get", false),
    ("/model-versions/search", false),
    ("/runs/get", false),
    ("/metrics/get-history", false),
    ("/experiments/get", false),
    ("/experiments/get-by-name", false),
];

/// A read's body is small; a larger one is simply not replayed.
const MAX_BODY: usize = 64 * 1024;
/// What the kept answers may hold in all; past it they start over.
const BUDGET: usize = 32 * 1024 * 1024;

#[derive(PartialEq, Eq, Hash)]
struct Key {
    post: bool,
    uri: String,
    body: Bytes,
    actor: String,
}

/// The kept answers by request, each with the generation it was made at, and their size.
type Kept = (HashMap<Key, (u64, Bytes)>, usize);

#[derive(Default)]
pub struct Replay {
    kept: Mutex<Kept>,
}

/// A request that may be replayed, with what it takes to keep its answer.
pub struct Pending {
    key: Key,
    generation: u64,
}

fn is_read(req: &Request) -> bool {
    let post = match *req.method() {
        Method::GET => false,
        Method::POST => true,
        _ => return false,
    };
    let path = req.uri().path();
    let Some(rest) = path
        .strip_prefix("/api/2.0/mlflow")
        .or_else(|| path.strip_prefix("/ajax-api/2.0/mlflow"))
    else {
        return false;
    };
    READS
        .iter()
        .any(|(p, post_reads)| *p == rest && (!post || *post_reads))
}

impl Replay {
    /// The kept answer for `req`, or what `keep` needs to keep the answer about to be made.
    /// A POST's body is read here and put back.
    pub async fn lookup(
        &self,
        state: &AppState,
        req: Request,
    ) -> (Request, Result<Response, Option<Pending>>) {
        let Some(generation) = state.reg.read_generation() else {
            return (req, Err(None));
        };
        if !is_read(&req) {
            return (req, Err(None));
        }
        // A POST's body is read only when it says it is small: a larger or unsized one
        // goes to its handler untouched, never cut short.
        let post = *req.method() == Method::POST;
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if post && declared.is_none_or(|n| n > MAX_BODY) {
            return (req, Err(None));
        }
        let (parts, body) = req.into_parts();
        let body = if post {
            match axum::body::to_bytes(body, MAX_BODY).await {
                Ok(b) => b,
                // The client broke off its body: nothing is left to answer.
                Err(_) => {
                    return (
                        Request::from_parts(parts, Body::empty()),
                        Ok(crate::mlflow::error::error_response(
                            StatusCode::BAD_REQUEST,
                            "INVALID_PARAMETER_VALUE",
                            "Could not read the request body",
                        )),
                    )
                }
            }
        } else {
            Bytes::new()
        };
        let key = Key {
            post: parts.method == Method::POST,
            uri: parts.uri.to_string(),
            body: body.clone(),
            actor: parts
                .extensions
                .get::<Actor>()
                .map(|a| a.name().to_string())
                .unwrap_or_default(),
        };
        let req = Request::from_parts(parts, Body::from(body));
        let hit = {
            let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
            kept.0
                .get(&key)
                .filter(|(g, _)| *g == generation)
                .map(|(_, b)| b.clone())
        };
        match hit {
            Some(bytes) => (req, Ok(json_response(bytes))),
            None => (req, Err(Some(Pending { key, generation }))),
        }
    }

    /// Keeps a 200 JSON answer, buffered whole (these are small), unless a write committed
    /// while it was made.
    pub async fn keep(&self, state: &AppState, pending: Pending, resp: Response) -> Response {
        let is_json = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
        // Only a body of known size that fits is kept; anything else streams on as made.
        let sized = axum::body::HttpBody::size_hint(resp.body())
            .exact()
            .is_some_and(|n| n <= BUDGET as u64);
        if resp.status() != StatusCode::OK || !is_json || !sized {
            return resp;
        }
        let (parts, body) = resp.into_parts();
        let bytes = match axum::body::to_bytes(body, BUDGET).await {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, "replay: a sized response body failed");
                return crate::mlflow::error::error_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "INTERNAL_ERROR",
                    "The response could not be produced",
                );
            }
        };
        if state.reg.read_generation() == Some(pending.generation) {
            let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
            let size = bytes.len() + pending.key.uri.len() + pending.key.body.len();
            if kept.1 + size > BUDGET {
                kept.0.clear();
                kept.1 = 0;
            }
            if size <= BUDGET {
                if let Some((_, old)) = kept
                    .0
                    .insert(pending.key, (pending.generation, bytes.clone()))
                {
                    kept.1 -= old.len();
                }
                kept.1 += size;
            }
        }
        Response::from_parts(parts, Body::from(bytes))
    }
}

fn json_response(bytes: Bytes) -> Response {
    let mut resp = Response::new(Body::from(bytes));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: Method, uri: &str) -> Request {
        Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .unwrap()
    }

    #[test]
    fn only_the_listed_reads_are_replayed() {
        assert!(is_read(&req(
            Method::GET,
            "/api/2.0/mlflow/registered-models/get?name=a"
        )));
        assert!(is_read(&req(
            Method::GET,
            "/ajax-api/2.0/mlflow/runs/get?run_id=x"
        )));
        assert!(is_read(&req(
            Method::POST,
            "/api/2.0/mlflow/registered-models/get-latest-versions"
        )));
        // Setting an alias is a POST to the same path as reading one.
        assert!(!is_read(&req(
            Method::POST,
            "/api/2.0/mlflow/registered-models/alias"
        )));
        assert!(!is_read(&req(Method::POST, "/api/2.0/mlflow/runs/search")));
        assert!(!is_read(&req(
            Method::DELETE,
            "/api/2.0/mlflow/registered-models/get"
        )));
        assert!(!is_read(&req(Method::GET, "/api/2.0/mlflow/runs/get/x")));
    }
}
