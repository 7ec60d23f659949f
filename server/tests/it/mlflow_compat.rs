//! What MLflow's own server tests check, pinned in ours: MLflow's wording where scripts
//! match on it (and a malformed id is "not found"), exact stage names, and the artifact
//! path rules on every listing, the non-proxied run listing included. External references
//! and MLflow 3 models are `mlflow_external`'s.
use crate::common::{assert_error, servers};
use serde_json::{json, Value};

pub fn message(got: &(u16, Value)) -> String {
    got.1["message"].as_str().unwrap_or_default().to_string()
}

pub async fn new_run(s: &crate::common::Server, exp: &str) -> String {
    let (st, run) = s
        .post(
            "runs/create",
            json!({"experiment_id": exp, "user_id": "unknown"}),
        )
        .await;
    assert_eq!(st, 200, "{run}");
    assert_eq!(
        run["run"]["info"]["user_id"], "unknown",
        "the user the client names"
    );
    run["run"]["info"]["run_id"].as_str().unwrap().to_string()
}

pub async fn put(s: &crate::common::Server, path: &str, body: &'static [u8]) -> u16 {
    s.client
        .put(s.url(&format!("/api/2.0/mlflow-artifacts/artifacts/{path}")))
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

pub async fn get_abs(s: &crate::common::Server, path: &str) -> (u16, Value) {
    let r = s.client.get(s.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn errors_use_mlflows_words_and_malformed_ids_are_not_found() {
    for s in servers().await {
        let got = s.post("experiments/create", json!({"name": 123})).await;
        assert_error(&got, 400, "INVALID_PARAMETER_VALUE");
        assert!(
            message(&got).contains("Invalid value 123 for parameter 'name' supplied"),
            "{got:?}"
        );
        let got = s
            .post("experiments/create", json!({"name": "e", "tags": "5"}))
            .await;
        assert!(
            message(&got).contains("Invalid value \"5\" for parameter 'tags'"),
            "{got:?}"
        );
        assert_eq!(
            s.post("experiments/create", json!({"name": "popular_name"}))
                .await
                .0,
            200
        );
        let got = s
            .post("experiments/create", json!({"name": "popular_name"}))
            .await;
        assert_error(&got, 400, "RESOURCE_ALREADY_EXISTS");
        assert_eq!(
            message(&got),
            "Experiment(name=popular_name) already exists."
        );
        let got = s.get("experiments/get?experiment_id=-1337").await;
        assert_error(&got, 404, "RESOURCE_DOES_NOT_EXIST");
        assert_eq!(message(&got), "No Experiment with id=-1337 exists");
        let got = s.get("logged-models/1234").await;
        assert_error(&got, 404, "RESOURCE_DOES_NOT_EXIST");
        assert_eq!(message(&got), "Logged model with ID '1234' not found.");
        let got = s
            .post(
                "runs/search",
                json!({"experiment_ids": ["0"], "max_results": 123456789}),
            )
            .await;
        assert_error(&got, 400, "INVALID_PARAMETER_VALUE");
        assert!(
            message(&got).contains("Invalid value 123456789 for parameter 'max_results' supplied"),
            "{got:?}"
        );
        // One value per param key per batch, as MLflow refuses it.
        let run = new_run(&s, "0").await;
        for (path, body, field) in [
            (
                "runs/log-metric",
                json!({"run_id": 31, "key": "m", "value": 1}),
                "Invalid value 31 for parameter 'run_id' supplied",
            ),
            (
                "runs/log-metric",
                json!({"run_id": run, "key": "m", "value": 1, "step": "foo"}),
                "Invalid value \"foo\" for parameter 'step' supplied",
            ),
            (
                "runs/set-tag",
                json!({"run_id": run, "key": "t", "value": 41}),
                "Invalid value 41 for parameter 'value' supplied",
            ),
            (
                "runs/log-parameter",
                json!({"run_id": run, "key": 31, "value": "v"}),
                "Invalid value 31 for parameter 'key' supplied",
            ),
        ] {
            let got = s.post(path, body).await;
            assert_error(&got, 400, "INVALID_PARAMETER_VALUE");
            assert!(message(&got).contains(field), "{path}: {got:?}");
        }
        let got = s
            .post(
                "runs/log-batch",
                json!({"run_id": run, "params": [{"key": "a", "value": "1"}, {"key": "a", "value": "2"}]}),
            )
            .await;
        assert_error(&got, 400, "INVALID_PARAMETER_VALUE");
        assert!(
            message(&got).contains("Duplicate parameter keys have been submitted"),
            "{got:?}"
        );
        let got = s
            .post(
                "runs/log-batch",
                json!({"run_id": run, "metrics": [{"key": "mae", "value": 2.5}]}),
            )
            .await;
        assert_error(&got, 400, "INVALID_PARAMETER_VALUE");
        assert!(
            message(&got).contains("Missing value for required parameter 'metrics[0].timestamp'"),
            "{got:?}"
        );
        let got = s
            .post(
                "runs/delete-tag",
                json!({"run_id": "fake_run_id", "key": "k"}),
            )
            .await;
        assert_error(&got, 404, "RESOURCE_DOES_NOT_EXIST");
        assert_eq!(message(&got), "Run with id=fake_run_id not found");
        // A missing tag does not satisfy `!=` in experiment search (MLflow joins on it).
        s.post(
            "experiments/create",
            json!({"name": "tagged", "tags": [{"key": "k", "value": "w"}]}),
        )
        .await;
        let (_, found) = s
            .post("experiments/search", json!({"filter": "tags.k != 'v'"}))
            .await;
        let names: Vec<&str> = found["experiments"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["name"].as_str())
            .collect();
        assert_eq!(names, ["tagged"]);
        // Nor in run search: only the run that has the tag.
        s.post(
            "runs/set-tag",
            json!({"run_id": run, "key": "t2", "value": "x"}),
        )
        .await;
        let _untagged = new_run(&s, "0").await;
        let (_, found) = s
            .post(
                "runs/search",
                json!({"experiment_ids": ["0"], "filter": "tags.t2 != 'qwerty'"}),
            )
            .await;
        let ids: Vec<&str> = found["runs"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["info"]["run_id"].as_str())
            .collect();
        assert_eq!(ids, [run.as_str()]);
    }
}

#[tokio::test]
async fn stages_are_exact_and_listings_follow_the_path_rules() {
    for s in servers().await {
        s.post("registered-models/create", json!({"name": "m"}))
            .await;
        let (st, _) = s
            .post(
                "model-versions/create",
                json!({"name": "m", "source": "s3://bucket/model"}),
            )
            .await;
        assert_eq!(st, 200);
        let transition = |stage: &str, archive: bool| json!({"name": "m", "version": "1", "stage": stage, "archive_existing_versions": archive});
        for (stage, archive) in [
            ("production ", false),
            (" Staging", false),
            ("Archived", true),
        ] {
            let got = s
                .post(
                    "model-versions/transition-stage",
                    transition(stage, archive),
                )
                .await;
            assert_error(&got, 400, "INVALID_PARAMETER_VALUE");
        }
        let (st, moved) = s
            .post(
                "model-versions/transition-stage",
                transition("archived", false),
            )
            .await;
        assert_eq!(
            (st, moved["model_version"]["current_stage"].as_str()),
            (200, Some("Archived"))
        );
        for bad in ["/etc", "../x", "0/../../etc"] {
            let got = get_abs(
                &s,
                &format!("/api/2.0/mlflow-artifacts/artifacts?path={bad}"),
            )
            .await;
            assert_error(&got, 400, "INVALID_PARAMETER_VALUE");
        }
        // The tracking API's own listing: run-relative paths under the run's root URI.
        let run = new_run(&s, "0").await;
        assert_eq!(
            put(&s, &format!("0/{run}/artifacts/a.txt"), b"0").await,
            200
        );
        assert_eq!(
            put(&s, &format!("0/{run}/artifacts/dir/b.txt"), b"1").await,
            200
        );
        let (st, top) = s.get(&format!("artifacts/list?run_id={run}")).await;
        assert_eq!(st, 200);
        assert_eq!(
            top["root_uri"],
            format!("mlflow-artifacts:/0/{run}/artifacts")
        );
        assert_eq!(
            top["files"],
            json!([{"path": "a.txt", "is_dir": false, "file_size": 1}, {"path": "dir", "is_dir": true}])
        );
        let (_, nested) = s
            .get(&format!("artifacts/list?run_id={run}&path=dir"))
            .await;
        assert_eq!(
            nested["files"],
            json!([{"path": "dir/b.txt", "is_dir": false, "file_size": 1}])
        );
        let got = s
            .get(&format!("artifacts/list?run_id={run}&path=../path"))
            .await;
        assert_error(&got, 400, "INVALID_PARAMETER_VALUE");
        assert_eq!(message(&got), "Invalid path");
        // Deleting a version changes its model: the model's update time moves on.
        let (_, before) = s.get("registered-models/get?name=m").await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let deleted = s
            .call(
                reqwest::Method::DELETE,
                "/api/2.0/mlflow/model-versions/delete",
                json!({"name": "m", "version": "1"}),
            )
            .await;
        assert_eq!(deleted.0, 200, "{deleted:?}");
        let (_, after) = s.get("registered-models/get?name=m").await;
        let updated = |m: &Value| m["registered_model"]["last_updated_timestamp"].as_i64();
        assert!(updated(&after) > updated(&before), "{before} {after}");
    }
}
