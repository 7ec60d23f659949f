//! Store and service tests, written once and run on SQLite and PostgreSQL: registry
//! invariants, version allocation, stage rules, aliases, runs and metrics, and the audit log.

use crate::common::{a_run, alice, bob, metric, raw, registries, trail};
use pedigree_core::audit::VerifyOutcome;
use pedigree_core::external::RunRef;
use pedigree_core::model_version::NewModelVersion;
use pedigree_core::names::*;
use pedigree_core::run::{Dataset, DatasetInput};
use pedigree_core::service::runs::NewRun;
use pedigree_core::service::Registry;
use pedigree_core::store::Backend;
use pedigree_core::user::Actor;
use pedigree_core::Error;

fn model(name: &str) -> ModelName {
    ModelName::parse(name).unwrap()
}

fn new_version(name: &str, run: &RunId) -> NewModelVersion {
    NewModelVersion {
        name: model(name),
        source: format!("runs:/{run}/model"),
        run_id: None,
        run_link: String::new(),
        logged_model_id: None,
        description: String::new(),
        tags: vec![],
    }
}

async fn model_with_versions(reg: &Registry, name: &str, n: usize) {
    reg.create_registered_model(&alice(), model(name), String::new(), vec![])
        .await
        .unwrap();
    let run = a_run(reg).await;
    for _ in 0..n {
        reg.create_model_version(&alice(), new_version(name, &run))
            .await
            .unwrap();
    }
}

fn v(n: i64) -> Version {
    Version::new(n).unwrap()
}

#[tokio::test]
async fn versions_are_allocated_consecutively_even_concurrently() {
    for t in registries().await {
        let reg = t.reg.clone();
        reg.create_registered_model(&alice(), model("m"), String::new(), vec![])
            .await
            .unwrap();
        let run = a_run(&reg).await;
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let (reg, run) = (reg.clone(), run.clone());
                tokio::spawn(async move {
                    reg.create_model_version(&alice(), new_version("m", &run))
                        .await
                        .unwrap()
                        .version
                        .get()
                })
            })
            .collect();
        let mut got = Vec::new();
        for task in tasks {
            got.push(task.await.unwrap());
        }
        got.sort();
        assert_eq!(got, (1..=12).collect::<Vec<_>>(), "{:?}", t.backend);
        let listed = reg.list_model_versions(&model("m")).await.unwrap();
        assert_eq!(listed.first().unwrap().version, v(12), "newest first");
    }
}

#[tokio::test]
async fn duplicate_model_names_are_refused_by_name() {
    for t in registries().await {
        model_with_versions(&t.reg, "dup", 0).await;
        let err = t
            .reg
            .create_registered_model(&alice(), model("dup"), String::new(), vec![])
            .await
            .unwrap_err();
        assert_eq!(
            err,
            Error::exists(
                pedigree_core::Entity::RegisteredModel,
                "dup",
                "Registered Model (name=dup) already exists."
            ),
            "{:?}",
            t.backend
        );
    }
}

#[tokio::test]
async fn promoting_archives_the_previous_production_version_by_default() {
    for t in registries().await {
        model_with_versions(&t.reg, "fd", 3).await;
        let name = model("fd");
        t.reg
            .transition_stage(&bob(), &name, v(1), Stage::Production, false)
            .await
            .unwrap();
        let tr = t
            .reg
            .transition_stage(&bob(), &name, v(2), Stage::Production, false)
            .await
            .unwrap();
        assert_eq!(tr.archived, vec![v(1)]);
        assert_eq!(
            t.reg.get_model_version(&name, v(1)).await.unwrap().stage,
            Stage::Archived
        );
        // Rollback is one call: v1 back to Production archives v2.
        let tr = t
            .reg
            .transition_stage(&bob(), &name, v(1), Stage::Production, true)
            .await
            .unwrap();
        assert_eq!(tr.archived, vec![v(2)]);
        let latest = t
            .reg
            .get_registered_model(&name)
            .await
            .unwrap()
            .latest_versions;
        let prod: Vec<_> = latest
            .iter()
            .filter(|x| x.stage == Stage::Production)
            .map(|x| x.version)
            .collect();
        assert_eq!(prod, vec![v(1)], "{:?}", t.backend);
    }
}

#[tokio::test]
async fn the_schema_refuses_a_second_production_version_under_the_single_policy() {
    for t in registries().await {
        model_with_versions(&t.reg, "inv", 2).await;
        t.reg
            .transition_stage(&bob(), &model("inv"), v(1), Stage::Production, false)
            .await
            .unwrap();
        // Bypass the services: the partial unique index itself must hold.
        let r = raw(
            &t,
            "UPDATE model_versions SET stage = 'Production' WHERE version = 2",
        )
        .await;
        assert!(
            r.is_err(),
            "{:?}: a second Production row was accepted",
            t.backend
        );
    }
}

#[tokio::test]
async fn the_multi_production_policy_allows_several_and_cannot_be_reverted_while_they_exist() {
    for t in registries().await {
        model_with_versions(&t.reg, "multi", 2).await;
        let name = model("multi");
        t.reg
            .set_production_policy(&Actor::system(), &name, false)
            .await
            .unwrap();
        t.reg
            .transition_stage(&bob(), &name, v(1), Stage::Production, false)
            .await
            .unwrap();
        let tr = t
            .reg
            .transition_stage(&bob(), &name, v(2), Stage::Production, false)
            .await
            .unwrap();
        assert!(tr.archived.is_empty());
        let err = t
            .reg
            .set_production_policy(&Actor::system(), &name, true)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::FailedPrecondition(_)), "{err:?}");
        assert!(
            !t.reg
                .get_registered_model(&name)
                .await
                .unwrap()
                .single_production,
            "policy unchanged after the failure"
        );
    }
}

#[tokio::test]
async fn aliases_point_at_one_version_and_follow_moves_and_deletes() {
    for t in registries().await {
        model_with_versions(&t.reg, "al", 2).await;
        let (name, champ) = (model("al"), AliasName::parse("champion").unwrap());
        t.reg
            .set_alias(&alice(), &name, champ.clone(), v(1))
            .await
            .unwrap();
        assert_eq!(t.reg.resolve_alias(&name, &champ).await.unwrap(), v(1));
        t.reg
            .set_alias(&alice(), &name, champ.clone(), v(2))
            .await
            .unwrap();
        assert_eq!(t.reg.resolve_alias(&name, &champ).await.unwrap(), v(2));
        assert_eq!(
            t.reg.get_model_version(&name, v(2)).await.unwrap().aliases,
            vec![champ.clone()]
        );
        let err = t
            .reg
            .set_alias(&alice(), &name, champ.clone(), v(9))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }));
        t.reg
            .delete_model_version(&alice(), &name, v(2))
            .await
            .unwrap();
        assert!(matches!(
            t.reg.resolve_alias(&name, &champ).await.unwrap_err(),
            Error::NotFound { .. }
        ));
    }
}

#[tokio::test]
async fn every_mutation_writes_exactly_one_audit_event_and_a_failed_one_writes_none() {
    for t in registries().await {
        let reg = &t.reg;
        let count = || async { reg.audit_count(&alice()).await.unwrap() };
        let run = a_run(reg).await;
        let n0 = count().await;
        reg.create_registered_model(
            &alice(),
            model("a"),
            "d".into(),
            vec![Tag::parse("k", "v").unwrap()],
        )
        .await
        .unwrap();
        assert_eq!(count().await, n0 + 1);
        reg.create_model_version(&alice(), new_version("a", &run))
            .await
            .unwrap();
        assert_eq!(count().await, n0 + 2);
        reg.transition_stage(&bob(), &model("a"), v(1), Stage::Staging, false)
            .await
            .unwrap();
        assert_eq!(count().await, n0 + 3);
        reg.set_alias(
            &bob(),
            &model("a"),
            AliasName::parse("champion").unwrap(),
            v(1),
        )
        .await
        .unwrap();
        assert_eq!(count().await, n0 + 4);
        // Failures: a duplicate, a missing model, a bad transition target.
        assert!(reg
            .create_registered_model(&alice(), model("a"), String::new(), vec![])
            .await
            .is_err());
        assert!(reg
            .create_model_version(&alice(), new_version("missing", &run))
            .await
            .is_err());
        assert!(reg
            .transition_stage(&bob(), &model("a"), v(7), Stage::Production, true)
            .await
            .is_err());
        assert_eq!(
            count().await,
            n0 + 4,
            "{:?}: failed transactions left audit events",
            t.backend
        );
        let last = &trail(reg, Default::default(), 1).await[0];
        assert_eq!(
            (
                last.actor.as_str(),
                last.action.as_str(),
                last.subject.as_str()
            ),
            ("bob", "alias.set", "registered_model:a@champion")
        );
        assert!(matches!(
            reg.verify_audit(&alice()).await.unwrap(),
            VerifyOutcome::Ok { .. }
        ));
    }
}

#[tokio::test]
async fn the_audit_log_is_append_only_and_tampering_is_detected() {
    for t in registries().await {
        model_with_versions(&t.reg, "tamper", 2).await;
        let events = t.reg.audit_count(&alice()).await.unwrap();
        assert!(
            raw(
                &t,
                "UPDATE audit_events SET actor = 'mallory' WHERE seq = 2"
            )
            .await
            .is_err(),
            "UPDATE must be refused"
        );
        assert!(
            raw(&t, "DELETE FROM audit_events WHERE seq = 2")
                .await
                .is_err(),
            "DELETE must be refused"
        );
        // Someone with direct database access goes around the guard.
        match t.backend {
            Backend::Sqlite => {
                raw(&t, "DROP TRIGGER audit_events_no_update")
                    .await
                    .unwrap();
            }
            Backend::Postgres => {
                raw(
                    &t,
                    "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update",
                )
                .await
                .unwrap();
            }
        }
        raw(
            &t,
            "UPDATE audit_events SET actor = 'mallory' WHERE seq = 2",
        )
        .await
        .unwrap();
        match t.reg.verify_audit(&alice()).await.unwrap() {
            VerifyOutcome::Broken { seq, .. } => assert_eq!(seq, 2, "{:?}", t.backend),
            ok => panic!("tampering not detected: {ok:?}"),
        }
        assert_eq!(t.reg.audit_count(&alice()).await.unwrap(), events);
    }
}

#[tokio::test]
async fn runs_keep_full_metric_history_and_params_are_write_once() {
    for t in registries().await {
        let reg = &t.reg;
        let tags = vec![Tag::parse("mlflow.source.git.commit", "abc123").unwrap()];
        let run = reg
            .create_run(
                &alice(),
                NewRun {
                    tags,
                    ..NewRun::default()
                },
            )
            .await
            .unwrap();
        let id = run.info.run_id.clone();
        let history: Vec<_> = (0..250)
            .map(|s| metric("loss", 1.0 / (s + 1) as f64, s))
            .collect();
        reg.log_batch(
            &alice(),
            &id,
            &history,
            &[Tag::param("lr", "0.1").unwrap()],
            &[],
        )
        .await
        .unwrap();
        reg.log_batch(
            &alice(),
            &id,
            &[
                metric("loss", f64::NAN, 250),
                metric("auc", f64::INFINITY, 0),
            ],
            &[],
            &[],
        )
        .await
        .unwrap();
        let h = reg
            .metric_history(&id, &Key::parse("loss").unwrap())
            .await
            .unwrap();
        assert_eq!(h.len(), 251);
        assert_eq!(h[10].value, 1.0 / 11.0);
        assert!(h[250].value.is_nan());
        let got = reg.get_run(&id).await.unwrap();
        let latest = got
            .metrics
            .iter()
            .find(|m| m.key.as_str() == "loss")
            .unwrap();
        assert_eq!(latest.step, 250);
        assert_eq!(
            got.metrics
                .iter()
                .find(|m| m.key.as_str() == "auc")
                .unwrap()
                .value,
            f64::INFINITY
        );
        assert_eq!(got.provenance().git_commit.as_deref(), Some("abc123"));
        // A changed param fails the whole batch: its metrics must not land.
        let before = reg.audit_count(&alice()).await.unwrap();
        let err = reg
            .log_batch(
                &alice(),
                &id,
                &[metric("loss", 0.0, 999)],
                &[Tag::param("lr", "0.2").unwrap()],
                &[],
            )
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("Changing param values is not allowed"),
            "{err}"
        );
        assert_eq!(
            reg.metric_history(&id, &Key::parse("loss").unwrap())
                .await
                .unwrap()
                .len(),
            251,
            "{:?}",
            t.backend
        );
        assert_eq!(reg.audit_count(&alice()).await.unwrap(), before);
        // Deleted runs refuse writes until restored.
        reg.delete_run(&alice(), &id).await.unwrap();
        assert!(reg
            .log_batch(&alice(), &id, &[metric("x", 1.0, 0)], &[], &[])
            .await
            .is_err());
        reg.restore_run(&alice(), &id).await.unwrap();
        reg.log_batch(&alice(), &id, &[metric("x", 1.0, 0)], &[], &[])
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn dataset_inputs_are_stored_once_per_experiment() {
    for t in registries().await {
        let reg = &t.reg;
        let input = DatasetInput {
            dataset: Dataset {
                name: "tx".into(),
                digest: "d1".into(),
                source_type: "s3".into(),
                source: "s3://b/tx".into(),
                schema: None,
                profile: None,
            },
            tags: vec![Tag::parse("mlflow.data.context", "training").unwrap()],
        };
        let r1 = reg
            .create_run(&alice(), NewRun::default())
            .await
            .unwrap()
            .info
            .run_id;
        let r2 = reg
            .create_run(&alice(), NewRun::default())
            .await
            .unwrap()
            .info
            .run_id;
        reg.log_inputs(&alice(), &r1, std::slice::from_ref(&input), &[])
            .await
            .unwrap();
        reg.log_inputs(&alice(), &r2, std::slice::from_ref(&input), &[])
            .await
            .unwrap();
        assert_eq!(reg.get_run(&r2).await.unwrap().inputs, vec![input]);
        let n = crate::common::scalar(&t, "SELECT COUNT(*) FROM datasets").await;
        assert_eq!(n, 1, "{:?}", t.backend);
    }
}

fn cursor(bytes: &[u8]) -> std::pin::Pin<Box<std::io::Cursor<Vec<u8>>>> {
    Box::pin(std::io::Cursor::new(bytes.to_vec()))
}

#[tokio::test]
async fn identical_artifacts_share_one_blob_and_registration_freezes_them() {
    for t in registries().await {
        let reg = &t.reg;
        let p = |s: String| pedigree_core::artifact::ArtifactPath::parse(&s).unwrap();
        let (r1, r2) = (a_run(reg).await, a_run(reg).await);
        let (f1, f2) = (
            p(format!("0/{r1}/artifacts/model/model.pkl")),
            p(format!("0/{r2}/artifacts/model/model.pkl")),
        );
        let bytes = vec![7u8; 100_000];
        let a = reg
            .put_artifact(&alice(), &f1, cursor(&bytes), None)
            .await
            .unwrap();
        let b = reg
            .put_artifact(&alice(), &f2, cursor(&bytes), None)
            .await
            .unwrap();
        assert_eq!(a.digest, b.digest);
        let n = crate::common::scalar(&t, "SELECT COUNT(*) FROM blobs").await;
        assert_eq!(n, 1);
        let listing = reg
            .list_artifacts(Some(&p(format!("0/{r1}/artifacts"))))
            .await
            .unwrap();
        assert_eq!(listing.len(), 1);
        assert!(
            listing[0].is_dir && listing[0].path.ends_with("/artifacts/model"),
            "{listing:?}"
        );
        let (_, mut reader) = reg.open_artifact(&f2).await.unwrap();
        let mut back = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut back)
            .await
            .unwrap();
        assert_eq!(back, bytes);
        // Writes outside a run's or model's root, or into a missing run, are refused.
        assert!(reg
            .put_artifact(&alice(), &p("0/elsewhere.txt".into()), cursor(b"x"), None)
            .await
            .is_err());
        let ghost = "0123456789abcdef0123456789abcdef";
        assert!(matches!(
            reg.put_artifact(
                &alice(),
                &p(format!("0/{ghost}/artifacts/x")),
                cursor(b"x"),
                None
            )
            .await,
            Err(Error::NotFound { .. })
        ));
        // Registering from the run freezes its model directory, and only that.
        model_with_versions(reg, "frozen", 0).await;
        let mut nv = new_version("frozen", &r1);
        nv.source = format!("mlflow-artifacts:/0/{r1}/artifacts/model");
        let mv = reg.create_model_version(&alice(), nv).await.unwrap();
        assert_eq!(mv.run_id, Some(RunRef::Tracked(r1.clone())));
        assert!(!mv.is_external());
        let err = reg
            .put_artifact(&alice(), &f1, cursor(b"new"), None)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::FailedPrecondition(_)), "{err:?}");
        assert!(reg.delete_artifacts(&alice(), &f1).await.is_err());
        assert!(
            reg.delete_artifacts(&alice(), &p(format!("0/{r1}/artifacts")))
                .await
                .is_err(),
            "deleting a parent of a frozen dir"
        );
        reg.put_artifact(
            &alice(),
            &p(format!("0/{r1}/artifacts/plots/roc.csv")),
            cursor(b"1,2"),
            None,
        )
        .await
        .unwrap();
        assert_eq!(
            reg.artifact_entry(&f1).await.unwrap().digest,
            a.digest,
            "{:?}",
            t.backend
        );
    }
}

#[tokio::test]
async fn version_sources_must_lie_inside_the_runs_artifact_root() {
    for t in registries().await {
        let reg = &t.reg;
        model_with_versions(reg, "src", 0).await;
        let (r1, r2) = (a_run(reg).await, a_run(reg).await);
        for source in [
            "file:///etc/passwd".to_string(),
            "/tmp/model".to_string(),
            "http://evil.example/model".to_string(),
            format!("mlflow-artifacts:/0/{r1}/artifacts/../../{r2}/artifacts"),
            format!("mlflow-artifacts:/7/{r1}/artifacts/model"),
            format!("runs:/{r1}/../{r2}/model"),
            "s3://bucket/../model".to_string(),
            "s3://bucket/model#x".to_string(),
            "C:\\models\\m".to_string(),
            "s3://bucket/m\0".to_string(),
        ] {
            let mut nv = new_version("src", &r1);
            nv.source = source.clone();
            let err = reg.create_model_version(&alice(), nv).await.unwrap_err();
            assert!(
                matches!(err, Error::InvalidArgument(_) | Error::NotFound { .. }),
                "{source}: {err:?}"
            );
        }
        let mut nv = new_version("src", &r1);
        nv.source = format!("runs:/{r2}/model");
        nv.run_id = Some(r1.to_string());
        assert!(
            reg.create_model_version(&alice(), nv).await.is_err(),
            "source in another run than run_id"
        );
        let ok = reg
            .create_model_version(&alice(), new_version("src", &r2))
            .await
            .unwrap();
        assert_eq!(
            ok.source,
            format!("mlflow-artifacts:/0/{r2}/artifacts/model"),
            "canonical form is stored"
        );
        assert_eq!(
            ok.version,
            v(1),
            "{:?}: refused sources must not consume version numbers",
            t.backend
        );
    }
}

#[tokio::test]
async fn operator_settings_choose_mlflows_multi_production_and_unowned_artifact_paths() {
    use pedigree_core::service::Settings;
    for t in registries().await {
        let reg = t.reg.clone().with_settings(Settings {
            single_production_default: false,
            allow_unowned_artifacts: true,
            allow_external_promotion: false,
            ..t.reg.settings()
        });
        model_with_versions(&reg, "mlflow-like", 2).await;
        let name = model("mlflow-like");
        reg.transition_stage(&bob(), &name, v(1), Stage::Production, false)
            .await
            .unwrap();
        let tr = reg
            .transition_stage(&bob(), &name, v(2), Stage::Production, false)
            .await
            .unwrap();
        assert!(tr.archived.is_empty(), "{:?}", t.backend);
        let p = |s: &str| pedigree_core::artifact::ArtifactPath::parse(s).unwrap();
        reg.put_artifact(&alice(), &p("scratch/blob.bin"), cursor(b"free"), None)
            .await
            .unwrap();
        // Run roots stay guarded even so.
        let ghost = "0123456789abcdef0123456789abcdef";
        assert!(reg
            .put_artifact(
                &alice(),
                &p(&format!("0/{ghost}/artifacts/x")),
                cursor(b"x"),
                None
            )
            .await
            .is_err());
        // The default registry refuses the unowned path.
        assert!(t
            .reg
            .put_artifact(&alice(), &p("scratch/other.bin"), cursor(b"x"), None)
            .await
            .is_err());
    }
}

#[tokio::test]
async fn version_search_by_name_pages_newest_first_like_the_general_path() {
    use pedigree_core::service::search::SearchArgs;
    for t in registries().await {
        model_with_versions(&t.reg, "paged", 12).await;
        model_with_versions(&t.reg, "other", 2).await;
        let args = |filter: &str, order: &[&str], token: Option<String>| SearchArgs {
            filter: filter.into(),
            order_by: order.iter().map(|s| s.to_string()).collect(),
            max_results: Some(5),
            page_token: token,
            default_max: 100,
            cap: 1000,
        };
        let mut seen = Vec::new();
        let mut token = None;
        loop {
            let (page, next) = t
                .reg
                .search_model_versions(args("name='paged'", &["version_number DESC"], token))
                .await
                .unwrap();
            seen.extend(page.iter().map(|v| v.version.get()));
            match next {
                Some(n) => token = Some(n),
                None => break,
            }
        }
        assert_eq!(seen, (1..=12).rev().collect::<Vec<_>>(), "{:?}", t.backend);
        // The general path (a filter the fast path does not take) agrees.
        let (general, _) = t
            .reg
            .search_model_versions(args(
                "name='paged' AND version_number > 0",
                &["version_number DESC"],
                None,
            ))
            .await
            .unwrap();
        assert_eq!(
            general.iter().map(|v| v.version.get()).collect::<Vec<_>>(),
            vec![12, 11, 10, 9, 8]
        );
        let (none, next) = t
            .reg
            .search_model_versions(args("name='missing'", &["version_number DESC"], None))
            .await
            .unwrap();
        assert!(none.is_empty() && next.is_none());
        // MLflow's default order, most recently updated first: touching versions 3 and 7
        // moves them to the front, in SQL paging as in the general path.
        let paged = ModelName::parse("paged").unwrap();
        for v in [3, 7] {
            t.reg
                .transition_stage(
                    &alice(),
                    &paged,
                    Version::new(v).unwrap(),
                    Stage::Staging,
                    false,
                )
                .await
                .unwrap();
        }
        let recent = [
            "last_updated_timestamp DESC",
            "name ASC",
            "version_number DESC",
        ];
        let mut fast = Vec::new();
        let mut token = None;
        loop {
            let (page, next) = t
                .reg
                .search_model_versions(args("name='paged'", &recent, token))
                .await
                .unwrap();
            fast.extend(page.iter().map(|v| v.version.get()));
            match next {
                Some(n) => token = Some(n),
                None => break,
            }
        }
        let mut general = Vec::new();
        let mut token = None;
        loop {
            let (page, next) = t
                .reg
                .search_model_versions(args("name='paged' AND version_number > 0", &recent, token))
                .await
                .unwrap();
            general.extend(page.iter().map(|v| v.version.get()));
            match next {
                Some(n) => token = Some(n),
                None => break,
            }
        }
        assert_eq!(fast, general, "{:?}", t.backend);
        assert_eq!(fast.len(), 12);
        assert_eq!(&fast[..2], &[7, 3], "{:?}", t.backend);
    }
}

#[tokio::test]
async fn the_sql_run_search_agrees_with_the_in_memory_one() {
    use pedigree_core::experiment::ViewType;
    use pedigree_core::service::search::SearchArgs;
    for t in registries().await {
        let reg = &t.reg;
        let exp = reg
            .create_experiment(&alice(), ExperimentName::parse("agree").unwrap(), vec![])
            .await
            .unwrap();
        // Ties, NaN and missing values on purpose; start times collide in pairs.
        let mut seed = 7u64;
        let mut rnd = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % 100
        };
        for i in 0..60 {
            let run = reg
                .create_run(
                    &alice(),
                    NewRun {
                        experiment_id: Some(exp),
                        start_time: Some(1_000 + (i / 2) as i64),
                        ..NewRun::default()
                    },
                )
                .await
                .unwrap()
                .info
                .run_id;
            let mut metrics = vec![];
            match rnd() % 5 {
                0 => {}
                1 => metrics.push(metric("acc", f64::NAN, 0)),
                _ => metrics.push(metric("acc", (rnd() % 10) as f64 / 10.0, 0)),
            }
            if rnd() % 4 != 0 {
                metrics.push(metric("loss", (rnd() % 7) as f64, 0));
            }
            let model = ["cnn", "rnn", "mlp"][(rnd() % 3) as usize];
            let split = ["a", "b"][(rnd() % 2) as usize];
            reg.log_batch(
                &alice(),
                &run,
                &metrics,
                &[Tag::param("model", model).unwrap()],
                &[Tag::parse("split", split).unwrap()],
            )
            .await
            .unwrap();
        }
        let cases: &[(&str, &[&str])] = &[
            (
                "metrics.acc > 0.5 and params.model = 'cnn'",
                &["metrics.loss ASC"],
            ),
            ("metrics.acc >= 0.5", &["metrics.acc DESC"]),
            (
                "params.model = 'rnn' and tags.split = 'b'",
                &["attributes.start_time DESC"],
            ),
            ("", &["metrics.acc DESC"]),
            ("", &["metrics.loss ASC", "metrics.acc DESC"]),
            ("", &[]),
            ("metrics.acc != 0.5", &["metrics.acc ASC"]),
            ("metrics.loss <= 3 and tags.split = 'a'", &[]),
        ];
        for (filter, order) in cases {
            for page in [7i64, 100] {
                let args = |token: Option<String>| SearchArgs {
                    filter: filter.to_string(),
                    order_by: order.iter().map(|s| s.to_string()).collect(),
                    max_results: Some(page),
                    page_token: token,
                    default_max: 1000,
                    cap: 1000,
                };
                let (mut fast, mut slow) = (Vec::new(), Vec::new());
                let mut token = None;
                loop {
                    let (runs, next) = reg
                        .search_runs(&[exp], ViewType::ActiveOnly, args(token))
                        .await
                        .unwrap();
                    fast.extend(runs.into_iter().map(|r| r.info.run_id));
                    token = next;
                    if token.is_none() {
                        break;
                    }
                }
                let mut token = None;
                loop {
                    let (runs, next) = reg
                        .search_runs_in_memory(&[exp], ViewType::ActiveOnly, args(token))
                        .await
                        .unwrap();
                    slow.extend(runs.into_iter().map(|r| r.info.run_id));
                    token = next;
                    if token.is_none() {
                        break;
                    }
                }
                assert!(
                    !slow.is_empty() || filter.contains("!="),
                    "{filter}: no matches, the case tests nothing"
                );
                assert_eq!(
                    fast, slow,
                    "{:?}: filter {filter:?} order {order:?} page {page}",
                    t.backend
                );
            }
        }
    }
}

#[tokio::test]
async fn logged_model_sources_must_name_the_models_own_root() {
    use pedigree_core::service::logged_models::NewLoggedModel;
    for t in registries().await {
        let reg = &t.reg;
        model_with_versions(reg, "lm", 0).await;
        let run = a_run(reg).await;
        let new = NewLoggedModel {
            experiment_id: ExperimentId::DEFAULT,
            name: "model".into(),
            source_run_id: Some(run.to_string()),
            model_type: None,
            params: vec![],
            tags: vec![],
        };
        let m = reg
            .create_logged_model(&alice(), new)
            .await
            .unwrap()
            .model_id;
        for bad in [
            format!("mlflow-artifacts:/9/models/{m}/artifacts"),
            format!("mlflow-artifacts:/0/models/{m}/other"),
        ] {
            let mut nv = new_version("lm", &run);
            nv.source = bad.clone();
            nv.run_id = None;
            assert!(
                reg.create_model_version(&alice(), nv).await.is_err(),
                "{:?}: {bad} was accepted",
                t.backend
            );
        }
        let mut nv = new_version("lm", &run);
        nv.source = format!("models:/{m}");
        nv.run_id = None;
        let v = reg.create_model_version(&alice(), nv).await.unwrap();
        assert_eq!(
            (v.run_id.clone(), v.logged_model_id.as_ref()),
            (Some(RunRef::Tracked(run.clone())), Some(&m)),
            "run derived from the logged model"
        );
        // The model lists the version, in MLflow's words.
        let tags = reg.get_logged_model(&m).await.unwrap().tags;
        let listed = tags
            .iter()
            .find(|t| t.key.as_str() == "mlflow.modelVersions");
        assert_eq!(
            listed.map(|t| t.value.as_str()),
            Some(r#"[{"name": "lm", "version": 1}]"#)
        );
    }
}

#[tokio::test]
async fn bulk_registered_models_equal_one_by_one_loads() {
    for t in registries().await {
        let reg = &t.reg;
        model_with_versions(reg, "bulk-a", 4).await;
        model_with_versions(reg, "bulk-b", 1).await;
        model_with_versions(reg, "bulk-c", 0).await;
        let a = model("bulk-a");
        reg.transition_stage(&bob(), &a, v(2), Stage::Production, false)
            .await
            .unwrap();
        reg.transition_stage(&bob(), &a, v(3), Stage::Staging, false)
            .await
            .unwrap();
        reg.set_alias(&bob(), &a, AliasName::parse("champion").unwrap(), v(2))
            .await
            .unwrap();
        reg.set_registered_model_tag(&bob(), &a, Tag::parse("team", "risk").unwrap())
            .await
            .unwrap();
        reg.set_model_version_tag(&bob(), &a, v(2), Tag::parse("auc", "0.9").unwrap())
            .await
            .unwrap();
        let bulk = reg.all_registered_models().await.unwrap();
        let mut one_by_one = Vec::new();
        for name in ["bulk-a", "bulk-b", "bulk-c"] {
            one_by_one.push(reg.get_registered_model(&model(name)).await.unwrap());
        }
        assert_eq!(bulk, one_by_one, "{:?}", t.backend);
        assert_eq!(
            bulk[0].latest_versions.len(),
            3,
            "newest per stage: None v4, Staging v3, Production v2"
        );
    }
}
