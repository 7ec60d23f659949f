//! The one bulk loader every run read goes through: a fixed number of queries whatever
//! the number of runs, loading only the parts a caller needs.
use super::{RunRow, RUN_COLUMNS};
use crate::error::Result;
use crate::experiment::ViewType;
use crate::names::{ExperimentId, Key, LoggedModelId, RunId, Tag};
use crate::run::{Dataset, DatasetInput, Run, RunInfo};
use crate::store::rows::parsed;
use crate::store::Backend;
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use std::collections::HashMap;

/// A bound value for a dynamic query.
#[derive(Debug, Clone)]
pub enum Bind {
    I(i64),
    F(f64),
    S(String),
}

/// Which parts of each run to load: `None` means every key, `Some(keys)` only those.
#[derive(Debug, Clone, Default)]
pub struct Needs {
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

/// Which runs a bulk load reads.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Every run of these experiments.
    Experiments(&'a [ExperimentId]),
    /// These runs.
    Ids(&'a [RunId]),
}

/// `$1, $2, …` for an IN list of `n` items.
fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Appends ` AND key IN (...)` for a key subset, with its binds; `None` when the subset is
/// empty (nothing to load).
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

pub(crate) async fn fetch(
    conn: &mut AnyConnection,
    sql: String,
    binds: &[Bind],
) -> Result<Vec<AnyRow>> {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in binds {
        q = match b {
            Bind::I(v) => q.bind(*v),
            Bind::F(v) => q.bind(*v),
            Bind::S(v) => q.bind(v.clone()),
        };
    }
    Ok(q.fetch_all(conn).await?)
}

#[derive(sqlx::FromRow)]
struct KvRow {
    run_id: String,
    key: Key,
    value: String,
}

#[derive(sqlx::FromRow)]
struct InputRow {
    run_id: String,
    name: String,
    digest: String,
    source_type: String,
    source: String,
    schema: Option<String>,
    profile: Option<String>,
    tags_json: String,
}

#[derive(sqlx::FromRow)]
struct ModelInputRow {
    run_id: String,
    model_id: LoggedModelId,
}

#[derive(sqlx::FromRow)]
struct OutputRow {
    run_id: String,
    model_id: LoggedModelId,
    step: i64,
}

/// SQLite: a params or tags query answered as one row, a JSON array of `[run, key,
/// value]` in key order, where the same query's rows cost ~18 µs each: sqlx's SQLite
/// driver hands every row from its worker thread to the caller's task on its own (a page
/// of 100 runs has 300 params). Text round-trips through JSON exactly; metrics do not
/// come this way, since SQLite's decimal rendering of a double is not always exact.
async fn kv_rows_in_one(
    conn: &mut AnyConnection,
    table: &str,
    scope_sql: &str,
    kf: &str,
    binds: &[Bind],
) -> Result<Vec<KvRow>> {
    let sql = format!(
        "SELECT json_group_array(json_array(run_id, key, value) ORDER BY key) AS j \
         FROM {table} WHERE run_id IN ({scope_sql}){kf}"
    );
    let row = fetch(conn, sql, binds).await?;
    let Some(row) = row.first() else {
        return Ok(Vec::new());
    };
    let text: String = sqlx::Row::try_get(row, "j")?;
    let triples: Vec<(String, String, String)> = parsed(serde_json::from_str(&text), table)?;
    triples
        .into_iter()
        .map(|(run_id, key, value)| {
            Ok(KvRow {
                run_id,
                key: Key::parse(key)?,
                value,
            })
        })
        .collect()
}

/// Loads the runs in `scope` that `view` includes, with the parts `needs` asks for, in no
/// particular order: at most six queries whatever the number of runs.
pub async fn load(
    conn: &mut AnyConnection,
    backend: Backend,
    scope: Scope<'_>,
    view: ViewType,
    needs: &Needs,
) -> Result<Vec<Run>> {
    let (scope_sql, binds) = match scope {
        Scope::Experiments(e) => (
            format!(
                "SELECT run_id FROM runs WHERE experiment_id IN ({})",
                placeholders(e.len())
            ),
            e.iter().map(|e| Bind::I(e.get())).collect::<Vec<_>>(),
        ),
        Scope::Ids(ids) => {
            // A page can hold a thousand ids. SQLite resolves numbered `$N` names by a
            // linear scan per parameter, so it gets positional `?`s (these queries bind
            // nothing else).
            let list = match backend {
                Backend::Sqlite => vec!["?"; ids.len()].join(", "),
                Backend::Postgres => placeholders(ids.len()),
            };
            // The list itself, not a subquery over `runs`: SQLite answered
            // `run_id IN (SELECT run_id FROM runs WHERE run_id IN (…))` by scanning the
            // child table (5.5 ms for a page of 100 runs' params among 5,000 runs).
            (
                list,
                ids.iter()
                    .map(|r| Bind::S(r.as_str().to_string()))
                    .collect(),
            )
        }
    };
    if binds.is_empty() {
        return Ok(Vec::new());
    }
    let run_rows = fetch(
        &mut *conn,
        format!("SELECT {RUN_COLUMNS} FROM runs WHERE run_id IN ({scope_sql})"),
        &binds,
    )
    .await?;
    let mut runs: Vec<Run> = Vec::with_capacity(run_rows.len());
    let mut index: HashMap<String, usize> = HashMap::with_capacity(run_rows.len());
    for r in &run_rows {
        let info = RunInfo::try_from(<RunRow as sqlx::FromRow<AnyRow>>::from_row(r)?)?;
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
            model_inputs: vec![],
            outputs: vec![],
        });
    }
    for (table, keys, is_param) in [
        ("run_params", &needs.params, true),
        ("run_tags", &needs.tags, false),
    ] {
        let mut b = binds.clone();
        let Some(kf) = key_filter(keys, &mut b) else {
            continue;
        };
        let rows = if backend == Backend::Sqlite {
            kv_rows_in_one(&mut *conn, table, &scope_sql, &kf, &b).await?
        } else {
            let sql = format!(
                "SELECT run_id, key, value FROM {table} WHERE run_id IN ({scope_sql}){kf} ORDER BY key"
            );
            let mut out = Vec::new();
            for r in fetch(&mut *conn, sql, &b).await? {
                out.push(<KvRow as sqlx::FromRow<AnyRow>>::from_row(&r)?);
            }
            out
        };
        for r in rows {
            if let Some(&i) = index.get(&r.run_id) {
                let t = Tag {
                    key: r.key,
                    value: r.value,
                };
                if is_param {
                    runs[i].params.push(t);
                } else {
                    runs[i].tags.push(t);
                }
            }
        }
    }
    let mut b = binds.clone();
    if let Some(kf) = key_filter(&needs.metrics, &mut b) {
        let sql = format!(
            "SELECT run_id, key, value, is_nan, neg_zero, timestamp, step FROM latest_metrics \
             WHERE run_id IN ({scope_sql}){kf} ORDER BY key"
        );
        for r in fetch(&mut *conn, sql, &b).await? {
            let run_id: String = sqlx::Row::try_get(&r, "run_id")?;
            if let Some(&i) = index.get(&run_id) {
                runs[i]
                    .metrics
                    .push(crate::store::metrics::metric_from_row(&r)?);
            }
        }
    }
    if needs.inputs {
        let sql = format!(
            "SELECT i.run_id, d.name, d.digest, d.source_type, d.source, d.schema, d.profile, i.tags_json \
             FROM run_inputs i JOIN datasets d ON d.id = i.dataset_id WHERE i.run_id IN ({scope_sql}) ORDER BY d.name"
        );
        for r in fetch(&mut *conn, sql, &binds).await? {
            let r = <InputRow as sqlx::FromRow<AnyRow>>::from_row(&r)?;
            if let Some(&i) = index.get(&r.run_id) {
                runs[i].inputs.push(DatasetInput {
                    dataset: Dataset {
                        name: r.name,
                        digest: r.digest,
                        source_type: r.source_type,
                        source: r.source,
                        schema: r.schema,
                        profile: r.profile,
                    },
                    tags: parsed(serde_json::from_str(&r.tags_json), "input tags")?,
                });
            }
        }
    }
    if needs.outputs {
        let sql = format!(
            "SELECT run_id, model_id, step FROM run_outputs WHERE run_id IN ({scope_sql}) ORDER BY model_id"
        );
        for r in fetch(&mut *conn, sql, &binds).await? {
            let r = <OutputRow as sqlx::FromRow<AnyRow>>::from_row(&r)?;
            if let Some(&i) = index.get(&r.run_id) {
                runs[i].outputs.push((r.model_id, r.step));
            }
        }
    }
    if needs.inputs {
        let sql = format!(
            "SELECT run_id, model_id FROM run_model_inputs WHERE run_id IN ({scope_sql}) ORDER BY model_id"
        );
        for r in fetch(&mut *conn, sql, &binds).await? {
            let r = <ModelInputRow as sqlx::FromRow<AnyRow>>::from_row(&r)?;
            if let Some(&i) = index.get(&r.run_id) {
                runs[i].model_inputs.push(r.model_id);
            }
        }
    }
    Ok(runs)
}
