//! The version page as a browser without JavaScript gets it from the real server on port 0
//! (SQLite, and PostgreSQL when the test cluster is up): the run's provenance, params,
//! latest metrics and dataset, every file with the SHA-256 of its bytes and a download link
//! that serves exactly those bytes, the manifest digest a review binds to, and the stage
//! and alias history; a version that does not exist is a 404 page saying so, a version
//! that is not a number a 400.
use crate::common::{servers, Server};
use pedigree_core::artifact::ArtifactPath;
use pedigree_core::model_version::NewModelVersion;
use pedigree_core::run::{Dataset, DatasetInput, Metric, RunStatus};
use pedigree_core::service::runs::NewRun;
use pedigree_core::user::Actor;
use pedigree_core::{AliasName, Key, ModelName, Stage, Tag, UserName, Version};
use sha2::Digest;

const WEIGHTS: &[u8] = b"\x00\x01binary weights\xff";

/// Model `fraud detector α` v1 from a finished run with params, a metric curve, a dataset
/// and two files; v1 then goes to Staging and gets `@candidate`.
async fn seed(s: &Server) -> (ModelName, String) {
    let reg = &s.registry;
    let alice = Actor::new(UserName::parse("alice").unwrap());
    let name = ModelName::parse("fraud detector α").unwrap();
    reg.create_registered_model(&alice, name.clone(), String::new(), vec![])
        .await
        .unwrap();
    let run = reg
        .create_run(
            &alice,
            NewRun {
                run_name: Some("nightly-train".into()),
                start_time: Some(1_790_000_000_000),
                tags: vec![
                    Tag::parse("mlflow.source.git.commit", "4f2a9c0d1e").unwrap(),
                    Tag::parse("pedigree.hardware", "1× A100 80GB").unwrap(),
                ],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let id = run.info.run_id.clone();
    let metrics: Vec<Metric> = (0..50)
        .map(|step| Metric {
            key: Key::parse("auc").unwrap(),
            value: 0.5 + f64::from(step) / 100.0,
            timestamp: 1_790_000_000_000 + i64::from(step),
            step: i64::from(step),
            model_id: None,
            dataset_name: None,
            dataset_digest: None,
        })
        .collect();
    reg.log_batch(
        &alice,
        &id,
        &metrics,
        &[Tag::param("max_depth", "7").unwrap()],
        &[],
    )
    .await
    .unwrap();
    let dataset = Dataset {
        name: "transactions-2026q3".into(),
        digest: "9e1f77ab".into(),
        source_type: "s3".into(),
        source: "s3://datasets/transactions/v3".into(),
        schema: None,
        profile: None,
    };
    let input = DatasetInput {
        dataset,
        tags: vec![Tag::parse("mlflow.data.context", "training").unwrap()],
    };
    reg.log_inputs(&alice, &id, &[input], &[]).await.unwrap();
    let exp = run.info.experiment_id;
    let root = ArtifactPath::parse(&format!("{exp}/{id}/artifacts")).unwrap();
    for (path, bytes) in [
        ("model/MLmodel", b"flavors: {}\n".to_vec()),
        ("model/data/weights.bin", WEIGHTS.to_vec()),
    ] {
        let p = root.join(&ArtifactPath::parse(path).unwrap());
        reg.put_artifact(&alice, &p, Box::pin(std::io::Cursor::new(bytes)), None)
            .await
            .unwrap();
    }
    reg.update_run(
        &alice,
        &id,
        Some(RunStatus::Finished),
        Some(1_790_000_000_000 + 725_000),
        None,
    )
    .await
    .unwrap();
    let v = reg
        .create_model_version(
            &alice,
            NewModelVersion {
                name: name.clone(),
                source: format!("mlflow-artifacts:/{root}/model"),
                run_id: Some(id.to_string()),
                run_link: String::new(),
                logged_model_id: None,
                description: "Retrained on **the third quarter** <script>alert(1)</script>".into(),
                tags: vec![],
            },
        )
        .await
        .unwrap();
    reg.transition_stage(&alice, &name, v.version, Stage::Staging, false)
        .await
        .unwrap();
    reg.set_alias(
        &alice,
        &name,
        AliasName::parse("candidate").unwrap(),
        v.version,
    )
    .await
    .unwrap();
    (name, id.to_string())
}

async fn page(s: &Server, path: &str) -> (u16, String) {
    let r = s.client.get(s.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The `href` of the link whose text is `label`.
fn href_of(html: &str, label: &str) -> Option<String> {
    let end = html.find(&format!(">{label}</a>"))?;
    let start = html[..end].rfind("href=\"")? + 6;
    let stop = start + html[start..].find('"')?;
    Some(html[start..stop].replace("&amp;", "&"))
}

#[tokio::test]
async fn the_version_page_shows_its_run_files_digest_and_history() {
    for s in servers().await {
        let (name, run_id) = seed(&s).await;
        let model_path = app::routes::model(&name);
        let path = app::routes::version(&name, Version::new(1).unwrap());

        // The model page links each version to its page.
        let (status, html) = page(&s, &model_path).await;
        assert_eq!(status, 200);
        assert!(html.contains(&format!("href=\"{path}\"")), "{html}");

        let (status, html) = page(&s, &path).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("fraud detector α v1"), "{html}");
        assert!(
            html.contains(">Staging<") && html.contains("@candidate"),
            "{html}"
        );
        assert!(html.contains(&format!("href=\"/runs/{run_id}\"")), "{html}");
        for text in [
            "4f2a9c0d1e",
            "1× A100 80GB",
            "12 min 5 s",
            "max_depth",
            "transactions-2026q3",
            "9e1f77ab",
            "s3://datasets/transactions/v3",
        ] {
            assert!(html.contains(text), "{text} in {html}");
        }
        // The description is markdown, rendered; its script neither runs nor survives,
        // in the page or in the data the page hydrates from.
        assert!(
            html.contains("Retrained on <strong>the third quarter</strong>"),
            "{html}"
        );
        assert!(!html.contains("<script>alert(1)"), "{html}");

        // The latest auc (step 49) with its step.
        assert!(html.contains(">0.99<") && html.contains(">49<"), "{html}");

        // The manifest digest is the one a transition request would bind to.
        let view = s
            .registry
            .version_view(None, &name, Version::new(1).unwrap())
            .await
            .unwrap();
        let files = view.files.expect("files held here");
        assert!(html.contains(&format!("sha256:{}", files.digest)), "{html}");
        assert_eq!(files.files.len(), 2);

        // Each file: its digest shown, and its link serves exactly those bytes.
        let weights_sha = hex::encode(sha2::Sha256::digest(WEIGHTS));
        assert!(html.contains(&weights_sha), "{html}");
        assert!(
            html.contains(">data/<"),
            "the tree shows the directory: {html}"
        );
        let link = href_of(&html, "weights.bin").expect("a download link");
        let got = s.client.get(s.url(&link)).send().await.unwrap();
        assert_eq!(got.status(), 200, "{link}");
        assert_eq!(got.bytes().await.unwrap().as_ref(), WEIGHTS);

        // The auc curve, drawn: one series with a path through its 50 points.
        assert_eq!(
            html.matches(r#"data-testid="chart-series""#).count(),
            1,
            "{html}"
        );
        assert!(html.contains(r#"data-label="auc""#), "{html}");
        let path_at = html
            .find(r#"data-testid="chart-path""#)
            .expect("a chart path");
        let d_at = html[..path_at].rfind(" d=\"").expect("path data") + 4;
        assert!(html[d_at..].starts_with("M"), "{}", &html[d_at..d_at + 40]);
        assert_eq!(
            html.matches(r#"data-testid="chart-point""#).count(),
            50,
            "hover points: {html}"
        );

        // The lineage: dataset → run → version → its stage and alias, the run linked.
        for (kind, id) in [
            (
                "dataset",
                "dataset:transactions-2026q3@9e1f77ab".to_string(),
            ),
            ("run", format!("run:{run_id}")),
            ("version", format!("version:{name}/1")),
            ("holder", "stage:Staging".to_string()),
            ("holder", "alias:candidate".to_string()),
        ] {
            let node = format!(r#"data-testid="lineage-node" data-kind="{kind}" data-id="{id}""#);
            assert!(html.contains(&node), "{node} in {html}");
        }
        for (from, to) in [
            (
                "dataset:transactions-2026q3@9e1f77ab".to_string(),
                format!("run:{run_id}"),
            ),
            (format!("run:{run_id}"), format!("version:{name}/1")),
        ] {
            let edge = format!(r#"data-from="{from}" data-to="{to}""#);
            assert!(html.contains(&edge), "{edge} in {html}");
        }

        // The history: Staging and @candidate, both held now.
        assert_eq!(
            html.matches(r#"data-testid="holding-row""#).count(),
            2,
            "{html}"
        );

        // A copy (`models:/<name>/1`) lists the original's files, and its links serve them.
        let alice = Actor::new(UserName::parse("alice").unwrap());
        let copy = s
            .registry
            .create_model_version(
                &alice,
                NewModelVersion {
                    name: name.clone(),
                    source: format!("models:/{name}/1"),
                    run_id: None,
                    run_link: String::new(),
                    logged_model_id: None,
                    description: String::new(),
                    tags: vec![],
                },
            )
            .await
            .unwrap();
        let (status, html) = page(&s, &app::routes::version(&name, copy.version)).await;
        assert_eq!(status, 200, "{html}");
        let link = href_of(&html, "weights.bin").expect("the copy's download link");
        let got = s.client.get(s.url(&link)).send().await.unwrap();
        assert_eq!(got.status(), 200, "{link}");
        assert_eq!(got.bytes().await.unwrap().as_ref(), WEIGHTS);

        let (status, html) = page(&s, &format!("{model_path}/versions/9")).await;
        assert_eq!(status, 404, "{html}");
        assert!(html.contains("data-testid=\"error\""), "{html}");
        let (status, html) = page(&s, &format!("{model_path}/versions/latest")).await;
        assert_eq!(status, 400, "{html}");
        assert!(html.contains("must be an integer"), "{html}");
    }
}
