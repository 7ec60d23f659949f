//! Replayed reads (`mlflow::replay`) never outlive a write: every read a client repeats
//! shows the write that follows it, on the embedded database (where answers are replayed)
//! and on PostgreSQL (where they are not).
use crate::common::servers;
use pedigree_core::store::Backend;
use serde_json::json;

#[tokio::test]
async fn a_repeated_read_shows_the_write_that_follows_it() {
    for s in servers().await {
        let replays = s.registry.backend() == Backend::Sqlite;
        assert_eq!(s.registry.read_generation().is_some(), replays);
        let (_, run) = s
            .post(
                "runs/create",
                json!({"experiment_id": "0", "start_time": 1}),
            )
            .await;
        let run_id = run["run"]["info"]["run_id"].as_str().unwrap().to_string();
        assert_eq!(
            s.post("registered-models/create", json!({"name": "replayed"}))
                .await
                .0,
            200
        );
        for _ in 0..2 {
            let body = json!({"name": "replayed", "source": format!("runs:/{run_id}/model"), "run_id": run_id});
            assert_eq!(s.post("model-versions/create", body).await.0, 200);
        }
        let model = "registered-models/get?name=replayed";
        let alias = "registered-models/alias?name=replayed&alias=champion";
        let history = format!("metrics/get-history?run_id={run_id}&metric_key=loss");
        let run_get = format!("runs/get?run_id={run_id}");
        let latest = json!({"name": "replayed", "stages": ["Staging"]});
        // Each read twice: the second is the replayed one where answers are replayed.
        for _ in 0..2 {
            assert_eq!(s.get(model).await.1["registered_model"].get("tags"), None);
            // MLflow answers an unknown alias with 400.
            assert_eq!(s.get(alias).await.0, 400);
            let (_, l) = s
                .post("registered-models/get-latest-versions", latest.clone())
                .await;
            assert_eq!(l.get("model_versions"), None, "{l}");
            assert_eq!(s.get(&history).await.1.get("metrics"), None);
            assert_eq!(s.get(&run_get).await.1["run"]["data"].get("metrics"), None);
        }

        let tag = json!({"name": "replayed", "key": "team", "value": "fraud"});
        assert_eq!(s.post("registered-models/set-tag", tag).await.0, 200);
        let (_, m) = s.get(model).await;
        assert_eq!(m["registered_model"]["tags"][0]["value"], "fraud", "{m}");

        for version in ["1", "2"] {
            let set = json!({"name": "replayed", "alias": "champion", "version": version});
            assert_eq!(s.post("registered-models/alias", set).await.0, 200);
            let (_, a) = s.get(alias).await;
            assert_eq!(a["model_version"]["version"], version, "{a}");
        }

        let to_staging = json!({"name": "replayed", "version": "2", "stage": "Staging", "archive_existing_versions": false});
        assert_eq!(
            s.post("model-versions/transition-stage", to_staging)
                .await
                .0,
            200
        );
        let (_, l) = s
            .post("registered-models/get-latest-versions", latest)
            .await;
        assert_eq!(l["model_versions"][0]["version"], "2", "{l}");

        for step in 0..2 {
            let point = json!({"run_id": run_id, "key": "loss", "value": 0.5 - step as f64 / 10.0, "timestamp": 1, "step": step});
            assert_eq!(s.post("runs/log-metric", point).await.0, 200);
            let (_, h) = s.get(&history).await;
            assert_eq!(
                h["metrics"].as_array().unwrap().len(),
                step as usize + 1,
                "{h}"
            );
            let (_, r) = s.get(&run_get).await;
            assert_eq!(r["run"]["data"]["metrics"][0]["step"], step, "{r}");
        }
    }
}

#[tokio::test]
async fn a_read_with_a_large_body_is_answered_whole_not_replayed_cut() {
    for s in servers().await {
        let (_, run) = s
            .post(
                "runs/create",
                json!({"experiment_id": "0", "start_time": 1}),
            )
            .await;
        let run_id = run["run"]["info"]["run_id"].as_str().unwrap().to_string();
        assert_eq!(
            s.post("registered-models/create", json!({"name": "big"}))
                .await
                .0,
            200
        );
        let body =
            json!({"name": "big", "source": format!("runs:/{run_id}/model"), "run_id": run_id});
        assert_eq!(s.post("model-versions/create", body).await.0, 200);
        // Over the 64 KiB a replayed read may carry: its handler still reads all of it.
        let latest = json!({"name": "big", "stages": ["None"], "padding": "x".repeat(100_000)});
        for _ in 0..2 {
            let (status, l) = s
                .post("registered-models/get-latest-versions", latest.clone())
                .await;
            assert_eq!(status, 200, "{l}");
            assert_eq!(l["model_versions"][0]["version"], "1", "{l}");
        }
    }
}
