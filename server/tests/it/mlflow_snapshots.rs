//! Response snapshots: every MLflow endpoint is called once in a realistic order and its
//! response, with ids and times normalised, is compared with `snapshots/mlflow_api.json`.
//! Runs on SQLite and PostgreSQL against the same snapshot, so both stores answer alike.
//! After an intended change, regenerate with `UPDATE_SNAPSHOTS=1`.
use crate::common::servers;
use reqwest::Method;
use serde_json::{json, Map, Value};

/// Replaces every run of 32 lowercase hex characters (run and model ids) with `<id>`.
fn mask_ids(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        let run = b[i..]
            .iter()
            .take_while(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
            .count();
        if run == 32 {
            out.push_str("<id>");
            i += 32;
        } else {
            let ch = s[i..].chars().next().unwrap_or('?');
            out.push(ch);
            i += ch.len_utf8().max(1);
        }
    }
    out
}

fn normalise(v: &Value, key: &str) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), normalise(v, k)))
                .collect::<Map<_, _>>(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| normalise(x, key)).collect()),
        Value::Number(_) if key.contains("time") || key.ends_with("_ms") => json!("<time>"),
        Value::String(s) if key == "run_name" => json!(if s.is_empty() { "" } else { "<name>" }),
        Value::String(s) if key == "next_page_token" => {
            json!(if s.is_empty() { "" } else { "<token>" })
        }
        Value::String(s) => Value::String(mask_ids(s)),
        other => other.clone(),
    }
}

#[tokio::test]
async fn every_endpoint_answers_in_its_recorded_shape() {
    for s in servers().await {
        let calls: std::cell::RefCell<Vec<(String, Value)>> = std::cell::RefCell::new(Vec::new());
        let call = async |label: &str, method: Method, path: &str, body: Value| -> Value {
            let (status, resp) = s.call(method, path, body).await;
            calls.borrow_mut().push((
                label.to_string(),
                json!({"status": status, "body": normalise(&resp, "")}),
            ));
            resp
        };
        let api = "/api/2.0/mlflow";
        let exp = call(
            "experiments/create",
            Method::POST,
            &format!("{api}/experiments/create"),
            json!({"name": "snap", "tags": [{"key": "team", "value": "risk"}]}),
        )
        .await;
        let exp = exp["experiment_id"].as_str().unwrap_or("0").to_string();
        call(
            "experiments/get",
            Method::GET,
            &format!("{api}/experiments/get?experiment_id={exp}"),
            json!(null),
        )
        .await;
        call(
            "experiments/get-by-name",
            Method::GET,
            &format!("{api}/experiments/get-by-name?experiment_name=snap"),
            json!(null),
        )
        .await;
        call(
            "experiments/search",
            Method::POST,
            &format!("{api}/experiments/search"),
            json!({"filter": "name = 'snap'", "max_results": 10}),
        )
        .await;
        call(
            "experiments/set-experiment-tag",
            Method::POST,
            &format!("{api}/experiments/set-experiment-tag"),
            json!({"experiment_id": exp, "key": "k", "value": "v"}),
        )
        .await;
        call(
            "experiments/update",
            Method::POST,
            &format!("{api}/experiments/update"),
            json!({"experiment_id": exp, "new_name": "snap2"}),
        )
        .await;
        let run = call("runs/create", Method::POST, &format!("{api}/runs/create"), json!({"experiment_id": exp, "run_name": "r1", "start_time": 1, "tags": [{"key": "mlflow.user", "value": "ana"}]})).await;
        let run_id = run["run"]["info"]["run_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        call("runs/log-metric", Method::POST, &format!("{api}/runs/log-metric"), json!({"run_id": run_id, "run_uuid": run_id, "key": "loss", "value": 0.5, "timestamp": 1, "step": 1})).await;
        call(
            "runs/log-parameter",
            Method::POST,
            &format!("{api}/runs/log-parameter"),
            json!({"run_id": run_id, "key": "lr", "value": "0.1"}),
        )
        .await;
        call(
            "runs/set-tag",
            Method::POST,
            &format!("{api}/runs/set-tag"),
            json!({"run_id": run_id, "key": "t", "value": "1"}),
        )
        .await;
        call(
            "runs/delete-tag",
            Method::POST,
            &format!("{api}/runs/delete-tag"),
            json!({"run_id": run_id, "key": "t"}),
        )
        .await;
        call("runs/log-batch", Method::POST, &format!("{api}/runs/log-batch"), json!({"run_id": run_id, "metrics": [{"key": "auc", "value": "NaN", "timestamp": 2, "step": 0}], "params": [{"key": "depth", "value": "6"}], "tags": [{"key": "mlflow.source.git.commit", "value": "abc"}]})).await;
        call("runs/log-inputs", Method::POST, &format!("{api}/runs/log-inputs"), json!({"run_id": run_id, "datasets": [{"tags": [{"key": "mlflow.data.context", "value": "training"}], "dataset": {"name": "tx", "digest": "d1", "source_type": "local", "source": "{}", "schema": "{}", "profile": "{}"}}]})).await;
        call(
            "runs/log-model",
            Method::POST,
            &format!("{api}/runs/log-model"),
            json!({"run_id": run_id, "model_json": "{\"artifact_path\": \"model\"}"}),
        )
        .await;
        call(
            "metrics/get-history",
            Method::GET,
            &format!("{api}/metrics/get-history?run_id={run_id}&metric_key=loss"),
            json!(null),
        )
        .await;
        let put = s
            .client
            .put(s.url(&format!(
                "/api/2.0/mlflow-artifacts/artifacts/{exp}/{run_id}/artifacts/model/MLmodel"
            )))
            .body("flavors: {}\n")
            .send()
            .await
            .unwrap();
        calls.borrow_mut().push((
            "artifacts PUT".into(),
            json!({"status": put.status().as_u16()}),
        ));
        call(
            "artifacts list",
            Method::GET,
            &format!("/api/2.0/mlflow-artifacts/artifacts?path={exp}/{run_id}/artifacts"),
            json!(null),
        )
        .await;
        call(
            "artifacts GET missing",
            Method::GET,
            &format!("/api/2.0/mlflow-artifacts/artifacts/{exp}/{run_id}/artifacts/nope"),
            json!(null),
        )
        .await;
        let lm = call("logged-models create", Method::POST, &format!("{api}/logged-models"), json!({"experiment_id": exp, "name": "model", "source_run_id": run_id, "params": [{"key": "lr", "value": "0.1"}]})).await;
        let model_id = lm["model"]["info"]["model_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        call(
            "runs/outputs",
            Method::POST,
            &format!("{api}/runs/outputs"),
            json!({"run_id": run_id, "models": [{"model_id": model_id, "step": 0}]}),
        )
        .await;
        call(
            "logged-models finalize",
            Method::PATCH,
            &format!("{api}/logged-models/{model_id}"),
            json!({"model_id": model_id, "status": "LOGGED_MODEL_READY"}),
        )
        .await;
        call(
            "logged-models tags",
            Method::PATCH,
            &format!("{api}/logged-models/{model_id}/tags"),
            json!({"tags": [{"key": "k", "value": "v"}]}),
        )
        .await;
        call(
            "logged-models get",
            Method::GET,
            &format!("{api}/logged-models/{model_id}"),
            json!(null),
        )
        .await;
        call(
            "logged-models search",
            Method::POST,
            &format!("{api}/logged-models/search"),
            json!({"experiment_ids": [exp], "filter": "name = 'model'"}),
        )
        .await;
        call(
            "runs/update",
            Method::POST,
            &format!("{api}/runs/update"),
            json!({"run_id": run_id, "status": "FINISHED", "end_time": 3}),
        )
        .await;
        call(
            "runs/get",
            Method::GET,
            &format!("{api}/runs/get?run_id={run_id}"),
            json!(null),
        )
        .await;
        call("runs/search", Method::POST, &format!("{api}/runs/search"), json!({"experiment_ids": [exp], "filter": "params.lr = '0.1'", "order_by": ["metrics.loss ASC"]})).await;
        call("registered-models/create", Method::POST, &format!("{api}/registered-models/create"), json!({"name": "snap-model", "description": "d", "tags": [{"key": "owner", "value": "ana"}]})).await;
        call("model-versions/create 2.x", Method::POST, &format!("{api}/model-versions/create"), json!({"name": "snap-model", "source": format!("mlflow-artifacts:/{exp}/{run_id}/artifacts/model"), "run_id": run_id})).await;
        call("model-versions/create 3.x", Method::POST, &format!("{api}/model-versions/create"), json!({"name": "snap-model", "source": format!("models:/{model_id}"), "model_id": model_id})).await;
        call(
            "model-versions/get",
            Method::GET,
            &format!("{api}/model-versions/get?name=snap-model&version=1"),
            json!(null),
        )
        .await;
        call(
            "model-versions/update",
            Method::PATCH,
            &format!("{api}/model-versions/update"),
            json!({"name": "snap-model", "version": "1", "description": "first"}),
        )
        .await;
        call(
            "model-versions/set-tag",
            Method::POST,
            &format!("{api}/model-versions/set-tag"),
            json!({"name": "snap-model", "version": "1", "key": "k", "value": "v"}),
        )
        .await;
        call(
            "model-versions/delete-tag",
            Method::DELETE,
            &format!("{api}/model-versions/delete-tag"),
            json!({"name": "snap-model", "version": "1", "key": "k"}),
        )
        .await;
        call("model-versions/transition-stage", Method::POST, &format!("{api}/model-versions/transition-stage"), json!({"name": "snap-model", "version": "1", "stage": "Production", "archive_existing_versions": true})).await;
        call(
            "model-versions/get-download-uri 3.x",
            Method::GET,
            &format!("{api}/model-versions/get-download-uri?name=snap-model&version=2"),
            json!(null),
        )
        .await;
        call(
            "model-versions/search",
            Method::GET,
            &format!("{api}/model-versions/search?filter=name%3D%27snap-model%27&max_results=1"),
            json!(null),
        )
        .await;
        call(
            "registered-models/alias POST",
            Method::POST,
            &format!("{api}/registered-models/alias"),
            json!({"name": "snap-model", "alias": "champion", "version": "1"}),
        )
        .await;
        call(
            "registered-models/alias GET",
            Method::GET,
            &format!("{api}/registered-models/alias?name=snap-model&alias=champion"),
            json!(null),
        )
        .await;
        call(
            "registered-models/get",
            Method::GET,
            &format!("{api}/registered-models/get?name=snap-model"),
            json!(null),
        )
        .await;
        call(
            "registered-models/get-latest-versions",
            Method::POST,
            &format!("{api}/registered-models/get-latest-versions"),
            json!({"name": "snap-model", "stages": ["Production"]}),
        )
        .await;
        call(
            "registered-models/set-tag",
            Method::POST,
            &format!("{api}/registered-models/set-tag"),
            json!({"name": "snap-model", "key": "k", "value": "v"}),
        )
        .await;
        call(
            "registered-models/delete-tag",
            Method::DELETE,
            &format!("{api}/registered-models/delete-tag"),
            json!({"name": "snap-model", "key": "k"}),
        )
        .await;
        call(
            "registered-models/update",
            Method::PATCH,
            &format!("{api}/registered-models/update"),
            json!({"name": "snap-model", "description": "d2"}),
        )
        .await;
        call("registered-models/search", Method::GET, &format!("{api}/registered-models/search?filter=tag.%60mlflow.prompt.is_prompt%60+%21%3D+%27true%27"), json!(null)).await;
        call(
            "registered-models/rename",
            Method::POST,
            &format!("{api}/registered-models/rename"),
            json!({"name": "snap-model", "new_name": "snap-model-2"}),
        )
        .await;
        call(
            "registered-models/alias DELETE",
            Method::DELETE,
            &format!("{api}/registered-models/alias"),
            json!({"name": "snap-model-2", "alias": "champion"}),
        )
        .await;
        call(
            "model-versions/delete",
            Method::DELETE,
            &format!("{api}/model-versions/delete"),
            json!({"name": "snap-model-2", "version": "2"}),
        )
        .await;
        call(
            "registered-models/delete",
            Method::DELETE,
            &format!("{api}/registered-models/delete"),
            json!({"name": "snap-model-2"}),
        )
        .await;
        call(
            "runs/delete",
            Method::POST,
            &format!("{api}/runs/delete"),
            json!({"run_id": run_id}),
        )
        .await;
        call(
            "runs/restore",
            Method::POST,
            &format!("{api}/runs/restore"),
            json!({"run_id": run_id}),
        )
        .await;
        call(
            "experiments/delete",
            Method::POST,
            &format!("{api}/experiments/delete"),
            json!({"experiment_id": exp}),
        )
        .await;
        call(
            "experiments/restore",
            Method::POST,
            &format!("{api}/experiments/restore"),
            json!({"experiment_id": exp}),
        )
        .await;
        call(
            "server-info",
            Method::GET,
            "/api/3.0/mlflow/server-info",
            json!(null),
        )
        .await;

        let got = Value::Object(calls.into_inner().into_iter().collect());
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/snapshots/mlflow_api.json");
        if std::env::var("UPDATE_SNAPSHOTS").is_ok() {
            std::fs::write(&path, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
        }
        let want: Value = serde_json::from_str(
            &std::fs::read_to_string(&path).expect("snapshot file (UPDATE_SNAPSHOTS=1 creates it)"),
        )
        .unwrap();
        for (label, w) in want.as_object().unwrap() {
            assert_eq!(
                got.get(label),
                Some(w),
                "endpoint '{label}' changed its response"
            );
        }
        assert_eq!(
            got.as_object().unwrap().len(),
            want.as_object().unwrap().len(),
            "endpoints added or removed"
        );
    }
}
