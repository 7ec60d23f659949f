//! Bulk loading of runs for search: six queries for any number of runs, grouped in memory,
//! instead of six per run.
use super::Registry;
use crate::error::{Error, Result};
use crate::experiment::{LifecycleStage, ViewType};
use crate::names::{ExperimentId, Key, LoggedModelId, RunId, Tag};
use crate::run::{Dataset, DatasetInput, Metric, Run};
use crate::store::map_sqlx;
use crate::store::rows;
use std::collections::HashMap;

/// `$1, $2, …` for an IN list of `n` items.
fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A bound value for a dynamic query.
#[derive(Debug, Clone)]
pub(crate) enum Bind {
    I(i64),
    F(f64),
    S(String),
}

/// Which parts of each run to load: `None` means every key, `Some(keys)` only those.
#[derive(Debug, Clone, Default)]
pub(crate) struct Needs {
    pub metrics: Option<Vec<String>>,
    pub params: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    pub inputs: bool,
    pub outputs: bool,
}

impl Needs {
    pub fn everything() -> Needs {
        Needs {
            metrics: None,
            params: None,
            tags: None,
            inputs: true,
            outputs: true,
        }
    }
}

/// Appends ` AND key IN (...)` for a key subset, with its binds.
fn key_filter(keys: &Option<Vec<String>>, binds: &mut Vec<Bind>) -> Option<String> {
    match keys {
        None => Some(String::new()),
        Some(k) if k.is_empty() => None,
        Some(k) => {
            let start = binds.len();
            binds.extend(k.iter().cloned().map(Bind::S));
            Some(format!(
                " AND key IN ({})",
                (start + 1..=start + k.len())
                    .map(|i| format!("${i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
    }
}

impl Registry {
    /// Every run of the given experiments in a view, fully loaded.
    pub async fn runs_in(&self, experiments: &[ExperimentId], view: ViewType) -> Result<Vec<Run>> {
        let binds: Vec<Bind> = experiments.iter().map(|e| Bind::I(e.get())).collect();
        let scope = format!(
            "SELECT run_id FROM runs WHERE experiment_id IN ({})",
            placeholders(binds.len())
        );
        self.load_runs(&scope, &binds, view, &Needs::everything())
            .await
    }

    /// Runs by id, fully loaded, in no particular order.
    pub(crate) async fn runs_by_id(&self, ids: &[RunId]) -> Result<Vec<Run>> {
        let binds: Vec<Bind> = ids
            .iter()
            .map(|r| Bind::S(r.as_str().to_string()))
            .collect();
        // A page can hold a thousand ids. SQLite resolves numbered `$N` names by a linear scan
        // per parameter, so it gets positional `?`s (these queries bind nothing else).
        let list = match self.store.backend() {
            crate::store::Backend::Sqlite => vec!["?"; binds.len()].join(", "),
            crate::store::Backend::Postgres => placeholders(binds.len()),
        };
        let scope = format!("SELECT run_id FROM runs WHERE run_id IN ({list})");
        self.load_runs(&scope, &binds, ViewType::All, &Needs::everything())
            .await
    }

    /// Loads the runs `scope` (a `SELECT run_id …` over `binds`) selects, with the parts
    /// `needs` asks for: a fixed number of queries whatever the number of runs.
    pub(crate) async fn load_runs(
        &self,
        scope: &str,
        binds: &[Bind],
        view: ViewType,
        needs: &Needs,
    ) -> Result<Vec<Run>> {
        if binds.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.store.pool().acquire().await.map_err(map_sqlx)?;
        async fn fetch(
            conn: &mut sqlx::AnyConnection,
            sql: String,
            binds: &[Bind],
        ) -> Result<Vec<sqlx::any::AnyRow>> {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for b in binds {
                q = match b {
                    Bind::I(v) => q.bind(*v),
                    Bind::F(v) => q.bind(*v),
                    Bind::S(v) => q.bind(v.clone()),
                };
            }
            q.fetch_all(conn).await.map_err(map_sqlx)
        }
        let run_rows = fetch(
            &mut conn,
            format!("SELECT * FROM runs WHERE run_id IN ({scope})"),
            binds,
        )
        .await?;
        let mut runs: Vec<Run> = Vec::with_capacity(run_rows.len());
        let mut index: HashMap<String, usize> = HashMap::with_capacity(run_rows.len());
        for r in &run_rows {
            let info = Registry::run_info(r)?;
            if !view.includes(info.lifecycle_stage) {
                continue;
            }
            index.insert(info.run_id.as_str().to_string(), runs.len());
            runs.push(Run {
                info,
                metrics: vec![],
                params: vec![],
                tags: vec![],
                inputs: vec![],
                outputs: vec![],
            });
        }
        for (table, keys, is_param) in [
            ("run_params", &needs.params, true),
            ("run_tags", &needs.tags, false),
        ] {
            let mut b = binds.to_vec();
            let Some(kf) = key_filter(keys, &mut b) else {
                continue;
            };
            for r in fetch(&mut conn, format!("SELECT run_id, key, value FROM {table} WHERE run_id IN ({scope}){kf} ORDER BY key"), &b).await? {
                if let Some(&i) = index.get(&rows::s(&r, "run_id")?) {
                    let t = Tag { key: rows::parsed(Key::parse(rows::s(&r, "key")?), "key")?, value: rows::s(&r, "value")? };
                    if is_param {
                        runs[i].params.push(t);
                    } else {
                        runs[i].tags.push(t);
                    }
                }
            }
        }
        let mut b = binds.to_vec();
        if let Some(kf) = key_filter(&needs.metrics, &mut b) {
            let sql = format!("SELECT run_id, key, value, is_nan, timestamp, step FROM latest_metrics WHERE run_id IN ({scope}){kf} ORDER BY key");
            for r in fetch(&mut conn, sql, &b).await? {
                if let Some(&i) = index.get(&rows::s(&r, "run_id")?) {
                    let nan = rows::b(&r, "is_nan")?;
                    runs[i].metrics.push(Metric {
                        key: rows::parsed(Key::parse(rows::s(&r, "key")?), "key")?,
                        value: if nan {
                            f64::NAN
                        } else {
                            rows::of(&r, "value")?.unwrap_or(f64::NAN)
                        },
                        timestamp: rows::i(&r, "timestamp")?,
                        step: rows::i(&r, "step")?,
                        model_id: None,
                    });
                }
            }
        }
        if needs.inputs {
            let sql = format!(
                "SELECT i.run_id, d.name, d.digest, d.source_type, d.source, d.schema, d.profile, i.tags_json \
                 FROM run_inputs i JOIN datasets d ON d.id = i.dataset_id WHERE i.run_id IN ({scope}) ORDER BY d.name"
            );
            for r in fetch(&mut conn, sql, binds).await? {
                if let Some(&i) = index.get(&rows::s(&r, "run_id")?) {
                    runs[i].inputs.push(DatasetInput {
                        dataset: Dataset {
                            name: rows::s(&r, "name")?,
                            digest: rows::s(&r, "digest")?,
                            source_type: rows::s(&r, "source_type")?,
                            source: rows::s(&r, "source")?,
                            schema: rows::os(&r, "schema")?,
                            profile: rows::os(&r, "profile")?,
                        },
                        tags: rows::parsed(
                            serde_json::from_str(&rows::s(&r, "tags_json")?),
                            "input tags",
                        )?,
                    });
                }
            }
        }
        if needs.outputs {
            let sql = format!("SELECT run_id, model_id, step FROM run_outputs WHERE run_id IN ({scope}) ORDER BY model_id");
            for r in fetch(&mut conn, sql, binds).await? {
                if let Some(&i) = index.get(&rows::s(&r, "run_id")?) {
                    let id =
                        rows::parsed(LoggedModelId::parse(rows::s(&r, "model_id")?), "model id")?;
                    runs[i].outputs.push((id, rows::i(&r, "step")?));
                }
            }
        }
        Ok(runs)
    }

    /// Ids of the logged models in some experiments (all when none are named), newest first.
    pub async fn logged_model_ids(
        &self,
        experiments: &[ExperimentId],
    ) -> Result<Vec<LoggedModelId>> {
        let mut sql =
            String::from("SELECT model_id FROM logged_models WHERE lifecycle_stage = 'active'");
        if !experiments.is_empty() {
            sql.push_str(&format!(
                " AND experiment_id IN ({})",
                placeholders(experiments.len())
            ));
        }
        sql.push_str(" ORDER BY creation_time DESC, model_id");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for e in experiments {
            q = q.bind(e.get());
        }
        let rows = q.fetch_all(self.store.pool()).await.map_err(map_sqlx)?;
        rows.iter()
            .map(|r| {
                LoggedModelId::parse(rows::s(r, "model_id")?)
                    .map_err(|e| Error::Internal(e.to_string()))
            })
            .collect()
    }

    /// Whether a run exists and is active (used where only existence matters).
    pub async fn run_is_active(&self, run: &RunId) -> Result<bool> {
        Ok(self.get_run(run).await?.info.lifecycle_stage == LifecycleStage::Active)
    }
}
