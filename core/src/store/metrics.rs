//! SQL for a run's params and metric points: params by key, metric points appended in
//! multi-row statements (an identical point is stored once), `latest_metrics` kept at the
//! newest point per key, and metric history read back.
//!
//! Values come back with the bits they went in with: a double is bound and read as an
//! 8-byte float on both databases; NaN, which neither stores portably, is NULL plus a
//! flag; and SQLite's habit of storing an integral REAL as an integer (which would turn
//! `-0.0` into `0`) is undone by the `neg_zero` flag.
use super::rows::{self, parsed};
use super::Backend;
use crate::error::Result;
use crate::names::{Key, LoggedModelId, RunId, Tag};
use crate::run::Metric;
use sqlx::any::AnyRow;
use sqlx::AnyConnection;

/// The params of `run` among `keys`.
pub async fn params_with_keys(
    conn: &mut AnyConnection,
    backend: Backend,
    run: &RunId,
    keys: &[&Key],
) -> Result<Vec<Tag>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let list = match backend {
        Backend::Sqlite => vec!["?"; keys.len()].join(", "),
        Backend::Postgres => (2..keys.len() + 2)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let first = match backend {
        Backend::Sqlite => "?",
        Backend::Postgres => "$1",
    };
    let sql =
        format!("SELECT key, value FROM run_params WHERE run_id = {first} AND key IN ({list})");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(run);
    for k in keys {
        q = q.bind(*k);
    }
    rows::tags(&q.fetch_all(conn).await?)
}

/// Inserts params that are not stored yet (the caller has checked the write-once rule).
pub async fn insert_params(conn: &mut AnyConnection, run: &RunId, params: &[&Tag]) -> Result<()> {
    for chunk in params.chunks(100) {
        let mut sql = String::from("INSERT INTO run_params (run_id, key, value) VALUES ");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3));
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for p in chunk {
            q = q.bind(run).bind(&p.key).bind(&p.value);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The bound value and kind of a stored point: kind 1 is NaN (stored as NULL plus the
/// `is_nan` flag), kind 2 is `-0.0` (the `neg_zero` flag keeps its sign), kind 0 is any
/// other value. A NULL double is never bound: sqlx's `Any` driver sends it as a float4,
/// and PostgreSQL then refuses every later float8 on that prepared statement.
fn stored(v: f64) -> (f64, i64) {
    if v.is_nan() {
        (0.0, 1)
    } else if v == 0.0 && v.is_sign_negative() {
        (v, 2)
    } else {
        (v, 0)
    }
}

/// Whether any point of a chunk names a model or dataset (most ingest names neither, and
/// then binds three fewer values per point).
fn has_extras(chunk: &[Metric]) -> bool {
    chunk
        .iter()
        .any(|m| m.model_id.is_some() || m.dataset_name.is_some() || m.dataset_digest.is_some())
}

/// The insert for one chunk. The run id is bound once and the NaN/sign flags are derived
/// in SQL from one `kind` value, so a point binds 5 values (8 with a model or dataset)
/// instead of 11: binding is most of the server's time per point.
fn insert_sql(backend: Backend, chunk: &[Metric]) -> String {
    let extras = has_extras(chunk);
    let per_row = if extras { 8 } else { 5 };
    let mut sql = String::from(
        "INSERT INTO metrics (run_id, key, value, is_nan, neg_zero, timestamp, step, model_id, dataset_name, dataset_digest) ",
    );
    let (first, cols) = match backend {
        // SQLite names a VALUES list's columns column1, column2, …; positional `?`s, since
        // its driver maps numbered `$N` names to slots by a scan per parameter.
        Backend::Sqlite => (
            "?",
            [
                "column1", "column2", "column3", "column4", "column5", "column6", "column7",
                "column8",
            ],
        ),
        Backend::Postgres => ("$1", ["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8"]),
    };
    let extra_cols = if extras {
        format!("{}, {}, {}", cols[5], cols[6], cols[7])
    } else {
        "CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT)".to_string()
    };
    sql.push_str(&format!(
        "SELECT {first}, {k}, CASE WHEN {kind} = 1 THEN NULL ELSE {v} END, {kind} = 1, {kind} = 2, {ts}, {step}, {extra_cols} FROM (VALUES ",
        k = cols[0],
        v = cols[1],
        kind = cols[2],
        ts = cols[3],
        step = cols[4],
    ));
    for i in 0..chunk.len() {
        if i > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..per_row {
            if c > 0 {
                sql.push_str(", ");
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => sql.push_str(&format!("${}", 2 + i * per_row + c)),
            }
        }
        sql.push(')');
    }
    sql.push(')');
    if backend == Backend::Postgres {
        sql.push_str(&format!(" AS v({})", cols[..per_row].join(", ")));
    }
    // `WHERE true` lets SQLite's parser tell the upsert clause from a join.
    sql.push_str(" WHERE true");
    // An identical point is stored once: MLflow 3 clients re-log points with a model id
    // (and dataset), which the stored point then keeps.
    if extras {
        sql.push_str(
            " ON CONFLICT (run_id, key, step, timestamp, value, is_nan, neg_zero) DO UPDATE SET \
             model_id = COALESCE(excluded.model_id, metrics.model_id), \
             dataset_name = COALESCE(excluded.dataset_name, metrics.dataset_name), \
             dataset_digest = COALESCE(excluded.dataset_digest, metrics.dataset_digest)",
        );
    } else {
        sql.push_str(" ON CONFLICT DO NOTHING");
    }
    sql
}

/// Appends metric history and keeps `latest_metrics` at the highest (step, timestamp).
pub async fn insert_metrics(
    conn: &mut AnyConnection,
    backend: Backend,
    run: &RunId,
    metrics: &[Metric],
) -> Result<()> {
    if metrics.is_empty() {
        return Ok(());
    }
    // One row per distinct point, its model and dataset merged from every copy: a statement
    // may not update the same row twice, and the copies only differ in what they add.
    let metrics = distinct_points(metrics);
    let metrics = metrics.as_slice();
    // Multi-row inserts: one statement per chunk instead of one per metric. 100 rows measured
    // fastest: 1,000-row statements cost 7x more server CPU per metric (benchmark ingest).
    for chunk in metrics.chunks(100) {
        let q = sqlx::query(sqlx::AssertSqlSafe(insert_sql(backend, chunk)));
        let mut q = q.bind(run);
        let extras = has_extras(chunk);
        for m in chunk {
            let (v, kind) = stored(m.value);
            q = q
                .bind(&m.key)
                .bind(v)
                .bind(kind)
                .bind(m.timestamp)
                .bind(m.step);
            if extras {
                q = q
                    .bind(m.model_id.as_ref())
                    .bind(m.dataset_name.as_deref())
                    .bind(m.dataset_digest.as_deref());
            }
        }
        q.execute(&mut *conn).await?;
    }
    // The latest value per key within this batch, then one upsert per key that only wins
    // when it is newer than what is stored.
    let mut latest: std::collections::BTreeMap<&str, &Metric> = std::collections::BTreeMap::new();
    for m in metrics {
        let e = latest.entry(m.key.as_str()).or_insert(m);
        if (m.step, m.timestamp) >= (e.step, e.timestamp) {
            *e = m;
        }
    }
    // One multi-row upsert for every key of the batch (each key once, so no row is
    // updated twice by one statement).
    let newest: Vec<&Metric> = latest.into_values().collect();
    for chunk in newest.chunks(100) {
        let mut sql = String::from(
            "INSERT INTO latest_metrics (run_id, key, value, is_nan, neg_zero, timestamp, step) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            let p = |n: usize| match backend {
                Backend::Sqlite => "?".to_string(),
                Backend::Postgres => format!("${}", 2 + i * 6 + n),
            };
            let run_p = match backend {
                Backend::Sqlite => "?",
                Backend::Postgres => "$1",
            };
            // SQLite binds positionally: the run and the NaN flag are bound again where
            // they recur. A NULL double is never bound (see `stored`).
            sql.push_str(&format!(
                "({run_p}, {}, CASE WHEN {} THEN NULL ELSE {} END, {}, {}, {}, {})",
                p(0),
                p(2),
                p(1),
                p(2),
                p(3),
                p(4),
                p(5)
            ));
        }
        sql.push_str(
            " ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, is_nan = excluded.is_nan, \
             neg_zero = excluded.neg_zero, timestamp = excluded.timestamp, step = excluded.step \
             WHERE excluded.step > latest_metrics.step OR (excluded.step = latest_metrics.step AND excluded.timestamp >= latest_metrics.timestamp)",
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        if backend == Backend::Postgres {
            q = q.bind(run);
        }
        for m in chunk {
            let (v, kind) = stored(m.value);
            let (nan, neg_zero) = (kind == 1, kind == 2);
            q = match backend {
                Backend::Sqlite => q
                    .bind(run)
                    .bind(&m.key)
                    .bind(nan)
                    .bind(v)
                    .bind(nan)
                    .bind(neg_zero),
                Backend::Postgres => q.bind(&m.key).bind(v).bind(nan).bind(neg_zero),
            };
            q = q.bind(m.timestamp).bind(m.step);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Every observation of one metric, in step then timestamp order.
pub async fn history(conn: &mut AnyConnection, run: &RunId, key: &Key) -> Result<Vec<Metric>> {
    let rows = sqlx::query(
        "SELECT key, value, is_nan, neg_zero, timestamp, step, model_id, dataset_name, dataset_digest FROM metrics \
         WHERE run_id = $1 AND key = $2 ORDER BY step, timestamp",
    )
    .bind(run)
    .bind(key)
    .fetch_all(conn)
    .await?;
    rows.iter().map(metric_from_row).collect()
}

/// A metric point from a row with `key, value, is_nan, neg_zero, timestamp, step` and,
/// where the query selects them, `model_id, dataset_name, dataset_digest`.
pub(crate) fn metric_from_row(r: &AnyRow) -> Result<Metric> {
    let value = if rows::b(r, "is_nan")? {
        f64::NAN
    } else if rows::b(r, "neg_zero")? {
        -0.0
    } else {
        // SQLite hands an integral REAL back as an INTEGER through `Any`.
        match rows::of(r, "value") {
            Ok(v) => v.unwrap_or(f64::NAN),
            Err(_) => rows::i(r, "value")? as f64,
        }
    };
    Ok(Metric {
        key: parsed(Key::parse(rows::s(r, "key")?), "metric key")?,
        value,
        timestamp: rows::i(r, "timestamp")?,
        step: rows::i(r, "step")?,
        // Queries that read only a metric's value leave these columns out: asked directly
        // (not through `rows`, which reports a missing column as a database error).
        model_id: optional(r, "model_id").and_then(|m| LoggedModelId::parse(m).ok()),
        dataset_name: optional(r, "dataset_name"),
        dataset_digest: optional(r, "dataset_digest"),
    })
}

/// A text column the query may not have selected.
fn optional(r: &sqlx::any::AnyRow, col: &str) -> Option<String> {
    use sqlx::Row;
    r.try_get::<Option<String>, _>(col).ok().flatten()
}

/// The distinct points of a batch in order; a point logged twice keeps the model and
/// dataset any copy names.
fn distinct_points(metrics: &[Metric]) -> Vec<Metric> {
    let mut seen: std::collections::HashMap<(&str, i64, i64, u64), usize> =
        std::collections::HashMap::new();
    let mut out: Vec<Metric> = Vec::with_capacity(metrics.len());
    for m in metrics {
        let bits = if m.value.is_nan() {
            // NaN is stored as NULL, which never conflicts: every NaN point is kept.
            out.push(m.clone());
            continue;
        } else {
            m.value.to_bits()
        };
        match seen.entry((m.key.as_str(), m.step, m.timestamp, bits)) {
            std::collections::hash_map::Entry::Occupied(e) => {
                let kept = &mut out[*e.get()];
                kept.model_id = kept.model_id.take().or_else(|| m.model_id.clone());
                kept.dataset_name = kept.dataset_name.take().or_else(|| m.dataset_name.clone());
                kept.dataset_digest = kept
                    .dataset_digest
                    .take()
                    .or_else(|| m.dataset_digest.clone());
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(out.len());
                out.push(m.clone());
            }
        }
    }
    out
}
