//! What a transition request is bound to: the SHA-256 of a version's artifact manifest.
//! An owned version's files are the ones under the prefix its registration froze (its
//! `mlflow-artifacts:/…` source, a logged model's artifact root for `models:/<id>`, or the
//! original's for a copy `models:/<name>/<version>`); the manifest lists each one's path
//! below that prefix, blob digest and size, in path order, length-prefixed so no choice of
//! names can make two manifests collide. An external reference has no files here: `None`.
//! The reads are `store::artifacts`'s and `store::versions`'s.
use crate::artifact::{ArtifactPath, VersionFile, VersionFiles};
use crate::error::Result;
use crate::model_version::ModelVersion;
use crate::names::LoggedModelId;
use crate::store::{artifacts, models, versions};
use sha2::Digest;
use sqlx::AnyConnection;

/// The version's manifest digest (hex), `None` for an external reference.
pub(crate) async fn artifact_digest(
    conn: &mut AnyConnection,
    v: &ModelVersion,
) -> Result<Option<String>> {
    Ok(files(conn, v).await?.map(|f| f.digest))
}

/// The version's files with the manifest digest over them, `None` for an external
/// reference (its files are not here).
pub(crate) async fn files(
    conn: &mut AnyConnection,
    v: &ModelVersion,
) -> Result<Option<VersionFiles>> {
    let Some(prefix) = artifact_prefix(conn, v).await? else {
        return Ok(None);
    };
    let mut entries = Vec::new();
    // A version may be one file rather than a directory.
    if let Some(e) = artifacts::entry(conn, &prefix).await? {
        entries.push(e);
    }
    entries.extend(artifacts::files_under(conn, &format!("{prefix}/")).await?);
    let mut h = sha2::Sha256::new();
    let mut out = Vec::with_capacity(entries.len());
    for f in &entries {
        let rel = f
            .path
            .as_str()
            .strip_prefix(prefix.as_str())
            .unwrap_or(f.path.as_str());
        let digest = f.digest.to_hex();
        let size = f.size.to_string();
        for field in [rel, digest.as_str(), size.as_str()] {
            h.update((field.len() as u64).to_be_bytes());
            h.update(field.as_bytes());
        }
        // The file itself when the version is one file: its name is the last segment.
        let shown = match rel.trim_start_matches('/') {
            "" => f.path.as_str().rsplit('/').next().unwrap_or_default(),
            r => r,
        };
        out.push(VersionFile {
            path: shown.to_string(),
            size: f.size,
            sha256: digest,
        });
    }
    Ok(Some(VersionFiles {
        root: prefix.as_str().to_string(),
        digest: hex::encode(h.finalize()),
        files: out,
    }))
}

/// Where an owned version's files are, following copies a bounded number of hops (a copy
/// names a version that existed before it, so no cycle can form).
async fn artifact_prefix(
    conn: &mut AnyConnection,
    v: &ModelVersion,
) -> Result<Option<ArtifactPath>> {
    let mut v = v.clone();
    for _ in 0..32 {
        if v.is_external() {
            return Ok(None);
        }
        if let Some(rest) = v.source.strip_prefix("mlflow-artifacts:") {
            return Ok(Some(ArtifactPath::parse(
                rest.trim_start_matches('/').trim_end_matches('/'),
            )?));
        }
        let Some(rest) = v.source.strip_prefix("models:/") else {
            return Ok(None);
        };
        if let Ok(id) = LoggedModelId::parse(rest) {
            let Some(origin) = artifacts::logged_model_origin(conn, &id).await? else {
                return Ok(None);
            };
            let exp = origin.experiment_id;
            return Ok(Some(ArtifactPath::parse(&format!(
                "{exp}/models/{id}/artifacts"
            ))?));
        }
        let Some((name, version)) = super::version_source::registry_uri(rest) else {
            return Ok(None);
        };
        let model = models::id(conn, &name).await?;
        v = versions::get(conn, &name, model, version).await?;
    }
    Ok(None)
}
