//! MLflow's UI artifact routes, still called by tools written against MLflow's UI:
//! `GET /get-artifact?path=&run_uuid=` (a file in a run's artifacts) and
//! `GET /model-versions/get-artifact?path=&name=&version=` (a file in a model version's
//! artifacts). The query is decoded once; `path` is parsed under the same rules as every
//! artifact path (`ArtifactPath`: no `..`, no absolute paths, no encoded separators) and
//! joined below the root the registry owns, and the file is served like any artifact
//! download (`super::artifacts::serve`: attachment, `nosniff`, `sandbox`).
use super::error::{ApiError, ApiResult};
use super::extract::QueryMap;
use super::Ctx;
use crate::shell::permission::Routes;
use axum::extract::State;
use axum::response::Response;
use pedigree_core::access::Need;
use pedigree_core::artifact::ArtifactPath;
use pedigree_core::{ModelName, RunId, Version};

pub fn routes() -> Routes {
    Routes::new()
        .get("/get-artifact", Need::VIEWER, run_artifact)
        .get(
            "/model-versions/get-artifact",
            Need::VIEWER,
            model_version_artifact,
        )
}

/// `mlflow-artifacts:/<root>` → `<root>`, the artifact tree's path of a server-owned location.
fn root_of(location: &str) -> ApiResult<ArtifactPath> {
    let rest = location
        .strip_prefix("mlflow-artifacts:")
        .ok_or_else(|| ApiError::invalid("This artifact location cannot be served here"))?;
    Ok(ArtifactPath::parse(
        rest.trim_start_matches('/').trim_end_matches('/'),
    )?)
}

fn relative(q: &QueryMap) -> ApiResult<ArtifactPath> {
    Ok(ArtifactPath::parse(q.required("path")?)?)
}

async fn run_artifact(State(ctx): State<Ctx>, q: QueryMap) -> Result<Response, ApiError> {
    let path = relative(&q)?;
    let run = q
        .get("run_uuid")
        .or_else(|| q.get("run_id"))
        .ok_or_else(|| ApiError::invalid("Missing value for required parameter 'run_uuid'."))?;
    let run = ctx.reg.get_run(&RunId::parse(run)?).await?;
    let root = root_of(&run.info.artifact_uri)?;
    super::artifacts::serve(&ctx, &root.join(&path)).await
}

async fn model_version_artifact(State(ctx): State<Ctx>, q: QueryMap) -> Result<Response, ApiError> {
    let path = relative(&q)?;
    let name = ModelName::parse(q.required("name")?)?;
    let version: Version = q.required("version")?.parse()?;
    // Where the files are: a copy (`models:/<name>/<n>`) is followed to its original and an
    // MLflow 3 source to its logged model's location, as for `get-download-uri`.
    let location = ctx.reg.model_version_download_uri(&name, version).await?;
    let root = root_of(&location)?;
    super::artifacts::serve(&ctx, &root.join(&path)).await
}
