//! External references and the MLflow 3 data that used to be dropped, on SQLite and
//! PostgreSQL: versions whose source or run this registry does not own are kept verbatim
//! and marked external (nothing frozen), unsafe source shapes stay refused, the gate keeps
//! external versions out of Staging and Production unless the operator allows it, and
//! metric points keep their model and dataset.
use crate::common::{a_run, alice, bob, registries, scalar};
use pedigree_core::external::{RunRef, SourceKind};
use pedigree_core::model_version::NewModelVersion;
use pedigree_core::names::*;
use pedigree_core::run::Metric;
use pedigree_core::service::logged_models::NewLoggedModel;
use pedigree_core::service::{Registry, Settings};
use pedigree_core::Error;

fn version(name: &str, source: &str, run_id: Option<&str>) -> NewModelVersion {
    NewModelVersion {
        name: ModelName::parse(name).unwrap(),
        source: source.to_string(),
        run_id: run_id.map(str::to_string),
        run_link: String::new(),
        logged_model_id: None,
        description: String::new(),
        tags: vec![],
    }
}

async fn registered(reg: &Registry, name: &str) -> ModelName {
    let n = ModelName::parse(name).unwrap();
    reg.create_registered_model(&alice(), n.clone(), String::new(), vec![])
        .await
        .unwrap();
    n
}

fn v(n: i64) -> Version {
    Version::new(n).unwrap()
}

#[tokio::test]
async fn sources_and_runs_not_owned_here_are_kept_verbatim_as_external_references() {
    for t in registries().await {
        let reg = &t.reg;
        let name = registered(reg, "ext").await;
        let run = a_run(reg).await;
        let cases = [
            ("s3://bucket/model", Some("run_id_1"), true),
            ("runs:/run_id/model", Some("run_id"), true),
            ("path/to/source", None, false),
            ("s3:/some/path/to/model", Some(run.as_str()), false),
        ];
        for (i, (source, run_id, run_external)) in cases.into_iter().enumerate() {
            let mv = reg
                .create_model_version(&alice(), version("ext", source, run_id))
                .await
                .unwrap_or_else(|e| panic!("{:?}: {source}: {e}", t.backend));
            assert_eq!(mv.version, v(i as i64 + 1));
            assert_eq!(mv.source, source, "recorded verbatim");
            assert_eq!(mv.source_kind, SourceKind::External);
            assert_eq!(mv.run_id.as_ref().map(RunRef::as_str), run_id);
            assert_eq!(
                mv.run_id.as_ref().is_some_and(RunRef::is_external),
                run_external,
                "{source}: a tracked run stays tracked"
            );
            // Reads give back what was recorded.
            assert_eq!(reg.get_model_version(&name, mv.version).await.unwrap(), mv);
        }
        // An owned version beside them is still owned and frozen; nothing else is frozen.
        let owned = reg
            .create_model_version(
                &alice(),
                version("ext", &format!("runs:/{run}/model"), None),
            )
            .await
            .unwrap();
        assert_eq!(owned.source_kind, SourceKind::Owned);
        assert_eq!(
            scalar(&t, "SELECT COUNT(*) FROM frozen_prefixes").await,
            1,
            "{:?}: external versions freeze nothing",
            t.backend
        );
    }
}

#[tokio::test]
async fn local_hidden_and_tricky_sources_stay_refused_without_using_a_number() {
    for t in registries().await {
        let reg = &t.reg;
        registered(reg, "bad").await;
        for source in [
            "/etc/passwd",
            "file:///etc/passwd",
            "C:/models/m",
            "https://example.com/m",
            "s3://bucket/../secret",
            "runs:/run_id/../../x",
            "s3://bucket/m\0",
            "s3:\\\\bucket\\m",
            "s3://bucket/m#frag",
            "s3://bucket/%2e%2e/m",
            "mlflow-artifacts:/0/not-a-run/artifacts/m",
        ] {
            let err = reg
                .create_model_version(&alice(), version("bad", source, None))
                .await
                .unwrap_err();
            assert!(
                matches!(err, Error::InvalidArgument(_)),
                "{source:?}: {err:?}"
            );
        }
        for run_id in ["a/b", "has space", ""] {
            let r = reg
                .create_model_version(&alice(), version("bad", "s3://b/m", Some(run_id)))
                .await;
            // An empty run id is no run id; the others are refused.
            assert_eq!(r.is_ok(), run_id.is_empty(), "{run_id:?}");
        }
        let next = reg
            .create_model_version(&alice(), version("bad", "s3://b/m2", None))
            .await
            .unwrap();
        assert_eq!(next.version, v(2), "{:?}", t.backend);
    }
}

#[tokio::test]
async fn external_versions_enter_staging_or_production_only_when_the_operator_allows_it() {
    for t in registries().await {
        let name = registered(&t.reg, "gate").await;
        t.reg
            .create_model_version(&alice(), version("gate", "s3://bucket/model", None))
            .await
            .unwrap();
        for stage in [Stage::Production, Stage::Staging] {
            let err = t
                .reg
                .transition_stage(&bob(), &name, v(1), stage, false)
                .await
                .unwrap_err();
            let Error::FailedPrecondition(msg) = &err else {
                panic!("{stage}: {err:?}");
            };
            assert!(
                msg.contains("external") && msg.contains("allow_external_promotion"),
                "{msg}"
            );
        }
        // Other stages are not gated.
        t.reg
            .transition_stage(&bob(), &name, v(1), Stage::Archived, false)
            .await
            .unwrap();
        let open = t.reg.clone().with_settings(Settings {
            allow_external_promotion: true,
            ..t.reg.settings()
        });
        let moved = open
            .transition_stage(&bob(), &name, v(1), Stage::Production, false)
            .await
            .unwrap();
        assert_eq!(moved.version.stage, Stage::Production, "{:?}", t.backend);
        // MLflow's rule: archiving others only makes sense for Staging and Production.
        for stage in [Stage::Archived, Stage::None] {
            let err = open
                .transition_stage(&bob(), &name, v(1), stage, true)
                .await
                .unwrap_err();
            assert!(matches!(err, Error::InvalidArgument(_)), "{stage}: {err:?}");
        }
    }
}

#[tokio::test]
async fn logged_models_keep_external_runs_params_and_the_versions_registered_from_them() {
    for t in registries().await {
        let reg = &t.reg;
        let new = |run: Option<String>| NewLoggedModel {
            experiment_id: ExperimentId::DEFAULT,
            name: "model".into(),
            source_run_id: run,
            model_type: None,
            params: vec![],
            tags: vec![],
        };
        let ext = reg
            .create_logged_model(&alice(), new(Some("123".into())))
            .await
            .unwrap();
        assert_eq!(ext.source_run_id, Some(RunRef::External("123".into())));
        let run = a_run(reg).await;
        let m = reg
            .create_logged_model(&alice(), new(Some(run.to_string())))
            .await
            .unwrap();
        assert_eq!(m.source_run_id, Some(RunRef::Tracked(run.clone())));
        let p = Tag::param("lr", "0.1").unwrap();
        reg.log_logged_model_params(&alice(), &m.model_id, std::slice::from_ref(&p))
            .await
            .unwrap();
        assert_eq!(
            reg.get_logged_model(&m.model_id).await.unwrap().params,
            vec![p]
        );
        let name = registered(reg, "from-lm").await;
        for _ in 0..2 {
            let mut nv = version("from-lm", &format!("models:/{}", m.model_id), None);
            nv.logged_model_id = Some(m.model_id.clone());
            reg.create_model_version(&alice(), nv).await.unwrap();
        }
        let tags = reg.get_logged_model(&m.model_id).await.unwrap().tags;
        let listed = tags
            .iter()
            .find(|t| t.key.as_str() == "mlflow.modelVersions")
            .map(|t| t.value.clone());
        assert_eq!(
            listed.as_deref(),
            Some(r#"[{"name": "from-lm", "version": 1}, {"name": "from-lm", "version": 2}]"#),
            "{:?}",
            t.backend
        );
        assert_eq!(
            reg.get_model_version(&name, v(1)).await.unwrap().run_id,
            Some(RunRef::Tracked(run))
        );
    }
}

#[tokio::test]
async fn metric_points_keep_their_model_and_dataset_and_batches_name_a_param_once() {
    for t in registries().await {
        let reg = &t.reg;
        let run = a_run(reg).await;
        let m = reg
            .create_logged_model(
                &alice(),
                NewLoggedModel {
                    experiment_id: ExperimentId::DEFAULT,
                    name: "model".into(),
                    source_run_id: Some(run.to_string()),
                    model_type: None,
                    params: vec![],
                    tags: vec![],
                },
            )
            .await
            .unwrap();
        let plain = Metric {
            key: Key::parse("acc").unwrap(),
            value: 0.5,
            timestamp: 123,
            step: 1,
            model_id: None,
            dataset_name: None,
            dataset_digest: None,
        };
        reg.log_batch(&alice(), &run, std::slice::from_ref(&plain), &[], &[])
            .await
            .unwrap();
        // An MLflow 3 client re-logs the point with its model and dataset.
        let tagged = Metric {
            model_id: Some(m.model_id.clone()),
            dataset_name: Some("eval".into()),
            dataset_digest: Some("d1".into()),
            ..plain.clone()
        };
        reg.log_batch(&alice(), &run, &[tagged.clone(), tagged.clone()], &[], &[])
            .await
            .unwrap();
        let history = reg.metric_history(&run, &plain.key).await.unwrap();
        assert_eq!(
            history,
            vec![tagged.clone()],
            "{:?}: one point, enriched",
            t.backend
        );
        let on_model = reg.logged_model_metrics(&m.model_id).await.unwrap();
        assert_eq!(on_model, vec![(tagged, run.to_string())]);
        let dup = [Tag::param("a", "1").unwrap(), Tag::param("a", "1").unwrap()];
        let err = reg
            .log_batch(&alice(), &run, &[], &dup, &[])
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("Duplicate parameter keys have been submitted: ['a']"),
            "{err}"
        );
        reg.log_inputs(&alice(), &run, &[], std::slice::from_ref(&m.model_id))
            .await
            .unwrap();
        assert_eq!(
            reg.get_run(&run).await.unwrap().model_inputs,
            vec![m.model_id]
        );
    }
}

#[tokio::test]
async fn a_copy_shares_its_originals_files_and_download_location() {
    for t in registries().await {
        let reg = &t.reg;
        let name = registered(reg, "copy").await;
        let run = a_run(reg).await;
        reg.create_model_version(&alice(), version("copy", "s3://bucket/model", Some("r1")))
            .await
            .unwrap();
        reg.create_model_version(
            &alice(),
            version("copy", &format!("runs:/{run}/model"), None),
        )
        .await
        .unwrap();
        for (original, kind, uri) in [
            (1, SourceKind::External, "s3://bucket/model".to_string()),
            (
                2,
                SourceKind::Owned,
                format!("mlflow-artifacts:/0/{run}/artifacts/model"),
            ),
        ] {
            let copy = reg
                .create_model_version(
                    &alice(),
                    version("copy", &format!("models:/copy/{original}"), Some("r1")),
                )
                .await
                .unwrap();
            assert_eq!(
                copy.source,
                format!("models:/copy/{original}"),
                "kept verbatim"
            );
            assert_eq!(copy.source_kind, kind, "{:?}", t.backend);
            assert_eq!(
                reg.model_version_download_uri(&name, copy.version)
                    .await
                    .unwrap(),
                uri
            );
        }
        let err = reg
            .create_model_version(&alice(), version("copy", "models:/copy/99", None))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    }
}
