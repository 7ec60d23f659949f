//! `/api/2.0/mlflow-artifacts/artifacts`: the artifact proxy over the content-addressed
//! store. Uploads stream into the blob store (hashed while streaming, never buffered whole);
//! downloads stream out, verified against their digest, and are served inert.
use super::error::{ApiError, ApiResult};
use super::extract::QueryMap;
use super::Ctx;
use crate::shell::permission::Routes;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use futures::TryStreamExt;
use pedigree_core::access::Need;
use pedigree_core::artifact::ArtifactPath;
use pedigree_core::user::Actor;
use pedigree_core::{Entity, Error, Sha256};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub fn routes() -> Routes {
    Routes::new()
        .get("/artifacts", Need::VIEWER, list)
        .get("/artifacts/{*path}", Need::VIEWER, download)
        .put("/artifacts/{*path}", Need::CONTRIBUTOR, upload)
        .delete("/artifacts/{*path}", Need::CONTRIBUTOR, remove)
}

fn artifact_path(raw: &str) -> ApiResult<ArtifactPath> {
    Ok(ArtifactPath::parse(raw.trim_end_matches('/'))?)
}

async fn upload(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Path(raw): Path<String>,
    req: Request,
) -> ApiResult<Json<Value>> {
    let path = artifact_path(&raw)?;
    // A client may state the digest it expects; a mismatch stores nothing.
    let expected = req
        .headers()
        .get("x-content-sha256")
        .and_then(|v| v.to_str().ok())
        .map(|s| s.parse::<Sha256>())
        .transpose()?;
    let limit = ctx.max_body_bytes as u64;
    let seen = Arc::new(AtomicU64::new(0));
    let stream = req
        .into_body()
        .into_data_stream()
        .map_err(std::io::Error::other)
        .and_then(move |chunk| {
            let total = seen.fetch_add(chunk.len() as u64, Ordering::Relaxed) + chunk.len() as u64;
            async move {
                if total > limit {
                    Err(std::io::Error::other(Error::invalid(format!(
                        "Artifact is larger than the configured limit of {limit} bytes"
                    ))))
                } else {
                    Ok(chunk)
                }
            }
        });
    // The body's chunks go to the store as they are: no copy into a read buffer.
    ctx.reg
        .put_artifact_chunks(&actor, &path, Box::pin(stream), expected)
        .await?;
    Ok(Json(json!({})))
}

async fn download(State(ctx): State<Ctx>, Path(raw): Path<String>) -> Result<Response, ApiError> {
    serve(&ctx, &artifact_path(&raw)?).await
}

/// One stored file as a download: streamed, verified and served inert. MLflow's
/// `/get-artifact` routes (`super::get_artifact`) serve through this too.
pub(crate) async fn serve(ctx: &Ctx, path: &ArtifactPath) -> Result<Response, ApiError> {
    let (entry, reader) = ctx.reg.open_artifact(path).await.map_err(|e| match e {
        Error::NotFound { .. } => ApiError(Error::not_found(
            Entity::Artifact,
            path.as_str(),
            format!("No such artifact: '{path}'"),
        )),
        other => ApiError(other),
    })?;
    let name = path.segments().last().unwrap_or("artifact").to_string();
    let mime = mime_guess::from_path(&name).first_or_octet_stream();
    // Served inert: HTML, SVG or XML uploaded as an artifact must not run in our origin.
    let active = matches!(mime.subtype().as_str(), "html" | "svg" | "xml" | "xhtml")
        || mime.type_() == "text" && mime.subtype() == "javascript";
    let content_type = if active {
        "text/plain; charset=utf-8".to_string()
    } else {
        mime.essence_str().to_string()
    };
    // Big chunks read and hashed on the blocking pool; a corrupt blob's last chunk is never
    // sent, so the client sees a body shorter than its Content-Length.
    let body = Body::from_stream(reader.into_stream(pedigree_core::blob::CHUNK));
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    let safe_name: String = name
        .chars()
        .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
        .collect();
    for (k, v) in [
        (header::CONTENT_TYPE, content_type),
        (header::CONTENT_LENGTH, entry.size.to_string()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{safe_name}\""),
        ),
        (header::ETAG, format!("\"sha256:{}\"", entry.digest)),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        (
            header::CONTENT_SECURITY_POLICY,
            "sandbox; default-src 'none'".to_string(),
        ),
    ] {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    }
    Ok(resp)
}

async fn list(State(ctx): State<Ctx>, q: QueryMap) -> ApiResult<Json<Value>> {
    // The same path rules as upload and download: an absolute or traversing path is a
    // 400, not an empty listing.
    let dir = match q.get("path").filter(|p| !p.is_empty()) {
        Some(p) => Some(artifact_path(p)?),
        None => None,
    };
    let entries = ctx.reg.list_artifacts(dir.as_ref()).await?;
    let prefix_len = dir.as_ref().map(|d| d.as_str().len() + 1).unwrap_or(0);
    let files: Vec<Value> = entries
        .iter()
        .map(|e| {
            let rel = e.path.get(prefix_len..).unwrap_or(&e.path);
            match e.size {
                Some(size) if !e.is_dir => json!({"path": rel, "is_dir": false, "file_size": size}),
                _ => json!({"path": rel, "is_dir": true}),
            }
        })
        .collect();
    // MLflow answers a missing directory, an empty one or a file path with `{}`.
    Ok(Json(if files.is_empty() {
        json!({})
    } else {
        json!({"files": files})
    }))
}

async fn remove(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Path(raw): Path<String>,
) -> ApiResult<Json<Value>> {
    ctx.reg
        .delete_artifacts(&actor, &artifact_path(&raw)?)
        .await?;
    Ok(Json(json!({})))
}
