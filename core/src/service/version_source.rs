//! Where a model version's files are: a registration's `source` resolved to a location
//! inside the named run's or logged model's artifact root, never a client-chosen place
//! (`file:`, `http`, another run or experiment). The canonical form is what gets stored.
//! The lookups of runs and logged models it needs are `store::artifacts`'s.
use crate::artifact::ArtifactPath;
use crate::error::{Entity, Error, Result};
use crate::names::{ExperimentId, LoggedModelId, RunId};
use crate::store::artifacts;
use sqlx::AnyConnection;

/// A version source resolved to where its artifacts really are.
#[derive(Debug)]
pub(crate) struct ResolvedSource {
    /// What is stored and echoed back: `models:/<id>` for MLflow 3 models (clients expect
    /// it verbatim), otherwise the canonical `mlflow-artifacts:/…` location.
    pub source: String,
    /// The directory whose files make up the version.
    pub prefix: ArtifactPath,
    pub run_id: Option<RunId>,
    pub logged_model_id: Option<LoggedModelId>,
}

fn bad_source(source: &str, why: &str) -> Error {
    Error::invalid(format!(
        "Invalid model version source '{}': {why}. A source must be runs:/<run_id>/<path>, models:/<model_id> or mlflow-artifacts:/<location> inside the run's or model's artifact root.",
        source.chars().take(200).collect::<String>()
    ))
}

async fn run_experiment(conn: &mut AnyConnection, run: &RunId) -> Result<ExperimentId> {
    artifacts::run_experiment(conn, run).await?.ok_or_else(|| {
        Error::not_found(
            Entity::Run,
            run.as_str(),
            format!("Run with id={run} not found"),
        )
    })
}

/// Resolves and checks a source (rule: storage locations are server-owned).
pub(crate) async fn resolve_source(
    conn: &mut AnyConnection,
    source: &str,
    run_id: Option<&RunId>,
    model_id: Option<&LoggedModelId>,
) -> Result<ResolvedSource> {
    if let Some(id) = source.strip_prefix("models:/") {
        let id = LoggedModelId::parse(id)
            .map_err(|_| bad_source(source, "models:/ must name a logged model id (m-…)"))?;
        if model_id.is_some_and(|m| *m != id) {
            return Err(bad_source(
                source,
                "it names a different model than model_id",
            ));
        }
        let origin = artifacts::logged_model_origin(&mut *conn, &id)
            .await?
            .ok_or_else(|| {
                Error::not_found(
                    Entity::LoggedModel,
                    id.as_str(),
                    format!("Logged model with ID '{id}' not found."),
                )
            })?;
        let exp = origin.experiment_id;
        let source_run = origin.source_run_id;
        return Ok(ResolvedSource {
            source: source.to_string(),
            prefix: ArtifactPath::parse(&format!("{exp}/models/{id}/artifacts"))?,
            run_id: run_id.cloned().or(source_run),
            logged_model_id: Some(id),
        });
    }
    let (path, run) = if let Some(rest) = source.strip_prefix("runs:/") {
        let (run, sub) = rest.split_once('/').unwrap_or((rest, ""));
        let run = RunId::parse(run).map_err(|_| bad_source(source, "runs:/ must name a run id"))?;
        let exp = run_experiment(conn, &run).await?;
        let sub = if sub.is_empty() {
            String::new()
        } else {
            format!("/{}", ArtifactPath::parse(sub.trim_end_matches('/'))?)
        };
        (
            ArtifactPath::parse(&format!("{exp}/{run}/artifacts{sub}"))?,
            run,
        )
    } else if let Some(rest) = source.strip_prefix("mlflow-artifacts:") {
        let path = ArtifactPath::parse(rest.trim_start_matches('/').trim_end_matches('/'))
            .map_err(|e| bad_source(source, &e.to_string()))?;
        let segs: Vec<&str> = path.segments().collect();
        match segs.as_slice() {
            [_, "models", m, "artifacts", ..] => {
                let m = LoggedModelId::parse(*m)
                    .map_err(|_| bad_source(source, "not a logged model's artifact root"))?;
                let r = Box::pin(resolve_source(
                    conn,
                    &format!("models:/{m}"),
                    run_id,
                    model_id,
                ))
                .await?;
                // The path must lie inside that model's root, experiment included.
                if !path.is_within(&r.prefix) {
                    return Err(bad_source(
                        source,
                        "not inside that logged model's artifact root",
                    ));
                }
                return Ok(ResolvedSource {
                    source: format!("mlflow-artifacts:/{path}"),
                    prefix: path,
                    ..r
                });
            }
            [exp, run, "artifacts", ..] => {
                let run = RunId::parse(*run)
                    .map_err(|_| bad_source(source, "not a run's artifact root"))?;
                if run_experiment(conn, &run).await?.to_string() != *exp {
                    return Err(bad_source(source, "the run is not in that experiment"));
                }
                (path.clone(), run)
            }
            _ => {
                return Err(bad_source(
                    source,
                    "not inside a run's or logged model's artifact root",
                ))
            }
        }
    } else {
        return Err(bad_source(source, "unsupported scheme"));
    };
    if run_id.is_some_and(|r| *r != run) {
        return Err(bad_source(
            source,
            "it lies outside the artifact root of the given run_id",
        ));
    }
    Ok(ResolvedSource {
        source: format!("mlflow-artifacts:/{path}"),
        prefix: path,
        run_id: Some(run),
        logged_model_id: model_id.cloned(),
    })
}
