//! `GET /api/2.0/mlflow/artifacts/list?run_id=&path=`: the tracking API's (non-proxied)
//! listing of a run's artifacts, as MLflow's `ListArtifacts` answers it: `root_uri` is the
//! run's artifact URI and every `files[].path` is relative to that root (`dir/b.txt`),
//! unlike the proxy listing's basenames. The path follows the artifact path rules: an
//! absolute or traversing one is a 400 `Invalid path`, in MLflow's words.
use super::error::{ApiError, ApiResult};
use super::extract::QueryMap;
use super::Ctx;
use crate::shell::permission::Routes;
use axum::extract::State;
use axum::Json;
use pedigree_core::access::Need;
use pedigree_core::artifact::ArtifactPath;
use pedigree_core::RunId;
use serde_json::{json, Value};

pub fn routes() -> Routes {
    Routes::new().get("/artifacts/list", Need::VIEWER, list)
}

async fn list(State(ctx): State<Ctx>, q: QueryMap) -> ApiResult<Json<Value>> {
    let raw_run = q
        .get("run_id")
        .filter(|s| !s.is_empty())
        .or(q.get("run_uuid").filter(|s| !s.is_empty()));
    let run = RunId::parse(super::extract::required(raw_run, "run_id")?)?;
    let rel = match q.get("path").filter(|p| !p.is_empty()) {
        Some(p) => Some(
            ArtifactPath::parse(p.trim_end_matches('/'))
                .map_err(|_| ApiError::invalid("Invalid path"))?,
        ),
        None => None,
    };
    let info = ctx.reg.get_run(&run).await?.info;
    let root = info
        .artifact_uri
        .strip_prefix("mlflow-artifacts:")
        .map(|r| r.trim_matches('/'))
        .ok_or_else(|| ApiError::invalid("The run's artifacts are not served by this server"))?;
    let dir = match &rel {
        Some(r) => ArtifactPath::parse(&format!("{root}/{r}"))?,
        None => ArtifactPath::parse(root)?,
    };
    let prefix_len = dir.as_str().len() + 1;
    let files: Vec<Value> = ctx
        .reg
        .list_artifacts(Some(&dir))
        .await?
        .iter()
        .map(|e| {
            let base = e.path.get(prefix_len..).unwrap_or(&e.path);
            let path = match &rel {
                Some(r) => format!("{r}/{base}"),
                None => base.to_string(),
            };
            match e.size {
                Some(size) if !e.is_dir => {
                    json!({"path": path, "is_dir": false, "file_size": size})
                }
                _ => json!({"path": path, "is_dir": true}),
            }
        })
        .collect();
    let mut out = json!({"root_uri": info.artifact_uri});
    if !files.is_empty() {
        out["files"] = Value::Array(files);
    }
    Ok(Json(out))
}
