//! The artifact tree over the blob store: a path under the artifact root maps to a
//! content-addressed blob. Bytes are streamed into the blob store first (idempotent per
//! content), then the tree row is committed with its audit event, so a reader never sees a
//! row without its blob. The SQL is `store::artifacts`'s.
//!
//! Paths are server-owned: a write must land under an existing, active run
//! (`<exp>/<run_id>/artifacts/…`) or logged model (`<exp>/models/<model_id>/artifacts/…`),
//! and nothing at or below a prefix frozen by a model-version registration may change.
use super::Registry;
use crate::artifact::{ArtifactEntry, ArtifactListing, ArtifactPath};
use crate::audit::{Action, Subject};
use crate::blob::{read_chunks, BlobReader};
use crate::error::{Entity, Error, Result};
use crate::names::Sha256;
use crate::store::artifacts;
use crate::user::Actor;
use bytes::Bytes;
use futures::stream::BoxStream;
use serde_json::json;
use sqlx::AnyConnection;
use std::io;
use std::pin::Pin;
use tokio::io::AsyncRead;

fn no_such_artifact(path: &ArtifactPath) -> Error {
    Error::not_found(
        Entity::Artifact,
        path.as_str(),
        format!("No such artifact: '{path}'"),
    )
}

/// Refuses a change at or below a frozen prefix, or, for a recursive delete, above one.
async fn ensure_not_frozen(
    conn: &mut AnyConnection,
    path: &ArtifactPath,
    recursive: bool,
) -> Result<()> {
    if let Some(prefix) = artifacts::frozen_prefix_touching(conn, path, recursive).await? {
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
    // The kind of owner the path names, so a missing one is reported as what it is.
    let (found, owner) = match segs.as_slice() {
        [exp, "models", model, "artifacts", _, ..] => (
            artifacts::logged_model_in(conn, model, exp).await?,
            Entity::LoggedModel,
        ),
        [exp, run, "artifacts", _, ..] => {
            (artifacts::active_run_in(conn, run, exp).await?, Entity::Run)
        }
        _ if allow_unowned => return Ok(()),
        _ => return Err(bad()),
    };
    if !found {
        return Err(Error::not_found(
            owner,
            path.as_str(),
            format!("No active run or logged model owns '{path}'"),
        ));
    }
    Ok(())
}

impl Registry {
    /// `put_artifact_chunks` for a reader.
    pub async fn put_artifact(
        &self,
        actor: &Actor,
        path: &ArtifactPath,
        body: Pin<Box<dyn AsyncRead + Send + '_>>,
        expected: Option<Sha256>,
    ) -> Result<ArtifactEntry> {
        self.put_artifact_chunks(actor, path, read_chunks(body), expected)
            .await
    }

    /// Streams `body` into the store at `path`. Overwriting a file is allowed until a
    /// registration freezes it.
    pub async fn put_artifact_chunks(
        &self,
        actor: &Actor,
        path: &ArtifactPath,
        body: BoxStream<'_, io::Result<Bytes>>,
        expected: Option<Sha256>,
    ) -> Result<ArtifactEntry> {
        let allow_unowned = self.settings.allow_unowned_artifacts;
        // Check before streaming, so a refused upload costs no disk; checked again below
        // inside the transaction, where it counts.
        {
            let mut conn = self.store.acquire().await?;
            ensure_owner_exists(&mut conn, path, allow_unowned).await?;
            ensure_not_frozen(&mut conn, path, false).await?;
        }
        let info = self.blobs.put_chunks(body, expected).await?;
        let now = self.now();
        let size = i64::try_from(info.size).map_err(|_| Error::invalid("artifact too large"))?;
        let mut w = self.begin(actor).await?;
        let before = artifacts::lock_digest(w.tx(), path).await?;
        w.authorize(Action::ArtifactPut, Subject::Artifact(path.clone()))
            .await?;
        ensure_owner_exists(w.conn(), path, allow_unowned).await?;
        ensure_not_frozen(w.conn(), path, false).await?;
        artifacts::record_blob(w.conn(), &info.digest, size, now).await?;
        artifacts::put_entry(w.conn(), path, &info.digest, size, now).await?;
        w.commit(&before, json!({"digest": info.digest, "size": size}))
            .await?;
        Ok(ArtifactEntry {
            path: path.clone(),
            digest: info.digest,
            size,
            created_at: now,
        })
    }

    pub async fn artifact_entry(&self, path: &ArtifactPath) -> Result<ArtifactEntry> {
        let mut conn = self.store.acquire().await?;
        artifacts::entry(&mut conn, path)
            .await?
            .ok_or_else(|| no_such_artifact(path))
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
        let files = {
            let mut conn = self.store.acquire().await?;
            artifacts::files_under(&mut conn, &prefix).await?
        };
        let mut out: Vec<ArtifactListing> = Vec::new();
        for f in files {
            let full = f.path.as_str();
            let rest = full.get(prefix.len()..).unwrap_or_default();
            match rest.split_once('/') {
                // A file further down: list the child directory it is in, once.
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
                    path: full.to_string(),
                    is_dir: false,
                    size: Some(f.size),
                    digest: Some(f.digest),
                }),
            }
        }
        out.dedup_by(|a, b| a.is_dir && b.is_dir && a.path == b.path);
        // By name, files and directories together, as MLflow lists them.
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// Removes a file, or every file below a directory. Blobs stay until garbage collection.
    pub async fn delete_artifacts(&self, actor: &Actor, path: &ArtifactPath) -> Result<u64> {
        let mut w = self.begin(actor).await?;
        w.authorize(Action::ArtifactDelete, Subject::Artifact(path.clone()))
            .await?;
        ensure_not_frozen(w.conn(), path, true).await?;
        // `before` is how many files went: the delete itself locks and counts them, inside
        // this transaction, so the count is exact without a separate locking read.
        let removed = artifacts::delete_at_or_below(w.conn(), path).await?;
        if removed == 0 {
            return Err(no_such_artifact(path));
        }
        w.commit(removed, ()).await?;
        Ok(removed)
    }
}
