//! The demo registry: a few models with realistic histories, so a newcomer opens a living
//! registry. Deterministic (a fixed seed), and loaded through the same services as real
//! traffic, so every row has its audit event.
use crate::artifact::ArtifactPath;
use crate::error::Result;
use crate::model_version::NewModelVersion;
use crate::names::{AliasName, ExperimentName, Key, ModelName, Stage, Tag, Version};
use crate::run::{Dataset, DatasetInput, Metric, RunStatus};
use crate::service::runs::NewRun;
use crate::service::Registry;
use crate::time::{now_millis, Clock, ManualClock};
use crate::user::Actor;
use std::sync::Arc;

pub mod people;

/// A tiny deterministic generator: the demo must look the same on every machine.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % 1_000_000) as f64 / 1_000_000.0
    }
}

struct DemoModel {
    name: &'static str,
    description: &'static str,
    versions: u32,
    dataset: &'static str,
    hardware: &'static str,
}

const MODELS: [DemoModel; 5] = [
    DemoModel {
        name: "fraud-detector",
        description: "Flags card transactions for manual review.",
        versions: 12,
        dataset: "transactions-2026q3",
        hardware: "1x A100 40GB",
    },
    DemoModel {
        name: "churn-predictor",
        description: "Predicts subscription churn 30 days ahead.",
        versions: 8,
        dataset: "subscribers-weekly",
        hardware: "8 vCPU",
    },
    DemoModel {
        name: "credit-risk",
        description: "Probability of default for loan applications.",
        versions: 6,
        dataset: "applications-2019-2026",
        hardware: "2x L4",
    },
    DemoModel {
        name: "demand-forecast",
        description: "Daily demand per store and product family.",
        versions: 15,
        dataset: "sales-daily",
        hardware: "16 vCPU",
    },
    DemoModel {
        name: "search-ranker",
        description: "Re-ranks search results by predicted click-through.",
        versions: 5,
        dataset: "clicks-sessions",
        hardware: "4x H100",
    },
];

/// Steps of each run's metric curves.
pub const DEMO_STEPS: i64 = 300;

/// What the demo loaded: the number of versions, and its users with their secrets.
#[derive(Debug)]
pub struct Demo {
    pub versions: usize,
    pub users: Vec<people::DemoUser>,
}

/// Loads the demo into an empty registry: its people, then 90 days of history dated by a
/// clock the loader moves (every run, version, review and audit event lands on its day),
/// ending a few days before now.
pub async fn load(reg: &Registry) -> Result<Demo> {
    let day = 86_400_000i64;
    let t0 = now_millis() - 90 * day;
    let clock = Arc::new(ManualClock::at(t0));
    let reg = &reg.clone().with_clock(clock.clone());
    let users = people::cast(reg).await?;
    let alice = people::actor("alice");
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut exps = vec![];
    for m in MODELS.iter() {
        let exp = reg
            .create_experiment(
                &alice,
                ExperimentName::parse(m.name)?,
                vec![Tag::parse("team", "risk-ml")?],
            )
            .await?;
        reg.create_registered_model(
            &alice,
            ModelName::parse(m.name)?,
            m.description.into(),
            vec![Tag::parse("owner", "alice")?],
        )
        .await?;
        exps.push(exp);
    }
    people::team_and_policies(reg).await?;
    let mut total = 0;
    let mut best = [0.0f64; MODELS.len()];
    let mut latest = vec![];
    let rounds = MODELS.iter().map(|m| m.versions).max().unwrap_or(0);
    // Round v trains version v of every model that has one, so time only moves forward.
    for v in 1..=rounds {
        for (mi, m) in MODELS.iter().enumerate() {
            if v > m.versions {
                continue;
            }
            let (exp, name) = (exps[mi], ModelName::parse(m.name)?);
            let start = t0 + (v as i64) * 5 * day + (mi as i64) * day;
            clock.advance(start - clock.now());
            let mv = train(reg, &mut rng, m, exp, &name, v, start).await?;
            total += 1;
            clock.advance(2 * 3_600_000);
            // A lifecycle: every third version goes through Staging; the best so far is
            // reviewed for Production, and now and then a request is turned down or
            // withdrawn.
            if v % 3 == 0 || v == m.versions {
                reg.transition_stage(&alice, &name, mv.version, Stage::Staging, false)
                    .await?;
            }
            let quality = quality_of(&mv);
            let approver = if v % 2 == 0 { "bob" } else { "dana" };
            if quality > best[mi] && (v % 2 == 0 || v == m.versions) && m.name != "credit-risk" {
                best[mi] = quality;
                people::review(reg, &clock, &name, mv.version, approver, false).await?;
            } else if v % 5 == 1 && v > 1 {
                people::review(reg, &clock, &name, mv.version, approver, true).await?;
            } else if v % 7 == 4 {
                people::cancelled(reg, &clock, &name, mv.version).await?;
            }
            if v == m.versions {
                latest.push((name, mv.version));
            }
        }
    }
    // credit-risk's promotions predate its check: one approved early on, by the admin.
    let credit = ModelName::parse("credit-risk")?;
    if reg
        .resolve_alias(&credit, &AliasName::parse("champion")?)
        .await
        .is_err()
    {
        reg.transition_stage(
            &Actor::system(),
            &credit,
            Version::new(2)?,
            Stage::Production,
            true,
        )
        .await?;
    }
    for (name, version) in &latest {
        if let Ok(c) = reg
            .resolve_alias(name, &AliasName::parse("champion")?)
            .await
        {
            if c.get() > 1 && *version != c {
                reg.set_alias(&alice, name, AliasName::parse("challenger")?, *version)
                    .await?;
            }
        }
    }
    people::recent(reg, &clock, &latest).await?;
    Ok(Demo {
        versions: total,
        users,
    })
}

/// The quality the demo gave a version (its `validation_auc` tag).
fn quality_of(mv: &crate::model_version::ModelVersion) -> f64 {
    mv.tags
        .iter()
        .find(|t| t.key.as_str() == "validation_auc")
        .and_then(|t| t.value.parse().ok())
        .unwrap_or(0.0)
}

/// One training run of `m` (params, metric curves, dataset, artifacts) and the version
/// registered from it.
async fn train(
    reg: &Registry,
    rng: &mut Rng,
    m: &DemoModel,
    exp: crate::names::ExperimentId,
    name: &ModelName,
    v: u32,
    start: i64,
) -> Result<crate::model_version::ModelVersion> {
    let alice = people::actor("alice");
    let commit = format!("{:040x}", (rng.next() * 1e15) as u64 * 7919 + v as u64);
    let run = reg
        .create_run(
            &alice,
            NewRun {
                experiment_id: Some(exp),
                run_name: Some(format!("{}-train-{v}", m.name)),
                start_time: Some(start),
                tags: vec![
                    Tag::parse("mlflow.source.git.commit", commit)?,
                    Tag::parse("mlflow.source.name", "train.py")?,
                    Tag::parse("mlflow.source.type", "LOCAL")?,
                    Tag::parse("mlflow.user", "alice")?,
                    Tag::parse("pedigree.hardware", m.hardware)?,
                ],
                user_id: None,
            },
        )
        .await?;
    let id = run.info.run_id.clone();
    let lr = [0.1, 0.05, 0.01, 0.005][v as usize % 4];
    let params = vec![
        Tag::param("learning_rate", lr.to_string())?,
        Tag::param("max_depth", (4 + v % 5).to_string())?,
        Tag::param("n_estimators", (100 * (1 + v % 4)).to_string())?,
    ];
    // Curves that improve with the version, with noise: loss falls, accuracy and AUC rise.
    let quality = 0.80 + 0.15 * (v as f64 / m.versions as f64) + 0.02 * rng.next();
    let mut metrics = Vec::with_capacity(900);
    for step in 0..DEMO_STEPS {
        let p = step as f64 / DEMO_STEPS as f64;
        let ts = start + step * 1_000;
        let noise = (rng.next() - 0.5) * 0.02;
        metrics.push(Metric {
            key: Key::parse("loss")?,
            value: 1.2 * (-4.0 * p).exp() + (1.0 - quality) + noise,
            timestamp: ts,
            step,
            model_id: None,
            dataset_name: None,
            dataset_digest: None,
        });
        metrics.push(Metric {
            key: Key::parse("accuracy")?,
            value: (quality * (1.0 - (-5.0 * p).exp()) + noise).clamp(0.0, 1.0),
            timestamp: ts,
            step,
            model_id: None,
            dataset_name: None,
            dataset_digest: None,
        });
        metrics.push(Metric {
            key: Key::parse("auc")?,
            value: (0.5 + (quality - 0.5) * (1.0 - (-6.0 * p).exp()) + noise / 2.0).clamp(0.0, 1.0),
            timestamp: ts,
            step,
            model_id: None,
            dataset_name: None,
            dataset_digest: None,
        });
    }
    reg.log_batch(&alice, &id, &[], &params, &[]).await?;
    for chunk in metrics.chunks(900) {
        reg.log_batch(&alice, &id, chunk, &[], &[]).await?;
    }
    let digest = format!("{:016x}", (rng.next() * 1e15) as u64);
    reg.log_inputs(
        &alice,
        &id,
        &[DatasetInput {
            dataset: Dataset {
                name: m.dataset.into(),
                digest: digest[..8].to_string(),
                source_type: "s3".into(),
                source: format!("s3://datasets/{}/v{}", m.dataset, 1 + v / 4),
                schema: None,
                profile: Some(format!("{{\"num_rows\": {}}}", 100_000 + v * 2_500)),
            },
            tags: vec![Tag::parse("mlflow.data.context", "training")?],
        }],
        &[],
    )
    .await?;
    let root = ArtifactPath::parse(&format!("{exp}/{id}/artifacts"))?;
    let mlmodel = format!(
        "artifact_path: model\nflavors:\n  sklearn:\n    sklearn_version: 1.9.1\nrun_id: {id}\n"
    );
    let weights: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(v.wrapping_mul(2_654_435_761)) >> 13) as u8)
        .collect();
    for (path, bytes) in [
        ("model/MLmodel", mlmodel.into_bytes()),
        ("model/model.pkl", weights),
        // The same bytes in every version: stored once.
        (
            "model/requirements.txt",
            b"scikit-learn==1.9.1\npandas==2.3.3\n".to_vec(),
        ),
    ] {
        let p = root.join(&ArtifactPath::parse(path)?);
        reg.put_artifact(&alice, &p, Box::pin(std::io::Cursor::new(bytes)), None)
            .await?;
    }
    reg.update_run(
        &alice,
        &id,
        Some(RunStatus::Finished),
        Some(start + DEMO_STEPS * 1_000 + 42_000),
        None,
    )
    .await?;
    let mv = reg
        .create_model_version(
            &alice,
            NewModelVersion {
                name: name.clone(),
                source: format!("mlflow-artifacts:/{root}/model"),
                run_id: Some(id.to_string()),
                run_link: String::new(),
                logged_model_id: None,
                description: format!("Retrained on {} with lr={lr}", m.dataset),
                tags: vec![Tag::parse("validation_auc", format!("{:.3}", quality))?],
            },
        )
        .await?;
    Ok(mv)
}
