//! Lineage and chart reads through the services, on SQLite and PostgreSQL: a version's
//! graph names its datasets, upstream model, run, logged model, stage and alias with the
//! edges between them, and a long metric comes back downsampled with its counts.
use crate::common::{a_model, a_run, alice, metric, registries};
use pedigree_core::external::RunRef;
use pedigree_core::lineage::{crossings, layout, LayoutOptions, LineageGraph, NodeKind, NodeRef};
use pedigree_core::model_version::NewModelVersion;
use pedigree_core::names::*;
use pedigree_core::run::{Dataset, DatasetInput};
use pedigree_core::service::logged_models::NewLoggedModel;
use pedigree_core::service::runs::NewRun;
use pedigree_core::service::Registry;

fn dataset(name: &str, digest: &str, context: &str) -> DatasetInput {
    DatasetInput {
        dataset: Dataset {
            name: name.into(),
            digest: digest.into(),
            source_type: "local".into(),
            source: format!("{name}.parquet"),
            schema: None,
            profile: None,
        },
        tags: vec![Tag::parse("mlflow.data.context", context).unwrap()],
    }
}

async fn logged_model(reg: &Registry, name: &str, run: &RunId) -> LoggedModelId {
    let new = NewLoggedModel {
        experiment_id: ExperimentId::DEFAULT,
        name: name.into(),
        source_run_id: Some(run.to_string()),
        model_type: None,
        params: vec![],
        tags: vec![],
    };
    reg.create_logged_model(&alice(), new)
        .await
        .unwrap()
        .model_id
}

async fn register(reg: &Registry, model: &ModelName, lm: &LoggedModelId) -> Version {
    let new = NewModelVersion {
        name: model.clone(),
        source: format!("models:/{lm}"),
        run_id: None,
        run_link: String::new(),
        logged_model_id: Some(lm.clone()),
        description: String::new(),
        tags: vec![],
    };
    reg.create_model_version(&alice(), new)
        .await
        .unwrap()
        .version
}

/// `(from kind, from label) -> (to kind, to label)` for every edge, sorted.
fn edges(g: &LineageGraph) -> Vec<String> {
    let show = |id: &str| {
        let n = g.node(id).unwrap();
        format!("{:?}:{}", n.kind, n.label)
    };
    let mut out: Vec<String> = g
        .edges
        .iter()
        .map(|e| format!("{} -> {}", show(&e.from), show(&e.to)))
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn a_versions_lineage_names_its_data_its_run_its_models_and_what_it_holds() {
    for t in registries().await {
        let reg = &t.reg;
        // An encoder trained elsewhere and registered as its own model.
        let encoder_run = a_run(reg).await;
        let encoder = logged_model(reg, "encoder", &encoder_run).await;
        let encoders = ModelName::parse("text-encoder").unwrap();
        a_model(reg, &encoders).await;
        let encoder_version = register(reg, &encoders, &encoder).await;

        let new_run = NewRun {
            run_name: Some("train-fraud".into()),
            ..NewRun::default()
        };
        let run = reg.create_run(&alice(), new_run).await.unwrap().info.run_id;
        let inputs = [
            dataset("transactions", "0123456789abcdef", "training"),
            dataset("holdout", "feedbeef", "eval"),
        ];
        reg.log_inputs(&alice(), &run, &inputs, std::slice::from_ref(&encoder))
            .await
            .unwrap();
        let clf = logged_model(reg, "classifier", &run).await;
        let fraud = ModelName::parse("fraud").unwrap();
        a_model(reg, &fraud).await;
        let v = register(reg, &fraud, &clf).await;
        reg.transition_stage(&alice(), &fraud, v, Stage::Production, false)
            .await
            .unwrap();
        reg.set_alias(&alice(), &fraud, AliasName::parse("champion").unwrap(), v)
            .await
            .unwrap();

        let g = reg.version_lineage(&fraud, v).await.unwrap();
        assert_eq!(
            edges(&g),
            [
                "Dataset:holdout -> Run:train-fraud",
                "Dataset:transactions -> Run:train-fraud",
                "LoggedModel:classifier -> ModelVersion:fraud v1",
                "ModelVersion:fraud v1 -> Holder:@champion",
                "ModelVersion:fraud v1 -> Holder:Production",
                "Run:train-fraud -> LoggedModel:classifier",
                "UpstreamModel:encoder -> Run:train-fraud",
            ],
            "{:?}",
            t.backend
        );
        let by_label = |l: &str| g.nodes.iter().find(|n| n.label == l).unwrap();
        assert_eq!(
            by_label("train-fraud").href_target,
            NodeRef::Run(run.clone())
        );
        assert_eq!(
            by_label("transactions").detail.as_deref(),
            Some("01234567 · training")
        );
        assert_eq!(
            by_label("encoder").href_target,
            NodeRef::Version(encoders.clone(), encoder_version)
        );
        assert_eq!(
            by_label("fraud v1").href_target,
            NodeRef::Version(fraud.clone(), v)
        );

        // A reader who may not open the encoder's model still sees the node, unlinked.
        let mut limited = g.clone();
        limited.unlink_unreadable(|m| m != &encoders);
        let hidden = limited.nodes.iter().find(|n| n.label == "encoder").unwrap();
        assert_eq!(
            (hidden.kind, &hidden.href_target),
            (NodeKind::UpstreamModel, &NodeRef::None)
        );
        assert_eq!(
            limited.node(&format!("run:{run}")),
            g.node(&format!("run:{run}"))
        );

        let l = layout(&g, &LayoutOptions::default());
        assert_eq!(l.columns.len(), 6, "every kind has its column");
        assert_eq!(crossings(&l), 0);

        // Once the encoder is deleted the run still shows it consumed something.
        reg.delete_logged_model(&alice(), &encoder).await.unwrap();
        let after = reg.version_lineage(&fraud, v).await.unwrap();
        let gone = after.of_kind(NodeKind::UpstreamModel).next().unwrap();
        assert_eq!(gone.label, encoder.to_string());
        assert_eq!(
            (gone.detail.as_deref(), &gone.href_target),
            (Some("not found"), &NodeRef::None)
        );
    }
}

#[tokio::test]
async fn an_external_run_is_a_node_without_a_link() {
    for t in registries().await {
        let reg = &t.reg;
        let name = ModelName::parse("imported").unwrap();
        a_model(reg, &name).await;
        let new = NewModelVersion {
            name: name.clone(),
            source: "s3://bucket/model".into(),
            run_id: Some("run_id_1".into()),
            run_link: String::new(),
            logged_model_id: None,
            description: String::new(),
            tags: vec![],
        };
        let v = reg.create_model_version(&alice(), new).await.unwrap();
        assert_eq!(v.run_id, Some(RunRef::External("run_id_1".into())));
        let g = reg.version_lineage(&name, v.version).await.unwrap();
        assert_eq!(edges(&g), ["Run:run_id_1 -> ModelVersion:imported v1"]);
        let run = g.of_kind(NodeKind::Run).next().unwrap();
        assert_eq!(
            (run.detail.as_deref(), &run.href_target),
            (Some("external"), &NodeRef::None)
        );
        let err = reg
            .version_lineage(&name, Version::new(2).unwrap())
            .await
            .unwrap_err();
        assert!(err.missing_entity().is_some(), "{err}");
    }
}

#[tokio::test]
async fn a_ten_thousand_step_metric_comes_back_in_max_points_with_its_counts() {
    for t in registries().await {
        let reg = &t.reg;
        let run = a_run(reg).await;
        let mut points: Vec<_> = (0..10_000)
            .map(|s| metric("loss", 1.0 / (1.0 + s as f64), s))
            .collect();
        points[5_000].value = f64::NAN;
        points[7_777].value = 9.0;
        for batch in points.chunks(1_000) {
            reg.log_batch(&alice(), &run, batch, &[], &[])
                .await
                .unwrap();
        }
        let keys = [
            Key::parse("loss").unwrap(),
            Key::parse("never-logged").unwrap(),
        ];
        let series = reg.metric_series(&run, &keys, 500).await.unwrap();
        assert_eq!(series.len(), 2);
        let loss = &series[0];
        assert_eq!((loss.label.as_str(), loss.points.len()), ("loss", 500));
        assert_eq!(
            (loss.total, loss.non_finite),
            (10_000, 1),
            "{:?}",
            t.backend
        );
        assert_eq!((loss.points[0].x, loss.points[499].x), (0.0, 9_999.0));
        assert!(
            loss.points.iter().any(|p| p.y == 9.0),
            "the spike at step 7777 was lost"
        );
        assert!(series[1].points.is_empty() && series[1].total == 0);
        assert!(reg.metric_series(&run, &keys, 2).await.is_err());
        let unknown = RunId::parse("0".repeat(32)).unwrap();
        let err = reg.metric_series(&unknown, &keys, 500).await.unwrap_err();
        assert_eq!(
            err.missing_entity(),
            Some(pedigree_core::Entity::Run),
            "{err}"
        );
    }
}
