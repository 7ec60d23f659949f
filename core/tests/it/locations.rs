//! External experiment artifact locations, on SQLite and PostgreSQL: refused unless the
//! operator configures a root they lie under; then recorded verbatim, with runs and logged
//! models under `<location>/<id>/artifacts` (before any `?query`), and `runs:/` and
//! `models:/` sources that name them kept as external references (nothing frozen).
use crate::common::{alice, registries, scalar};
use pedigree_core::external::{RunRef, SourceKind};
use pedigree_core::location::{ExternalLocation, ExternalRoots};
use pedigree_core::model_version::NewModelVersion;
use pedigree_core::names::*;
use pedigree_core::service::logged_models::NewLoggedModel;
use pedigree_core::service::runs::NewRun;
use pedigree_core::service::Settings;
use pedigree_core::Error;

fn loc(s: &str) -> ExternalLocation {
    ExternalLocation::parse(s).unwrap()
}

fn version(source: &str, run_id: Option<&str>) -> NewModelVersion {
    NewModelVersion {
        name: ModelName::parse("ext-loc").unwrap(),
        source: source.to_string(),
        run_id: run_id.map(str::to_string),
        run_link: String::new(),
        logged_model_id: None,
        description: String::new(),
        tags: vec![],
    }
}

#[tokio::test]
async fn external_experiment_locations_are_allowed_only_under_configured_roots() {
    for t in registries().await {
        let name = |n: &str| ExperimentName::parse(n).unwrap();
        // The default: every artifact root is server-owned.
        let got = t
            .reg
            .create_experiment_at(&alice(), name("refused"), vec![], Some(&loc("s3://b/x")))
            .await;
        assert!(
            matches!(got, Err(Error::InvalidArgument(_))),
            "{:?}: {got:?}",
            t.backend
        );
        let reg = t.reg.clone().with_settings(Settings {
            external_artifact_roots: ExternalRoots::parse(["s3://bucket", "mysql://u:p@h:1/db"])
                .unwrap(),
            ..t.reg.settings()
        });
        for outside in [
            "s3://bucket-other/x",
            "gs://bucket/x",
            "mysql://u:p@h:1/dbx",
        ] {
            let got = reg
                .create_experiment_at(&alice(), name("outside"), vec![], Some(&loc(outside)))
                .await;
            assert!(matches!(got, Err(Error::InvalidArgument(_))), "{outside}");
        }
        assert_eq!(
            scalar(&t, "SELECT COUNT(*) FROM experiments").await,
            1,
            "only Default: nothing was written for a refused location"
        );

        for (i, (location, run_uri)) in [
            ("s3://bucket/root", "s3://bucket/root/{run}/artifacts"),
            (
                "mysql://u:p@h:1/db?driver=d",
                "mysql://u:p@h:1/db/{run}/artifacts?driver=d",
            ),
        ]
        .into_iter()
        .enumerate()
        {
            let exp = reg
                .create_experiment_at(
                    &alice(),
                    name(&format!("e{i}")),
                    vec![],
                    Some(&loc(location)),
                )
                .await
                .unwrap();
            assert_eq!(
                reg.get_experiment(exp).await.unwrap().artifact_location,
                location,
                "recorded verbatim"
            );
            let run = reg
                .create_run(
                    &alice(),
                    NewRun {
                        experiment_id: Some(exp),
                        ..NewRun::default()
                    },
                )
                .await
                .unwrap()
                .info;
            assert_eq!(
                run.artifact_uri,
                run_uri.replace("{run}", run.run_id.as_str()),
                "{:?}",
                t.backend
            );
            let model = reg
                .create_logged_model(
                    &alice(),
                    NewLoggedModel {
                        experiment_id: exp,
                        name: "m".into(),
                        source_run_id: Some(run.run_id.to_string()),
                        model_type: None,
                        params: vec![],
                        tags: vec![],
                    },
                )
                .await
                .unwrap();
            assert_eq!(
                model.artifact_location,
                pedigree_core::location::join_location(
                    location,
                    &format!("models/{}/artifacts", model.model_id)
                )
            );
            // Sources naming that run or model are external: their files are not here.
            if i == 0 {
                reg.create_registered_model(
                    &alice(),
                    ModelName::parse("ext-loc").unwrap(),
                    String::new(),
                    vec![],
                )
                .await
                .unwrap();
            }
            let by_run = format!("runs:/{}/model", run.run_id);
            let by_model = format!("models:/{}", model.model_id);
            for (source, run_id) in [(by_run.as_str(), None), (by_model.as_str(), None)] {
                let mv = reg
                    .create_model_version(&alice(), version(source, run_id))
                    .await
                    .unwrap_or_else(|e| panic!("{:?}: {source}: {e}", t.backend));
                assert_eq!(mv.source, source);
                assert_eq!(mv.source_kind, SourceKind::External, "{source}");
                assert_eq!(mv.run_id, Some(RunRef::Tracked(run.run_id.clone())));
            }
            // A run_id that is not the source's run is still refused.
            let other = crate::common::a_run(&reg).await;
            let got = reg
                .create_model_version(&alice(), version(&by_run, Some(other.as_str())))
                .await;
            assert!(matches!(got, Err(Error::InvalidArgument(_))), "{got:?}");
        }
        assert_eq!(
            scalar(&t, "SELECT COUNT(*) FROM frozen_prefixes").await,
            0,
            "nothing external is frozen"
        );
    }
}
