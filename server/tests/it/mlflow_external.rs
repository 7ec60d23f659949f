//! External references and MLflow 3 models as clients see them: versions whose source or
//! run Pedigree does not own are kept verbatim, marked and kept out of Staging and
//! Production unless the operator allows it; unsafe sources stay refused; and the MLflow 3
//! data the API used to drop (model inputs, metric models and datasets, logged-model params,
//! the `mlflow.modelVersions` tag) comes back.
use crate::common::{assert_error, servers, servers_with};
use crate::mlflow_compat::{message, new_run};
use pedigree_server::config::Layer;
use serde_json::json;

#[tokio::test]
async fn versions_from_elsewhere_are_kept_verbatim_marked_and_gated() {
    let mut open = Layer::default();
    open.registry.allow_external_promotion = Some(true);
    for (s, gated) in servers()
        .await
        .into_iter()
        .map(|s| (s, true))
        .chain(servers_with(open).await.into_iter().map(|s| (s, false)))
    {
        s.post("registered-models/create", json!({"name": "ext"}))
            .await;
        let (st, created) = s
            .post(
                "model-versions/create",
                json!({"name": "ext", "source": "runs:/run_id/model", "run_id": "run_id_1"}),
            )
            .await;
        assert_eq!(st, 200, "{created}");
        let mv = &created["model_version"];
        assert_eq!(mv["source"], "runs:/run_id/model");
        assert_eq!(mv["run_id"], "run_id_1");
        assert_eq!(
            (
                mv["external_source"].as_bool(),
                mv["external_run"].as_bool()
            ),
            (Some(true), Some(true))
        );
        let (_, uri) = s
            .get("model-versions/get-download-uri?name=ext&version=1")
            .await;
        assert_eq!(uri["artifact_uri"], "runs:/run_id/model");
        for bad in [
            "file:///etc/passwd",
            "/etc/passwd",
            "s3://b/../x",
            "s3://b/x#y",
            "s3:\\\\b\\x",
        ] {
            let got = s
                .post(
                    "model-versions/create",
                    json!({"name": "ext", "source": bad}),
                )
                .await;
            assert_error(&got, 400, "INVALID_PARAMETER_VALUE");
        }
        let got = s
            .post(
                "model-versions/transition-stage",
                json!({"name": "ext", "version": "1", "stage": "Production"}),
            )
            .await;
        if gated {
            assert_error(&got, 409, "RESOURCE_CONFLICT");
            assert!(message(&got).contains("external reference"), "{got:?}");
        } else {
            assert_eq!(
                got.1["model_version"]["current_stage"], "Production",
                "{got:?}"
            );
        }
    }
}

#[tokio::test]
async fn mlflow_3_models_keep_their_inputs_params_metrics_and_versions() {
    for s in servers().await {
        let run = new_run(&s, "0").await;
        let (_, lm) = s
            .post(
                "logged-models",
                json!({"experiment_id": "0", "source_run_id": "123"}),
            )
            .await;
        assert_eq!(
            lm["model"]["info"]["source_run_id"], "123",
            "an external run reference"
        );
        // Unnamed models get a generated name each, as MLflow names them.
        let (_, other) = s.post("logged-models", json!({"experiment_id": "0"})).await;
        assert_ne!(other["model"]["info"]["name"], lm["model"]["info"]["name"]);
        let id = lm["model"]["info"]["model_id"]
            .as_str()
            .unwrap()
            .to_string();
        let got = s
            .post(
                &format!("logged-models/{id}/params"),
                json!({"model_id": id, "params": [{"key": "p", "value": "v"}]}),
            )
            .await;
        assert_eq!(got.0, 200, "{got:?}");
        let metric = json!({"run_id": run, "key": "acc", "value": 0.5, "timestamp": 7, "step": 1,
                            "model_id": id, "dataset_name": "eval", "dataset_digest": "d1"});
        assert_eq!(s.post("runs/log-metric", metric).await.0, 200);
        let (_, got) = s.get(&format!("logged-models/{id}")).await;
        assert_eq!(
            got["model"]["data"]["params"],
            json!([{"key": "p", "value": "v"}])
        );
        let m = &got["model"]["data"]["metrics"][0];
        assert_eq!(
            (&m["dataset_name"], &m["dataset_digest"], &m["run_id"]),
            (&json!("eval"), &json!("d1"), &json!(run))
        );
        let (_, hist) = s
            .get(&format!("metrics/get-history?run_id={run}&metric_key=acc"))
            .await;
        assert_eq!(hist["metrics"][0]["model_id"], json!(id));
        let (_, found) = s
            .post(
                "logged-models/search",
                json!({"experiment_ids": ["0"], "datasets": [{"dataset_name": "eval"}]}),
            )
            .await;
        assert_eq!(found["models"].as_array().map(Vec::len), Some(1));
        let (_, none) = s
            .post(
                "logged-models/search",
                json!({"experiment_ids": ["0"], "datasets": [{"dataset_name": "other"}]}),
            )
            .await;
        assert_eq!(none, json!({}), "no model has points on that dataset");
        let got = s
            .post(
                "runs/log-inputs",
                json!({"run_id": run, "models": [{"model_id": id}]}),
            )
            .await;
        assert_eq!(got.0, 200, "{got:?}");
        let (_, r) = s.get(&format!("runs/get?run_id={run}")).await;
        assert_eq!(
            r["run"]["inputs"]["model_inputs"],
            json!([{"model_id": id}])
        );
        s.post("registered-models/create", json!({"name": "model"}))
            .await;
        for _ in 0..2 {
            let body = json!({"name": "model", "source": format!("models:/{id}"), "model_id": id});
            assert_eq!(s.post("model-versions/create", body).await.0, 200);
        }
        let (_, got) = s.get(&format!("logged-models/{id}")).await;
        let tag = got["model"]["info"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["key"] == "mlflow.modelVersions")
            .map(|t| t["value"].clone());
        assert_eq!(
            tag,
            Some(json!(
                r#"[{"name": "model", "version": 1}, {"name": "model", "version": 2}]"#
            ))
        );
    }
}

#[tokio::test]
async fn experiment_locations_elsewhere_need_an_operator_root_and_are_never_served() {
    let refused_shapes = [
        "file:///etc",
        "/tmp/mlruns",
        "relative/mlruns",
        "C:/mlruns",
        "mlflow-artifacts:/5",
        "runs:/abc/x",
        "https://example.com/x",
        "s3://bucketname/../x",
        "s3://bucketname/a%2Fb",
        "s3://bucketname/x#frag",
        "s3://bucketname/x;/y",
        "s3:\\\\bucketname\\x",
        "s3://bucketname/x\u{0}",
    ];
    // By default every experiment's artifact root is Pedigree's own.
    for s in servers().await {
        let got = s
            .post(
                "experiments/create",
                json!({"name": "elsewhere", "artifact_location": "s3://bucketname/root"}),
            )
            .await;
        assert_error(&got, 400, "INVALID_PARAMETER_VALUE");
        assert!(message(&got).contains("external_artifact_roots"), "{got:?}");
    }
    let mut open = Layer::default();
    open.registry.external_artifact_roots = Some(vec![
        "s3://bucketname".into(),
        "mysql://user:pw@host:1/db".into(),
    ]);
    for s in servers_with(open).await {
        for (i, bad) in refused_shapes
            .iter()
            .chain(&["s3://other/x", "gs://bucketname/x"])
            .enumerate()
        {
            let got = s
                .post(
                    "experiments/create",
                    json!({"name": format!("bad{i}"), "artifact_location": bad}),
                )
                .await;
            assert_error(&got, 400, "INVALID_PARAMETER_VALUE");
        }
        for (i, (location, run_root)) in [
            (
                "s3://bucketname/root",
                "s3://bucketname/root/{run}/artifacts",
            ),
            (
                "mysql://user:pw@host:1/db?driver=d",
                "mysql://user:pw@host:1/db/{run}/artifacts?driver=d",
            ),
        ]
        .into_iter()
        .enumerate()
        {
            let (st, created) = s
                .post(
                    "experiments/create",
                    json!({"name": format!("ok{i}"), "artifact_location": location}),
                )
                .await;
            assert_eq!(st, 200, "{created}");
            let exp = created["experiment_id"].as_str().unwrap();
            let (_, got) = s.get(&format!("experiments/get?experiment_id={exp}")).await;
            assert_eq!(got["experiment"]["artifact_location"], location);
            let run = new_run(&s, exp).await;
            let (_, got) = s.get(&format!("runs/get?run_id={run}")).await;
            assert_eq!(
                got["run"]["info"]["artifact_uri"],
                run_root.replace("{run}", &run)
            );
            // The server never reads or serves an external location.
            let got = s.get(&format!("artifacts/list?run_id={run}")).await;
            assert_error(&got, 400, "INVALID_PARAMETER_VALUE");
        }
    }
}
