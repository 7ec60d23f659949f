//! Black-box tests of the MLflow API against the real server on port 0: shapes, error codes
//! and statuses, artifacts, credentials. The real `mlflow` client runs the full workflow in
//! `tests/mlflow/`; these pin the edges a client does not exercise.
use crate::common::{assert_error, servers, servers_with};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn unknown_endpoints_wrong_methods_and_bad_json_answer_in_mlflows_shape() {
    for s in servers().await {
        assert_error(&s.get("no/such/endpoint").await, 404, "ENDPOINT_NOT_FOUND");
        assert_error(
            &s.call(Method::DELETE, "/api/2.0/mlflow/runs/get", json!({}))
                .await,
            405,
            "METHOD_NOT_ALLOWED",
        );
        let r = s
            .client
            .post(s.url("/api/2.0/mlflow/runs/create"))
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(
            r.json::<serde_json::Value>().await.unwrap()["error_code"],
            "INVALID_PARAMETER_VALUE"
        );
        assert_error(
            &s.post(
                "runs/log-metric",
                json!({"run_id": "x".repeat(32), "key": "k", "value": "not-a-number"}),
            )
            .await,
            400,
            "INVALID_PARAMETER_VALUE",
        );
        assert_error(
            &s.post(
                "runs/log-metric",
                json!({"run_id": "0".repeat(32), "key": "k"}),
            )
            .await,
            400,
            "INVALID_PARAMETER_VALUE",
        );
        assert_error(
            &s.post("registered-models/create", json!({"name": "bad\u{0}name"}))
                .await,
            400,
            "INVALID_PARAMETER_VALUE",
        );
        assert_error(
            &s.post("registered-models/create", json!({"name": "x".repeat(501)}))
                .await,
            400,
            "INVALID_PARAMETER_VALUE",
        );
    }
}

#[tokio::test]
async fn set_experiment_flow_and_run_lifecycle() {
    for s in servers().await {
        assert_error(
            &s.get("experiments/get-by-name?experiment_name=fraud").await,
            404,
            "RESOURCE_DOES_NOT_EXIST",
        );
        let (st, created) = s.post("experiments/create", json!({"name": "fraud"})).await;
        assert_eq!(st, 200);
        let exp = created["experiment_id"].as_str().unwrap().to_string();
        let (_, got) = s.get(&format!("experiments/get?experiment_id={exp}")).await;
        assert_eq!(
            got["experiment"]["artifact_location"],
            format!("mlflow-artifacts:/{exp}")
        );
        assert_error(
            &s.post("experiments/create", json!({"name": "fraud"})).await,
            400,
            "RESOURCE_ALREADY_EXISTS",
        );
        assert_error(
            &s.post(
                "experiments/create",
                json!({"name": "elsewhere", "artifact_location": "file:///etc"}),
            )
            .await,
            400,
            "INVALID_PARAMETER_VALUE",
        );

        let (st, run) = s.post("runs/create", json!({"experiment_id": exp, "start_time": 1_700_000_000_000i64, "tags": [{"key": "mlflow.user", "value": "ana"}]})).await;
        assert_eq!(st, 200, "{run}");
        let run_id = run["run"]["info"]["run_id"].as_str().unwrap().to_string();
        assert_eq!(run["run"]["info"]["run_uuid"], run_id);
        assert_eq!(
            run["run"]["info"]["artifact_uri"],
            format!("mlflow-artifacts:/{exp}/{run_id}/artifacts")
        );
        assert!(!run["run"]["info"]["run_name"].as_str().unwrap().is_empty());
        // Protobuf JSON sends NaN as a string; both ids together, as clients do.
        let (st, _) = s.post("runs/log-metric", json!({"run_id": run_id, "run_uuid": run_id, "key": "loss", "value": "NaN", "timestamp": 1, "step": 0})).await;
        assert_eq!(st, 200);
        let metrics: Vec<_> = (1..=30)
            .map(|i| json!({"key": "loss", "value": 1.0 / i as f64, "timestamp": i, "step": i}))
            .collect();
        assert_eq!(
        s.post(
            "runs/log-batch",
            json!({"run_id": run_id, "metrics": metrics, "params": [{"key": "lr", "value": "0.1"}]})
        )
        .await
        .0,
        200
    );
        let (_, h) = s
            .get(&format!(
                "metrics/get-history?run_id={run_id}&metric_key=loss&max_results=10"
            ))
            .await;
        assert_eq!(h["metrics"].as_array().unwrap().len(), 10);
        assert_eq!(h["metrics"][0]["value"], "NaN");
        let token = h["next_page_token"].as_str().unwrap();
        let (_, h2) = s
            .get(&format!(
            "metrics/get-history?run_id={run_id}&metric_key=loss&max_results=25&page_token={token}"
        ))
            .await;
        assert_eq!(h2["metrics"].as_array().unwrap().len(), 21);
        assert!(
            h2.get("next_page_token").is_none(),
            "last page has no token"
        );
        assert_error(
            &s.get(&format!(
                "metrics/get-history?run_id={run_id}&metric_key=loss&page_token=forged"
            ))
            .await,
            400,
            "INVALID_PARAMETER_VALUE",
        );
        assert_error(
            &s.post(
                "runs/log-parameter",
                json!({"run_id": run_id, "key": "lr", "value": "0.2"}),
            )
            .await,
            400,
            "INVALID_PARAMETER_VALUE",
        );

        let (st, found) = s
        .post(
            "runs/search",
            json!({"experiment_ids": [exp], "filter": "metrics.loss < 0.5 and params.lr = '0.1'"}),
        )
        .await;
        assert_eq!(st, 200, "{found}");
        assert_eq!(found["runs"].as_array().unwrap().len(), 1);
        let bad = s
            .post(
                "runs/search",
                json!({"experiment_ids": [exp], "filter": "metrics.auc >"}),
            )
            .await;
        assert_error(&bad, 400, "INVALID_PARAMETER_VALUE");

        assert_eq!(
            s.post("runs/delete", json!({"run_id": run_id})).await.0,
            200
        );
        let (_, gone) = s
            .post("runs/search", json!({"experiment_ids": [exp]}))
            .await;
        assert!(gone.get("runs").is_none(), "{gone}");
        assert_eq!(
            s.post("runs/restore", json!({"run_id": run_id})).await.0,
            200
        );
        let (_, got) = s.get(&format!("runs/get?run_id={run_id}")).await;
        assert_eq!(got["run"]["info"]["lifecycle_stage"], "active");
        assert_error(
            &s.get(&format!("runs/get?run_id={}", "f".repeat(32))).await,
            404,
            "RESOURCE_DOES_NOT_EXIST",
        );
        assert_error(
            &s.get(&format!(
                "metrics/get-history?run_id={}&metric_key=loss",
                "f".repeat(32)
            ))
            .await,
            404,
            "RESOURCE_DOES_NOT_EXIST",
        );
    }
}

async fn run_with_model(s: &crate::common::Server) -> (String, String) {
    let (_, run) = s.post("runs/create", json!({"experiment_id": "0"})).await;
    let run_id = run["run"]["info"]["run_id"].as_str().unwrap().to_string();
    let put = s
        .client
        .put(s.url(&format!(
            "/api/2.0/mlflow-artifacts/artifacts/0/{run_id}/artifacts/model/model.pkl"
        )))
        .body(vec![42u8; 3000])
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    (
        run_id.clone(),
        format!("mlflow-artifacts:/0/{run_id}/artifacts/model"),
    )
}

#[tokio::test]
async fn registry_errors_have_mlflows_codes_and_statuses() {
    for s in servers().await {
        assert_error(
            &s.get("registered-models/get?name=does-not-exist").await,
            404,
            "RESOURCE_DOES_NOT_EXIST",
        );
        assert_eq!(
            s.post("registered-models/create", json!({"name": "fd"}))
                .await
                .0,
            200
        );
        assert_error(
            &s.post("registered-models/create", json!({"name": "fd"}))
                .await,
            400,
            "RESOURCE_ALREADY_EXISTS",
        );
        let (run_id, source) = run_with_model(&s).await;
        let (st, v) = s
            .post(
                "model-versions/create",
                json!({"name": "fd", "source": source, "run_id": run_id}),
            )
            .await;
        assert_eq!(st, 200, "{v}");
        assert_eq!(v["model_version"]["version"], "1");
        assert_eq!(v["model_version"]["status"], "READY");
        assert_error(
            &s.post(
                "model-versions/transition-stage",
                json!({"name": "fd", "version": "1", "stage": "Bogus"}),
            )
            .await,
            400,
            "INVALID_PARAMETER_VALUE",
        );
        assert_error(
            &s.get("registered-models/alias?name=fd&alias=nope").await,
            400,
            "INVALID_PARAMETER_VALUE",
        );
        assert_error(
            &s.get("model-versions/get?name=fd&version=9").await,
            404,
            "RESOURCE_DOES_NOT_EXIST",
        );
        assert_error(
            &s.post(
                "model-versions/create",
                json!({"name": "fd", "source": "file:///etc/passwd"}),
            )
            .await,
            400,
            "INVALID_PARAMETER_VALUE",
        );
        // The prompt-guard search clause clients always send must match models without the tag.
        let r = s
            .client
            .get(s.url("/api/2.0/mlflow/registered-models/search"))
            .query(&[
                (
                    "filter",
                    "name LIKE 'f%' AND tag.`mlflow.prompt.is_prompt` != 'true'",
                ),
                ("max_results", "10"),
            ])
            .send()
            .await
            .unwrap();
        let found: serde_json::Value = r.json().await.unwrap();
        assert_eq!(found["registered_models"][0]["name"], "fd", "{found}");
        // DELETE with a JSON body, as clients send it.
        assert_eq!(
            s.call(
                Method::DELETE,
                "/api/2.0/mlflow/model-versions/delete",
                json!({"name": "fd", "version": "1"})
            )
            .await
            .0,
            200
        );
    }
}

#[tokio::test]
async fn artifacts_stream_in_and_out_verified_and_frozen_after_registration() {
    for s in servers().await {
        let (run_id, source) = run_with_model(&s).await;
        let base = format!("/api/2.0/mlflow-artifacts/artifacts/0/{run_id}/artifacts");
        let r = s
            .client
            .get(s.url(&format!("{base}/model/model.pkl")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        assert!(r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment"));
        assert_eq!(r.bytes().await.unwrap().as_ref(), &[42u8; 3000][..]);
        // An uploaded HTML page is served inert.
        s.client
            .put(s.url(&format!("{base}/report.html")))
            .body("<script>alert(1)</script>")
            .send()
            .await
            .unwrap();
        let r = s
            .client
            .get(s.url(&format!("{base}/report.html")))
            .send()
            .await
            .unwrap();
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain"));
        // Listing: basenames, directories without sizes; a file path or missing dir lists as {}.
        let list: serde_json::Value = s
            .client
            .get(s.url("/api/2.0/mlflow-artifacts/artifacts"))
            .query(&[("path", format!("0/{run_id}/artifacts"))])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            list["files"][0],
            json!({"path": "model", "is_dir": true}),
            "{list}"
        );
        assert_eq!(list["files"][1]["path"], "report.html");
        let empty: serde_json::Value = s
            .client
            .get(s.url("/api/2.0/mlflow-artifacts/artifacts"))
            .query(&[("path", format!("0/{run_id}/artifacts/nope"))])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(empty, json!({}));
        // A directory or a missing file is a JSON 404.
        let r = s
            .client
            .get(s.url(&format!("{base}/model")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        // Traversal and writes outside a run are refused.
        for bad in [
            "/api/2.0/mlflow-artifacts/artifacts/0/../../etc/passwd",
            "/api/2.0/mlflow-artifacts/artifacts/0/%2e%2e/x",
        ] {
            let r = s.client.put(s.url(bad)).body("x").send().await.unwrap();
            assert!(
                r.status() == 400 || r.status() == 404,
                "{bad}: {}",
                r.status()
            );
        }
        let r = s
            .client
            .put(s.url("/api/2.0/mlflow-artifacts/artifacts/0/loose.txt"))
            .body("x")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        // After registration the version's files cannot change.
        s.post("registered-models/create", json!({"name": "frozen"}))
            .await;
        assert_eq!(
            s.post(
                "model-versions/create",
                json!({"name": "frozen", "source": source, "run_id": run_id})
            )
            .await
            .0,
            200
        );
        let r = s
            .client
            .put(s.url(&format!("{base}/model/model.pkl")))
            .body("tampered")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409);
        let r = s
            .client
            .get(s.url(&format!("{base}/model/model.pkl")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.bytes().await.unwrap().len(), 3000);
    }
}

#[tokio::test]
async fn credentials_are_checked_on_every_route_and_recorded_as_the_actor() {
    for s in servers_with(pedigree_server::config::Layer::default().require_auth(true)).await {
        let system = pedigree_core::user::Actor::system();
        let alice = pedigree_core::UserName::parse("alice").unwrap();
        s.registry
            .create_user(&system, alice.clone(), String::new(), false)
            .await
            .unwrap();
        let token = s
            .registry
            .issue_token(&system, &alice, "test")
            .await
            .unwrap()
            .secret;
        assert_error(
            &s.post("registered-models/create", json!({"name": "m"}))
                .await,
            401,
            "UNAUTHENTICATED",
        );
        let r = s
            .client
            .get(s.url("/api/2.0/mlflow-artifacts/artifacts"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "artifact routes are guarded too");
        let r = s
            .client
            .post(s.url("/api/2.0/mlflow/registered-models/create"))
            .bearer_auth("pdg_wrong")
            .json(&json!({"name": "m"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let r = s
            .client
            .post(s.url("/api/2.0/mlflow/registered-models/create"))
            .bearer_auth(&token)
            .json(&json!({"name": "m"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let r = s
            .client
            .post(s.url("/api/2.0/mlflow/registered-models/set-tag"))
            .basic_auth("alice", Some(&token))
            .json(&json!({"name": "m", "key": "k", "value": "v"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let r = s
            .client
            .post(s.url("/api/2.0/mlflow/registered-models/set-tag"))
            .basic_auth("mallory", Some(&token))
            .json(&json!({"name": "m", "key": "k", "value": "v"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "a token only speaks for its own user");
        let filter = pedigree_core::audit::AuditFilter {
            model: Some(pedigree_core::ModelName::parse("m").unwrap()),
            ..Default::default()
        };
        let query = pedigree_core::audit::AuditQuery::new(filter);
        let events = s
            .registry
            .audit_events(&pedigree_core::user::Actor::system(), &query)
            .await
            .unwrap()
            .events;
        assert_eq!(events.len(), 2);
        assert!(events.iter().all(|e| e.actor == "alice"), "{events:?}");
    }
}

#[tokio::test]
async fn metric_values_come_back_from_get_history_with_the_bits_they_were_logged_with() {
    // The values of the bug report (`1/(s+3) + s·1e-7`: 44 of 500 came back one unit in
    // the last place off), signed zero, subnormals and extremes, sent as the shortest text
    // that round-trips, as Python's json does.
    let mut values: Vec<f64> = (0..500)
        .map(|s| 1.0 / (s as f64 + 3.0) + s as f64 * 1e-7)
        .collect();
    values.extend([
        -0.0,
        f64::from_bits(1),
        f64::MIN_POSITIVE,
        f64::MAX,
        f64::MIN,
        f64::from_bits(0x000f_ffff_ffff_ffff),
        0.1 + 0.2,
        1e23,
        9007199254740993.0,
    ]);
    for s in servers().await {
        let (_, run) = s.post("runs/create", json!({"experiment_id": "0"})).await;
        let run_id = run["run"]["info"]["run_id"].as_str().unwrap().to_string();
        let metrics: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                format!(
                    r#"{{"key": "loss", "value": {v:?}, "timestamp": 1700000000000, "step": {i}}}"#
                )
            })
            .collect();
        let body = format!(
            r#"{{"run_id": "{run_id}", "metrics": [{}]}}"#,
            metrics.join(", ")
        );
        let r = s
            .client
            .post(s.url("/api/2.0/mlflow/runs/log-batch"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        let (status, history) = s
            .get(&format!(
                "metrics/get-history?run_id={run_id}&metric_key=loss&max_results=1000"
            ))
            .await;
        assert_eq!(status, 200, "{history}");
        let back: Vec<f64> = history["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["value"].as_f64().unwrap())
            .collect();
        assert_eq!(back.len(), values.len());
        let changed: Vec<String> = values
            .iter()
            .zip(&back)
            .filter(|(a, b)| a.to_bits() != b.to_bits())
            .map(|(a, b)| format!("{a:?} -> {b:?}"))
            .collect();
        assert!(
            changed.is_empty(),
            "{} of {} values changed: {:?}",
            changed.len(),
            values.len(),
            &changed[..changed.len().min(5)]
        );
    }
}
