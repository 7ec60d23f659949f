//! SQL for one metric across a model's versions: each version's source run's latest value
//! of a key, and the keys those runs logged. One join on `latest_metrics`' key, so a model
//! with thousands of versions is one indexed query, not one per version.
use super::super::metrics::metric_from_row;
use super::super::rows;
use crate::error::Result;
use crate::names::{Key, Version};
use crate::run::Metric;
use sqlx::AnyConnection;

/// Each version of model `model_id` whose source run logged `key`, with that run's latest
/// value of it, in version order.
pub async fn metric_by_version(
    conn: &mut AnyConnection,
    model_id: i64,
    key: &Key,
) -> Result<Vec<(Version, Metric)>> {
    let rows = sqlx::query(
        "SELECT v.version, m.key, m.value, m.is_nan, m.neg_zero, m.timestamp, m.step \
         FROM model_versions v JOIN latest_metrics m ON m.run_id = v.run_id AND m.key = $2 \
         WHERE v.model_id = $1 ORDER BY v.version",
    )
    .bind(model_id)
    .bind(key)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((Version::new(rows::i(r, "version")?)?, metric_from_row(r)?)))
        .collect()
}

/// The metric keys any of model `model_id`'s source runs logged, in key order.
pub async fn metric_keys(conn: &mut AnyConnection, model_id: i64) -> Result<Vec<Key>> {
    let rows = sqlx::query(
        "SELECT DISTINCT m.key FROM model_versions v JOIN latest_metrics m ON m.run_id = v.run_id \
         WHERE v.model_id = $1 ORDER BY m.key",
    )
    .bind(model_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| rows::parsed(Key::parse(rows::s(r, "key")?), "metric key"))
        .collect()
}
