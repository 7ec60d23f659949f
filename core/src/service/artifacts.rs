//! The artifact tree over the blob store: a root (a run's or logged model's artifact
//! directory) plus a relative path maps to a content-addressed blob. Bytes are streamed into
//! the blob store first (idempotent per content), then the tree row is committed with its
//! audit event, so a reader never sees a row without its blob.
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
use std::pin::Pin;
use tokio::io::AsyncRead;

fn subject(root: &ArtifactPath, path: &ArtifactPath) -> String {
    format!("artifact:{root}/{path}")
}

async fn ensure_not_frozen(tx: &mut WriteTx, root: &ArtifactPath) -> Result<()> {
    let frozen = sqlx::query("SELECT frozen_at FROM frozen_roots WHERE root = $1")
        .bind(root.as_str().to_string())
        .fetch_optional(tx.conn())
        .await
        .map_err(map_sqlx)?;
    if frozen.is_some() {
        return Err(Error::FailedPrecondition(format!(
            "The artifacts under '{root}' belong to a registered model version and are immutable"
        )));
    }
    Ok(())
}

impl Registry {
    /// Streams `body` into the store under `root/path`. Overwriting a file is allowed until
    /// the root is frozen by registration.
    pub async fn put_artifact(
        &self,
        actor: &Actor,
        root: &ArtifactPath,
        path: &ArtifactPath,
        body: Pin<Box<dyn AsyncRead + Send + '_>>,
        expected: Option<Sha256>,
    ) -> Result<ArtifactEntry> {
        let info = self.blobs.put(body, expected).await?;
        let now = now_millis();
        let size = i64::try_from(info.size).map_err(|_| Error::invalid("artifact too large"))?;
        let mut tx = self.store.begin_write().await?;
        ensure_not_frozen(&mut tx, root).await?;
        let before = sqlx::query("SELECT digest FROM artifacts WHERE root = $1 AND path = $2")
            .bind(root.as_str().to_string())
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
            "INSERT INTO artifacts (root, path, digest, size, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (root, path) DO UPDATE SET digest = excluded.digest, size = excluded.size, created_at = excluded.created_at",
        )
        .bind(root.as_str().to_string())
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
            subject(root, path),
            json(&before),
            after,
        )
        .await?;
        tx.commit().await?;
        Ok(ArtifactEntry {
            root: root.to_string(),
            path: path.clone(),
            digest: info.digest,
            size,
            created_at: now,
        })
    }

    pub async fn artifact_entry(
        &self,
        root: &ArtifactPath,
        path: &ArtifactPath,
    ) -> Result<ArtifactEntry> {
        let r = sqlx::query(
            "SELECT digest, size, created_at FROM artifacts WHERE root = $1 AND path = $2",
        )
        .bind(root.as_str().to_string())
        .bind(path.as_str().to_string())
        .fetch_optional(self.store.pool())
        .await
        .map_err(map_sqlx)?
        .ok_or_else(|| Error::NotFound(format!("No such artifact: '{path}'")))?;
        Ok(ArtifactEntry {
            root: root.to_string(),
            path: path.clone(),
            digest: rows::parsed(rows::s(&r, "digest")?.parse::<Sha256>(), "digest")?,
            size: rows::i(&r, "size")?,
            created_at: rows::i(&r, "created_at")?,
        })
    }

    /// Opens a file for streaming; the reader verifies the digest as it goes and fails
    /// instead of ending cleanly if the stored bytes were altered.
    pub async fn open_artifact(
        &self,
        root: &ArtifactPath,
        path: &ArtifactPath,
    ) -> Result<(ArtifactEntry, BlobReader)> {
        let entry = self.artifact_entry(root, path).await?;
        let reader = self.blobs.open(entry.digest, true).await?;
        Ok((entry, reader))
    }

    /// The immediate children of `dir` (or of the root), directories first, then files.
    pub async fn list_artifacts(
        &self,
        root: &ArtifactPath,
        dir: Option<&ArtifactPath>,
    ) -> Result<Vec<ArtifactListing>> {
        let prefix = dir.map(|d| format!("{d}/")).unwrap_or_default();
        let rows = sqlx::query("SELECT path, digest, size FROM artifacts WHERE root = $1 AND substr(path, 1, CAST($2 AS INTEGER)) = $3 ORDER BY path")
            .bind(root.as_str().to_string())
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
                    if !out.iter().any(|e| e.is_dir && e.path == p) {
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
        out.sort_by(|a, b| b.is_dir.cmp(&a.is_dir).then(a.path.cmp(&b.path)));
        Ok(out)
    }

    /// Removes a file, or every file below a directory. Blobs stay until garbage collection.
    pub async fn delete_artifacts(
        &self,
        actor: &Actor,
        root: &ArtifactPath,
        path: &ArtifactPath,
    ) -> Result<u64> {
        let mut tx = self.store.begin_write().await?;
        ensure_not_frozen(&mut tx, root).await?;
        let done = sqlx::query("DELETE FROM artifacts WHERE root = $1 AND (path = $2 OR substr(path, 1, CAST($3 AS INTEGER)) = $4)")
            .bind(root.as_str().to_string())
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
            subject(root, path),
            json(&done.rows_affected()),
            "null".into(),
        )
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// Freezes a root: from now on its artifact set cannot change. Used when a version is
    /// registered from it.
    pub async fn freeze_artifact_root(&self, actor: &Actor, root: &ArtifactPath) -> Result<()> {
        let mut tx = self.store.begin_write().await?;
        sqlx::query("INSERT INTO frozen_roots (root, frozen_at) VALUES ($1, $2) ON CONFLICT (root) DO NOTHING")
            .bind(root.as_str().to_string())
            .bind(now_millis())
            .execute(tx.conn())
            .await
            .map_err(map_sqlx)?;
        tx.audit(
            actor.name(),
            "artifact.freeze",
            format!("artifact:{root}"),
            "null".into(),
            "null".into(),
        )
        .await?;
        tx.commit().await
    }
}
