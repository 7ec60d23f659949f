//! SQL for the artifact tree: entries (a path → its blob), the blobs table, the prefixes
//! frozen by model-version registrations, and the owners of artifact roots (runs and
//! logged models, by experiment) that artifact writes and version sources are checked
//! against.
use super::rows::parsed;
use super::{Backend, WriteTx};
use crate::artifact::{ArtifactEntry, ArtifactPath};
use crate::error::Result;
use crate::names::{ExperimentId, LoggedModelId, RunId, Sha256};
use crate::time::Millis;
use sqlx::AnyConnection;

#[derive(sqlx::FromRow)]
struct EntryRow {
    path: ArtifactPath,
    digest: String,
    size: i64,
    created_at: i64,
}

impl TryFrom<EntryRow> for ArtifactEntry {
    type Error = crate::Error;
    fn try_from(r: EntryRow) -> Result<ArtifactEntry> {
        Ok(ArtifactEntry {
            path: r.path,
            digest: parsed(r.digest.parse::<Sha256>(), "digest")?,
            size: r.size,
            created_at: r.created_at,
        })
    }
}

/// The file at `path`, if there is one.
pub async fn entry(conn: &mut AnyConnection, path: &ArtifactPath) -> Result<Option<ArtifactEntry>> {
    let row: Option<EntryRow> =
        sqlx::query_as("SELECT path, digest, size, created_at FROM artifacts WHERE path = $1")
            .bind(path)
            .fetch_optional(conn)
            .await?;
    row.map(ArtifactEntry::try_from).transpose()
}

/// The digest of the file at `path`, its row locked until the transaction ends
/// (PostgreSQL `FOR UPDATE`; SQLite's writer lock already serialises writers), so
/// concurrent overwrites of one file each see the other's result as their `before`.
pub async fn lock_digest(tx: &mut WriteTx, path: &ArtifactPath) -> Result<Option<String>> {
    let sql = match tx.backend() {
        Backend::Sqlite => "SELECT digest FROM artifacts WHERE path = $1",
        Backend::Postgres => "SELECT digest FROM artifacts WHERE path = $1 FOR UPDATE",
    };
    Ok(sqlx::query_scalar(sql)
        .bind(path)
        .fetch_optional(tx.conn())
        .await?)
}

/// Every file whose path starts with `prefix` (`""` for all, else a directory with its
/// trailing `/`), by path.
pub async fn files_under(conn: &mut AnyConnection, prefix: &str) -> Result<Vec<ArtifactEntry>> {
    let rows: Vec<EntryRow> = sqlx::query_as(
        "SELECT path, digest, size, created_at FROM artifacts \
         WHERE substr(path, 1, CAST($1 AS INTEGER)) = $2 ORDER BY path",
    )
    .bind(prefix.chars().count() as i64)
    .bind(prefix)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(ArtifactEntry::try_from).collect()
}

/// Records a blob; a blob already recorded is left as it is (content addressing makes the
/// second write of the same bytes a no-op).
pub async fn record_blob(
    conn: &mut AnyConnection,
    digest: &Sha256,
    size: i64,
    now: Millis,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO blobs (digest, size, created_at) VALUES ($1, $2, $3) ON CONFLICT (digest) DO NOTHING",
    )
    .bind(digest.to_hex())
    .bind(size)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Points `path` at a recorded blob, replacing what it pointed at.
pub async fn put_entry(
    conn: &mut AnyConnection,
    path: &ArtifactPath,
    digest: &Sha256,
    size: i64,
    now: Millis,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO artifacts (path, digest, size, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (path) DO UPDATE SET digest = excluded.digest, size = excluded.size, created_at = excluded.created_at",
    )
    .bind(path)
    .bind(digest.to_hex())
    .bind(size)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes the file at `path` and every file below it; returns how many went.
pub async fn delete_at_or_below(conn: &mut AnyConnection, path: &ArtifactPath) -> Result<u64> {
    let done = sqlx::query(
        "DELETE FROM artifacts WHERE path = $1 OR substr(path, 1, CAST($2 AS INTEGER)) = $3",
    )
    .bind(path)
    .bind(path.as_str().chars().count() as i64 + 1)
    .bind(format!("{path}/"))
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// A frozen prefix at or above `path` or, with `below`, under it too. Looks up only the
/// path's own ancestors (a handful of keys), not every frozen prefix.
pub async fn frozen_prefix_touching(
    conn: &mut AnyConnection,
    path: &ArtifactPath,
    below: bool,
) -> Result<Option<String>> {
    let segs: Vec<&str> = path.segments().collect();
    let ancestors: Vec<String> = (1..=segs.len()).map(|n| segs[..n].join("/")).collect();
    let ph = (1..=ancestors.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut sql = format!("SELECT prefix FROM frozen_prefixes WHERE prefix IN ({ph})");
    if below {
        let n = ancestors.len();
        sql.push_str(&format!(
            " OR substr(prefix, 1, CAST(${} AS INTEGER)) = ${}",
            n + 1,
            n + 2
        ));
    }
    let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql));
    for a in ancestors {
        q = q.bind(a);
    }
    if below {
        q = q
            .bind(path.as_str().chars().count() as i64 + 1)
            .bind(format!("{path}/"));
    }
    Ok(q.fetch_optional(conn).await?)
}

/// Freezes a directory (a model-version registration, inside its write transaction).
pub async fn freeze(conn: &mut AnyConnection, prefix: &ArtifactPath, now: Millis) -> Result<()> {
    sqlx::query(
        "INSERT INTO frozen_prefixes (prefix, frozen_at) VALUES ($1, $2) ON CONFLICT (prefix) DO NOTHING",
    )
    .bind(prefix)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

// The owner reads below lock the run's or logged model's row inside a write (PostgreSQL
// `FOR UPDATE`): an artifact write and a registration freezing the same root then take
// turns, so no file can change inside a directory being frozen.

/// Whether an active run `run` of experiment `experiment` exists. Both are path segments
/// as written, not yet parsed: a segment that is no id simply matches nothing.
pub async fn active_run_in(conn: &mut AnyConnection, run: &str, experiment: &str) -> Result<bool> {
    let sql = format!(
        "SELECT 1 AS one FROM runs WHERE run_id = $1 AND CAST(experiment_id AS TEXT) = $2 AND lifecycle_stage = 'active'{}",
        super::for_update(conn)
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(run)
        .bind(experiment)
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

/// Whether logged model `model` of experiment `experiment` exists (segments as written,
/// as for `active_run_in`).
pub async fn logged_model_in(
    conn: &mut AnyConnection,
    model: &str,
    experiment: &str,
) -> Result<bool> {
    let sql = format!(
        "SELECT 1 AS one FROM logged_models WHERE model_id = $1 AND CAST(experiment_id AS TEXT) = $2{}",
        super::for_update(conn)
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(model)
        .bind(experiment)
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

/// The experiment a run belongs to (whose root holds its artifacts), if the run exists.
pub async fn run_experiment(conn: &mut AnyConnection, run: &RunId) -> Result<Option<ExperimentId>> {
    let sql = format!(
        "SELECT experiment_id FROM runs WHERE run_id = $1{}",
        super::for_update(conn)
    );
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(run)
        .fetch_optional(conn)
        .await?)
}

/// A run's artifact URI (server-owned or under an external experiment location), if the
/// run exists.
pub async fn run_artifact_uri(conn: &mut AnyConnection, run: &RunId) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT artifact_uri FROM runs WHERE run_id = $1")
            .bind(run)
            .fetch_optional(conn)
            .await?,
    )
}

/// Where a logged model's artifacts live and which run made it (tracked, or external).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LoggedModelOrigin {
    pub experiment_id: ExperimentId,
    /// Server-owned, or under an external experiment location (`crate::location`).
    pub artifact_location: String,
    pub source_run_id: Option<RunId>,
    pub external_source_run_id: Option<String>,
}

impl LoggedModelOrigin {
    /// The run that made the model, as a reference.
    pub fn source_run(&self) -> Option<crate::external::RunRef> {
        use crate::external::RunRef;
        self.source_run_id
            .clone()
            .map(RunRef::Tracked)
            .or(self.external_source_run_id.clone().map(RunRef::External))
    }
}

/// A logged model's experiment and source run, if the model exists.
pub async fn logged_model_origin(
    conn: &mut AnyConnection,
    id: &LoggedModelId,
) -> Result<Option<LoggedModelOrigin>> {
    let sql = format!(
        "SELECT experiment_id, artifact_location, source_run_id, external_source_run_id FROM logged_models WHERE model_id = $1{}",
        super::for_update(conn)
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?)
}
