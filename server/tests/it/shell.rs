//! Black-box tests of the request shell every request passes, against the real server on
//! port 0: what a browser, a hostile page or an API client would notice. Here: the host
//! allowlist, the origin rule, 415 for non-JSON bodies, JSON answers on every API path, 401
//! before routing and the request timeout; [`headers`] has the pages' and downloads'
//! headers, [`get_artifact`] MLflow's `/get-artifact` routes.
mod get_artifact;
mod headers;

use crate::common::{assert_error, spawn, spawn_with, Server};
use pedigree_server::config::Layer;
use reqwest::Method;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends `head` (request line and headers, without the final blank line) and `body` over
/// a raw connection, so no header is added or fixed up; returns the status and the text.
async fn raw(s: &Server, head: &str, body: &str) -> (u16, String) {
    let addr = s.base.trim_start_matches("http://");
    let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("{head}\r\nConnection: close\r\n\r\n{body}");
    c.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    c.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}

fn port(s: &Server) -> &str {
    s.base.rsplit(':').next().unwrap()
}

#[tokio::test]
async fn a_rebinding_host_is_refused_and_the_servers_own_names_are_served() {
    let s = spawn().await;
    let p = port(&s);
    for path in [
        "/models",
        "/api/2.0/mlflow/experiments/search?max_results=1",
    ] {
        let (status, text) = raw(
            &s,
            &format!("GET {path} HTTP/1.1\r\nHost: evil.example:{p}"),
            "",
        )
        .await;
        assert_eq!(status, 400, "{path}: {text}");
        assert!(text.contains("\"error_code\":\"BAD_REQUEST\""), "{text}");
        for host in [
            format!("localhost:{p}"),
            format!("127.0.0.1:{p}"),
            format!("[::1]:{p}"),
        ] {
            let (status, text) = raw(&s, &format!("GET {path} HTTP/1.1\r\nHost: {host}"), "").await;
            assert_eq!(status, 200, "{path} as {host}: {text}");
        }
    }
    let (status, _) = raw(&s, "GET /models HTTP/1.1\r\nHost: localhost:1", "").await;
    assert_eq!(
        status, 400,
        "the loopback names count with this server's port"
    );

    // A deployment names itself; the loopback names stay for local checks.
    let s = spawn_with(Layer::default().allowed_hosts(&["pedigree.example.com"])).await;
    let p = port(&s);
    for (host, want) in [
        ("pedigree.example.com".to_string(), 200),
        (format!("pedigree.example.com:{p}"), 200),
        (format!("127.0.0.1:{p}"), 200),
        ("evil.example".to_string(), 400),
        ("10.0.0.5".to_string(), 400),
    ] {
        let (status, text) = raw(&s, &format!("GET /health HTTP/1.1\r\nHost: {host}"), "").await;
        assert_eq!(status, want, "{host}: {text}");
    }
}

#[tokio::test]
async fn bound_to_all_interfaces_without_a_list_only_ip_literals_and_localhost_are_served() {
    let mut layer = Layer::default();
    layer.server.host = Some("0.0.0.0".parse().unwrap());
    let mut s = spawn_with(layer).await;
    let p = port(&s).to_string();
    s.base = format!("http://127.0.0.1:{p}");
    for (host, want) in [
        (format!("10.1.2.3:{p}"), 200),
        (format!("[fe80::1]:{p}"), 200),
        (format!("localhost:{p}"), 200),
        (format!("pedigree.example.com:{p}"), 400),
        (format!("evil.example:{p}"), 400),
    ] {
        let (status, text) = raw(&s, &format!("GET /health HTTP/1.1\r\nHost: {host}"), "").await;
        assert_eq!(status, want, "{host}: {text}");
    }
}

#[tokio::test]
async fn a_cross_site_form_post_is_refused_and_same_origin_posts_pass() {
    let s = spawn().await;
    let create = s.url("/api/2.0/mlflow/experiments/create");
    let own = s.base.clone();
    // The form a hostile page auto-submits: refused before it reaches the handler.
    for ct in [
        "application/x-www-form-urlencoded",
        "text/plain",
        "application/json",
    ] {
        let r = s
            .client
            .post(&create)
            .header("origin", "https://evil.example")
            .header("content-type", ct)
            .body(r#"{"name": "pwned"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{ct}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error_code"], "PERMISSION_DENIED", "{body}");
    }
    let cross_site = s
        .client
        .post(&create)
        .header("sec-fetch-site", "cross-site")
        .json(&json!({"name": "pwned"}))
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403);
    let (status, _) = s.get("experiments/get-by-name?experiment_name=pwned").await;
    assert_eq!(status, 404, "nothing was created");

    // The dashboard's own calls, and non-browser clients, pass.
    let r = s
        .client
        .post(&create)
        .header("origin", &own)
        .json(&json!({"name": "mine"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let call = |origin: &str| {
        s.client
            .post(s.url("/_app/models/list"))
            .header("origin", origin)
            .header("content-type", "application/x-www-form-urlencoded")
            .send()
    };
    assert_eq!(call(&own).await.unwrap().status(), 200);
    assert_eq!(call("https://evil.example").await.unwrap().status(), 403);

    // A preflight gets nothing that would let the real request through.
    let r = s
        .client
        .request(Method::OPTIONS, &create)
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(!r.status().is_success(), "{}", r.status());
    assert!(
        !r.headers()
            .keys()
            .any(|k| k.as_str().starts_with("access-control-allow")),
        "{:?}",
        r.headers()
    );
}

#[tokio::test]
async fn a_bearer_token_without_cookies_is_exempt_from_the_origin_rule() {
    let s = spawn().await;
    let system = pedigree_core::user::Actor::system();
    let alice = pedigree_core::UserName::parse("alice").unwrap();
    s.registry
        .create_user(&system, alice.clone(), String::new(), false)
        .await
        .unwrap();
    let token = s
        .registry
        .issue_token(&system, &alice, "t")
        .await
        .unwrap()
        .secret;
    let post = |name: &str| {
        s.client
            .post(s.url("/api/2.0/mlflow/registered-models/create"))
            .header("origin", "https://tool.example")
            .bearer_auth(&token)
            .json(&json!({ "name": name }))
    };
    assert_eq!(post("by-token").send().await.unwrap().status(), 200);
    let with_cookie = post("by-cookie")
        .header("cookie", "s=1")
        .send()
        .await
        .unwrap();
    assert_eq!(with_cookie.status(), 403);
}

#[tokio::test]
async fn a_json_endpoint_answers_415_to_text_forms_and_no_content_type() {
    let s = spawn().await;
    let create = s.url("/api/2.0/mlflow/registered-models/create");
    for ct in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut r = s.client.post(&create).body(r#"{"name": "m"}"#);
        if let Some(ct) = ct {
            r = r.header("content-type", ct);
        }
        let r = r.send().await.unwrap();
        assert_eq!(r.status(), 415, "{ct:?}");
        let body: Value = r.json().await.unwrap();
        assert!(body["error_code"].is_string(), "{body}");
    }
    let r = s
        .client
        .post(&create)
        .header("content-type", "application/json; charset=utf-8")
        .body(r#"{"name": "m"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Not JSON endpoints: unknown paths stay 404, uploads are raw bytes.
    let r = s
        .client
        .post(s.url("/api/2.0/mlflow/no-such-endpoint"))
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let (_, run) = s.post("runs/create", json!({"experiment_id": "0"})).await;
    let run_id = run["run"]["info"]["run_id"].as_str().unwrap();
    let put = s
        .client
        .put(s.url(&format!(
            "/api/2.0/mlflow-artifacts/artifacts/0/{run_id}/artifacts/a.bin"
        )))
        .body(vec![1u8, 2, 3])
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
}

#[tokio::test]
async fn api_paths_answer_json_and_never_the_html_app() {
    let s = spawn().await;
    for (method, path, status, code) in [
        (Method::GET, "/graphql", 404, "ENDPOINT_NOT_FOUND"),
        (Method::POST, "/graphql", 404, "ENDPOINT_NOT_FOUND"),
        (Method::GET, "/graphql/schema", 404, "ENDPOINT_NOT_FOUND"),
        (Method::POST, "/v1/traces", 404, "ENDPOINT_NOT_FOUND"),
        (Method::GET, "/api", 404, "ENDPOINT_NOT_FOUND"),
        (
            Method::GET,
            "/api/2.0/mlflow/nope",
            404,
            "ENDPOINT_NOT_FOUND",
        ),
        (
            Method::GET,
            "/ajax-api/2.0/mlflow/nope",
            404,
            "ENDPOINT_NOT_FOUND",
        ),
        (Method::GET, "/get-artifact/x", 404, "ENDPOINT_NOT_FOUND"),
        (Method::POST, "/get-artifact", 405, "METHOD_NOT_ALLOWED"),
        (
            Method::DELETE,
            "/model-versions/get-artifact",
            405,
            "METHOD_NOT_ALLOWED",
        ),
        (Method::POST, "/version", 405, "METHOD_NOT_ALLOWED"),
    ] {
        let got = s.call(method, path, json!({})).await;
        assert_error(&got, status, code);
    }
}

#[tokio::test]
async fn with_require_auth_every_api_path_answers_401_before_routing() {
    let s = spawn_with(Layer::default().require_auth(true)).await;
    for (method, path) in [
        (Method::GET, "/graphql"),
        (Method::POST, "/v1/traces"),
        (Method::GET, "/api/2.0/mlflow/no-such-endpoint"),
        (Method::DELETE, "/api/2.0/mlflow/experiments/search"),
        (Method::GET, "/ajax-api/2.0/mlflow/experiments/search"),
        (Method::GET, "/get-artifact?path=a&run_uuid=b"),
        (
            Method::GET,
            "/model-versions/get-artifact?path=a&name=m&version=1",
        ),
        (Method::PUT, "/api/2.0/mlflow-artifacts/artifacts/x"),
        (Method::GET, "/version"),
    ] {
        let got = s.call(method, path, json!({})).await;
        assert_error(&got, 401, "UNAUTHENTICATED");
    }
    let system = pedigree_core::user::Actor::system();
    let alice = pedigree_core::UserName::parse("alice").unwrap();
    s.registry
        .create_user(&system, alice.clone(), String::new(), false)
        .await
        .unwrap();
    let token = s
        .registry
        .issue_token(&system, &alice, "t")
        .await
        .unwrap()
        .secret;
    let r = s
        .client
        .get(s.url("/graphql"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "authenticated, it is routed");
    // The dashboard has no sign-in yet: it still reads.
    assert_eq!(
        s.client
            .get(s.url("/models"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        s.client
            .get(s.url("/health"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn an_upload_that_stalls_longer_than_the_timeout_is_cut_off() {
    let mut layer = Layer::default();
    layer.server.request_timeout_secs = Some(1);
    let s = spawn_with(layer).await;
    let (_, run) = s.post("runs/create", json!({"experiment_id": "0"})).await;
    let run_id = run["run"]["info"]["run_id"].as_str().unwrap().to_string();
    let path = format!("/api/2.0/mlflow-artifacts/artifacts/0/{run_id}/artifacts/slow.bin");
    let head = format!(
        "PUT {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: 100",
        s.base.trim_start_matches("http://")
    );
    let (status, text) = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        raw(&s, &head, "only a few bytes"),
    )
    .await
    .expect("the server gives up on the stalled body");
    assert_eq!(status, 400, "{text}");
    let r = s.client.get(s.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 404, "nothing was stored");
}
