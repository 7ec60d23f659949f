//! The native API's OpenAPI document describes the router: every path and method it lists
//! answers (anything but "no such endpoint" or "method not allowed"), and the routes
//! operators script against are in it.
use crate::common::spawn;
use serde_json::{json, Value};

#[tokio::test]
async fn the_document_lists_only_routes_that_exist() {
    let s = spawn().await;
    let resp = s
        .client
        .get(s.url("/api/pedigree/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let doc: Value = resp.json().await.unwrap();
    assert_eq!(status, 200, "{doc}");
    assert!(doc["openapi"].as_str().unwrap().starts_with('3'), "{doc}");
    let paths = doc["paths"].as_object().unwrap();
    for expected in [
        "/api/pedigree/v1/me",
        "/api/pedigree/v1/grants",
        "/api/pedigree/v1/audit/events",
        "/api/pedigree/v1/audit/export",
        "/api/pedigree/v1/audit/verify",
        "/api/pedigree/v1/models/{name}/holders",
        "/api/pedigree/v1/models/{name}/versions/{version}/rollback",
        "/api/pedigree/v1/models/{name}/review-policy",
        "/api/pedigree/v1/session",
    ] {
        assert!(paths.contains_key(expected), "{expected} missing");
    }
    let mut checked = 0;
    for (path, ops) in paths {
        let concrete = path
            .replace("{name}", "no-such-model")
            .replace("{version}", "1")
            .replace("{alias}", "champion");
        for method in ops.as_object().unwrap().keys() {
            let m: reqwest::Method = method.to_uppercase().parse().unwrap();
            let mut r = s.client.request(m.clone(), s.url(&concrete));
            if m != reqwest::Method::GET {
                r = r.json(&json!({}));
            }
            let resp = r.send().await.unwrap();
            let status = resp.status().as_u16();
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            let code = body["error_code"].as_str().unwrap_or("");
            assert!(
                code != "ENDPOINT_NOT_FOUND" && code != "METHOD_NOT_ALLOWED" && status < 500,
                "{method} {path}: {status} {body}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 19, "{checked} operations");
}
