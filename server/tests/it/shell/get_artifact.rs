//! MLflow's UI artifact routes: `/get-artifact` and `/model-versions/get-artifact` serve
//! the file's bytes with a download's safe headers, and refuse traversal.
use crate::common::{servers, Server};
use serde_json::{json, Value};

/// A run with `model/MLmodel` and `model/page.html` in its artifacts, registered as `m` v1.
async fn run_with_files(s: &Server) -> String {
    let (_, run) = s.post("runs/create", json!({"experiment_id": "0"})).await;
    let run_id = run["run"]["info"]["run_id"].as_str().unwrap().to_string();
    for (file, body) in [
        ("MLmodel", "flavors: {}\n"),
        ("page.html", "<script>x()</script>"),
    ] {
        let url = format!("/api/2.0/mlflow-artifacts/artifacts/0/{run_id}/artifacts/model/{file}");
        let r = s.client.put(s.url(&url)).body(body).send().await.unwrap();
        assert_eq!(r.status(), 200, "{url}");
    }
    assert_eq!(
        s.post("registered-models/create", json!({"name": "m"}))
            .await
            .0,
        200
    );
    let (status, v) = s
        .post(
            "model-versions/create",
            json!({"name": "m", "source": format!("runs:/{run_id}/model"), "run_id": run_id}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    run_id
}

#[tokio::test]
async fn mlflows_get_artifact_routes_serve_the_files_and_refuse_traversal() {
    for s in servers().await {
        let run_id = run_with_files(&s).await;
        let run_file = |path: &str| {
            s.client
                .get(s.url("/get-artifact"))
                .query(&[("path", path), ("run_uuid", run_id.as_str())])
                .send()
        };
        let version_file = |path: &str| {
            s.client
                .get(s.url("/model-versions/get-artifact"))
                .query(&[("path", path), ("name", "m"), ("version", "1")])
                .send()
        };
        for r in [
            run_file("model/MLmodel").await.unwrap(),
            version_file("MLmodel").await.unwrap(),
        ] {
            assert_eq!(r.status(), 200);
            let h = r.headers().clone();
            assert_eq!(h["x-content-type-options"], "nosniff");
            assert!(h["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment"));
            assert!(h["content-security-policy"]
                .to_str()
                .unwrap()
                .starts_with("sandbox"));
            assert_eq!(r.text().await.unwrap(), "flavors: {}\n");
        }
        let html = version_file("page.html").await.unwrap();
        assert!(html.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain"));

        for bad in [
            "../MLmodel",
            "model/../../x",
            "/etc/passwd",
            "model/%2e%2e/x",
            "model\\MLmodel",
            "",
        ] {
            let r = run_file(bad).await.unwrap();
            assert_eq!(r.status(), 400, "run {bad:?}");
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["error_code"], "INVALID_PARAMETER_VALUE", "{body}");
            let r = version_file(bad).await.unwrap();
            assert_eq!(r.status(), 400, "version {bad:?}");
        }
        // Another run's files cannot be reached from this version's root.
        let r = version_file(&format!("../../{run_id}/artifacts/model/MLmodel"))
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(run_file("model/missing").await.unwrap().status(), 404);
        let r = s
            .client
            .get(s.url("/get-artifact?path=MLmodel&run_uuid=0000"))
            .send()
            .await
            .unwrap();
        assert!(r.status() == 400 || r.status() == 404, "{}", r.status());
        let r = s
            .client
            .get(s.url("/model-versions/get-artifact?path=MLmodel&name=m&version=9"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
    }
}

#[tokio::test]
async fn a_version_of_an_mlflow_3_logged_model_serves_the_models_files() {
    for s in servers().await {
        let (status, lm) = s.post("logged-models", json!({"experiment_id": "0"})).await;
        assert_eq!(status, 200, "{lm}");
        let id = lm["model"]["info"]["model_id"]
            .as_str()
            .unwrap()
            .to_string();
        let put = s
            .client
            .put(s.url(&format!(
                "/api/2.0/mlflow-artifacts/artifacts/0/models/{id}/artifacts/MLmodel"
            )))
            .body("flavors: {python_function: {}}\n")
            .send()
            .await
            .unwrap();
        assert_eq!(put.status(), 200);
        assert_eq!(
            s.post("registered-models/create", json!({"name": "lm"}))
                .await
                .0,
            200
        );
        let (status, v) = s
            .post(
                "model-versions/create",
                json!({"name": "lm", "source": format!("models:/{id}"), "model_id": id}),
            )
            .await;
        assert_eq!(status, 200, "{v}");
        let r = s
            .client
            .get(s.url("/model-versions/get-artifact"))
            .query(&[("path", "MLmodel"), ("name", "lm"), ("version", "1")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.text().await.unwrap(), "flavors: {python_function: {}}\n");
    }
}
