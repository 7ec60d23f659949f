//! The headers a browser sees: a page's CSP with a fresh nonce that its hydration script
//! carries, no framing, `nosniff` everywhere, and downloads that stay inert.
use crate::common::spawn;
use serde_json::json;

/// The nonce in the page's CSP header, and every `nonce="…"` in its HTML.
fn nonces(csp: &str, html: &str) -> (String, Vec<String>) {
    let at = csp.find("'nonce-").expect("a nonce in the CSP") + 7;
    let header = csp[at..].split('\'').next().unwrap().to_string();
    let in_html = html
        .split("nonce=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .collect();
    (header, in_html)
}

#[tokio::test]
async fn pages_carry_a_fresh_nonce_csp_and_no_framing_and_downloads_stay_inert() {
    let s = spawn().await;
    let mut seen = Vec::new();
    for (path, status) in [("/models", 200), ("/models", 200), ("/no/such/page", 404)] {
        let r = s.client.get(s.url(path)).send().await.unwrap();
        assert_eq!(r.status(), status, "{path}");
        let h = r.headers().clone();
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["referrer-policy"], "same-origin");
        let csp = h["content-security-policy"].to_str().unwrap().to_string();
        for part in [
            "frame-ancestors 'none'",
            "'wasm-unsafe-eval'",
            "object-src 'none'",
        ] {
            assert!(csp.contains(part), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        let html = r.text().await.unwrap();
        let (nonce, in_html) = nonces(&csp, &html);
        assert!(
            !in_html.is_empty(),
            "{path}: the hydration script carries the nonce: {html}"
        );
        assert!(
            in_html.iter().all(|n| *n == nonce),
            "{path}: {in_html:?} vs {nonce}"
        );
        seen.push(nonce);
    }
    assert_ne!(seen[0], seen[1], "a nonce is used once");

    let (_, run) = s.post("runs/create", json!({"experiment_id": "0"})).await;
    let run_id = run["run"]["info"]["run_id"].as_str().unwrap();
    let url = s.url(&format!(
        "/api/2.0/mlflow-artifacts/artifacts/0/{run_id}/artifacts/r.html"
    ));
    s.client
        .put(&url)
        .body("<script>alert(1)</script>")
        .send()
        .await
        .unwrap();
    let r = s.client.get(&url).send().await.unwrap();
    let h = r.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .starts_with("sandbox"));
    assert!(h["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let api = s
        .client
        .get(s.url("/api/2.0/mlflow/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
    assert_eq!(
        api.headers()["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
}
