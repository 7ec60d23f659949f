//! The artifact tree over the blob store: a path under the artifact root maps to a
//! content-addressed blob. Bytes are streamed into the blob store first (idempotent per
//! content), then the tree row is committed with its audit event, so a reader never sees a
//! row without its blob.
//!
//! Paths are server-owned: a write must land under an existing, active run
//! (`<exp>/<run_id>/artifacts/…`) or logged model (`<exp>/models/<model_id>/artifacts/…`),
//! and nothing at or below a prefix frozen by a model-version registration may change.
use super::Registry;
use crate::artifact::{ArtifactEntry, ArtifactListing, ArtifactPath};
use crate::blob::BlobReader;
use crate::error::{Error, Result};
use crate::names::Sha256;
use crate::store::map_sqlx;
use crate::store::rows::{self, json};
use crate::store::WriteTx;
use crate::time::now_millis;
use crate::user::Actor;
use sqlx::AnyConnection;
use std::pin::Pin;
use tokio::io::AsyncRead;

fn subject(path: &ArtifactPath) -> String {
    format!("artifact:{path}")
}

/// Refuses a change at or below a frozen prefix, or, for a recursive delete, above one.
/// Looks up only the path's own ancestors (a handful of keys), not every frozen prefix.
async fn ensure_not_frozen(
    conn: &mut AnyConnection,
    path: &ArtifactPath,
    recursive: bool,
) -> Result<()> {
    let segs: Vec<&str> = path.segments().collect();
    let ancestors: Vec<String> = (1..=segs.len()).map(|n| segs[..n].join("/")).collect();
    let ph = (1..=ancestors.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut sql = format!("SELECT prefix FROM frozen_prefixes WHERE prefix IN ({ph})");
    if recursive {
        let n = ancestors.len();
        sql.push_str(&format!(
            " OR substr(prefix, 1, CAST(${} AS INTEGER)) = ${}",
            n + 1,
            n + 2
        ));
    }
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for a in &ancestors {
        q = q.bind(a.clone());
    }
    if recursive {
        q = q
            .bind(path.as_str().chars().count() as i64 + 1)
            .bind(format!("{path}/"));
    }
    if let Some(r) = q.fetch_optional(conn).await.map_err(map_sqlx)? {
        let prefix = rows::s(&r, "prefix")?;
        return Err(Error::FailedPrecondition(format!(
            "The artifacts under '{prefix}' belong to a registered model version and are immutable"
        )));
    }
    Ok(())
}

/// The owner a write path must belong to: an active run or an existing logged model in the
/// experiment the path names.
async fn ensure_owner_exists(
    conn: &mut AnyConnection,
    path: &ArtifactPath,
    allow_unowned: bool,
) -> Result<()> {
    let segs: Vec<&str> = path.segments().collect();
    let bad = || {
        Error::invalid(format!(
            "Artifact path '{path}' is not under a run ('<experiment>/<run_id>/artifacts/...') or a logged model ('<experiment>/models/<model_id>/artifacts/...')"
        ))
    };
    let found = match segs.as_slice() {
        [exp, "models", model, "artifacts", _, ..] => sqlx::query(
            "SELECT 1 AS one FROM logged_models WHERE model_id = $1 AND CAST(experiment_id AS TEXT) = $2",
        )
        .bind(model.to_string())
        .bind(exp.to_string())
        .fetch_optional(&mut *conn)
        .await
        .map_err(map_sqlx)?,
        [exp, run, "artifacts", _, ..] => sqlx::query(
            "SELECT 1 AS one FROM runs WHERE run_id = $1 AND CAST(experiment_id AS TEXT) = $2 AND lifecycle_stage = 'active'",
        )
        .bind(run.to_string())
        .bind(exp.to_string())
        .fetch_optional(&mut *conn)
        .await
        .map_err(map_sqlx)?,
        _ if allow_unowned => return Ok(()),
        _ => return Err(bad()),
    };
    found
        .map(|_| ())
        .ok_or_else(|| Error::NotFound(format!("No active run or logged model owns '{path}'")))
}

impl Registry {
    /// Streams `body` into the store at `path`. Overwriting a file is allowed until a
    /// registration freezes it.
    pub async fn put_artifact(
        &self,
        actor: &Actor,
        path: &ArtifactPath,
        body: Pin<Box<dyn AsyncRead + Send + '_>>,
        expected: Option<Sha256>,
    ) -> Result<ArtifactEntry> {
        // Check before streaming, so a refused upload costs no disk; checked again below
        // inside the transaction, where it counts.
        {
            let mut conn = self.store.pool().acquire().await.map_err(map_sqlx)?;
            ensure_owner_exists(&mut conn, path, self.settings.allow_unowned_artifacts).await?;
            ensure_not_frozen(&mut conn, path, false).await?;
        }
        let info = self.blobs.put(body, expected).await?;
        let now = now_millis();
        let size = i64::try_from(info.size).map_err(|_| Error::invalid("artifact too large"))?;
        let mut tx = self.store.begin_write().await?;
        ensure_owner_exists(tx.conn(), path, self.settings.allow_unowned_artifacts).await?;
        ensure_not_frozen(tx.conn(), path, false).await?;
        let before = sqlx::query("SELECT digest FROM artifacts WHERE path = $1")
            .bind(path.as_str().to_string())
            .fetch_optional(tx.conn())
            .await
            .map_err(map_sqlx)?
            .map(|r| rows::s(&r, "digest"))
            .transpose()?;
        sqlx::query("INSERT INTO blobs (digest, size, created_at) VALUES ($1, $2, $3) ON CONFLICT (digest) DO NOTHING")
            .bind(info.digest.to_hex())
            .bind(size)
            .bind(now)
            .execute(tx.conn())
            .await
            .map_err(map_sqlx)?;
        sqlx::query(
            "INSERT INTO artifacts (path, digest, size, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (path) DO UPDATE SET digest = excluded.digest, size = excluded.size, created_at = excluded.created_at",
        )
        .bind(path.as_str().to_string())
        .bind(info.digest.to_hex())
        .bind(size)
        .bind(now)
        .execute(tx.conn())
        .await
        .map_err(map_sqlx)?;
        let after = json(&serde_json::json!({"digest": info.digest, "size": size}));
        tx.audit(
            actor.name(),
            "artifact.put",
            subject(path),
            json(&before),
            after,
        )
        .await?;
        tx.commit().await?;
        Ok(ArtifactEntry {
            path: path.clone(),
            digest: info.digest,
            size,
            created_at: now,
        })
    }

    pub async fn artifact_entry(&self, path: &ArtifactPath) -> Result<ArtifactEntry> {
        let r = sqlx::query("SELECT digest, size, created_at FROM artifacts WHERE path = $1")
            .bind(path.as_str().to_string())
            .fetch_optional(self.store.pool())
            .await
            .map_err(map_sqlx)?
            .ok_or_else(|| Error::NotFound(format!("No such artifact: '{path}'")))?;
        Ok(ArtifactEntry {
            path: path.clone(),
            digest: rows::parsed(rows::s(&r, "digest")?.parse::<Sha256>(), "digest")?,
            size: rows::i(&r, "size")?,
            created_at: rows::i(&r, "created_at")?,
        })
    }

    /// Opens a file for streaming; the reader verifies the digest as it goes and fails
    /// instead of ending cleanly if the stored bytes were altered.
    pub async fn open_artifact(&self, path: &ArtifactPath) -> Result<(ArtifactEntry, BlobReader)> {
        let entry = self.artifact_entry(path).await?;
        let reader = self.blobs.open(entry.digest, true).await?;
        Ok((entry, reader))
    }

    /// The immediate children of `dir`: directories first, then files, by full path. A
    /// missing directory, or a file, lists as empty (what MLflow clients expect).
    pub async fn list_artifacts(&self, dir: Option<&ArtifactPath>) -> Result<Vec<ArtifactListing>> {
        let prefix = dir.map(|d| format!("{d}/")).unwrap_or_default();
        let rows = sqlx::query(
            "SELECT path, digest, size FROM artifacts WHERE substr(path, 1, CAST($1 AS INTEGER)) = $2 ORDER BY path",
        )
        .bind(prefix.chars().count() as i64)
        .bind(prefix.clone())
        .fetch_all(self.store.pool())
        .await
        .map_err(map_sqlx)?;
        let mut out: Vec<ArtifactListing> = Vec::new();
        for r in &rows {
            let full = rows::s(r, "path")?;
            let rest = full.get(prefix.len()..).unwrap_or_default();
            match rest.split_once('/') {
                Some((sub, _)) => {
                    let p = format!("{prefix}{sub}");
                    if out.last().map(|e| e.path != p).unwrap_or(true) {
                        out.push(ArtifactListing {
                            path: p,
                            is_dir: true,
                            size: None,
                            digest: None,
                        });
                    }
                }
                None => out.push(ArtifactListing {
                    path: full.clone(),
                    is_dir: false,
                    size: Some(rows::i(r, "size")?),
                    digest: Some(rows::parsed(
                        rows::s(r, "digest")?.parse::<Sha256>(),
                        "digest",
                    )?),
                }),
            }
        }
        out.dedup_by(|a, b| a.is_dir && b.is_dir && a.path == b.path);
        out.sort_by(|a, b| b.is_dir.cmp(&a.is_dir).then(a.path.cmp(&b.path)));
        Ok(out)
    }

    /// Removes a file, or every file below a directory. Blobs stay until garbage collection.
    pub async fn delete_artifacts(&self, actor: &Actor, path: &ArtifactPath) -> Result<u64> {
        let mut tx = self.store.begin_write().await?;
        ensure_not_frozen(tx.conn(), path, true).await?;
        let done = sqlx::query(
            "DELETE FROM artifacts WHERE path = $1 OR substr(path, 1, CAST($2 AS INTEGER)) = $3",
        )
        .bind(path.as_str().to_string())
        .bind(path.as_str().chars().count() as i64 + 1)
        .bind(format!("{path}/"))
        .execute(tx.conn())
        .await
        .map_err(map_sqlx)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound(format!("No such artifact: '{path}'")));
        }
        tx.audit(
            actor.name(),
            "artifact.delete",
            subject(path),
            json(&done.rows_affected()),
            "null".into(),
        )
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }
}

/// Freezes a directory inside a write transaction (a model-version registration).
pub(crate) async fn freeze_prefix(tx: &mut WriteTx, prefix: &ArtifactPath) -> Result<()> {
    sqlx::query("INSERT INTO frozen_prefixes (prefix, frozen_at) VALUES ($1, $2) ON CONFLICT (prefix) DO NOTHING")
        .bind(prefix.as_str().to_string())
        .bind(now_millis())
        .execute(tx.conn())
        .await
        .map_err(map_sqlx)?;
    Ok(())
}
