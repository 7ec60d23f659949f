//! Where a model version's files are. A registration's `source` either resolves to a
//! location inside a tracked run's or logged model's artifact root (owned: the canonical
//! form is stored, and that directory is frozen), or it is an external reference to files
//! elsewhere (`s3://bucket/model`, `runs:/<untracked run>/model`, a relative path): kept
//! verbatim, never read or served, flagged external. Shapes that name a local or hidden
//! location are refused either way (`crate::external::check_external_source`). The server's
//! own scheme (`mlflow-artifacts:`) and `models:/` must always resolve here. A `runs:/` or
//! `models:/<id>` source whose run or model keeps its artifacts under an external
//! experiment location (`crate::location`) is an external reference too: its files are
//! not here to freeze.
//! The lookups of runs and logged models it needs are `store::artifacts`'s.
use crate::artifact::ArtifactPath;
use crate::error::{Entity, Error, Result};
use crate::external::{check_external_source, RunRef, SourceKind};
use crate::location::is_server_owned;
use crate::names::{ExperimentId, LoggedModelId, RunId};
use crate::store::artifacts;
use sqlx::AnyConnection;

/// A version source resolved to where its artifacts really are.
#[derive(Debug)]
pub(crate) struct ResolvedSource {
    /// What is stored and echoed back: `models:/<id>` for MLflow 3 models (clients expect
    /// it verbatim), the canonical `mlflow-artifacts:/…` location, or an external
    /// reference as sent.
    pub source: String,
    pub kind: SourceKind,
    /// The directory whose files make up the version (owned sources only).
    pub prefix: Option<ArtifactPath>,
    pub run: Option<RunRef>,
    pub logged_model_id: Option<LoggedModelId>,
}

fn bad_source(source: &str, why: &str) -> Error {
    Error::invalid(format!(
        "Invalid model version source '{}': {why}. A source must be runs:/<run_id>/<path>, models:/<model_id> or mlflow-artifacts:/<location> inside the run's or model's artifact root, or a reference to files elsewhere (such as s3://bucket/path).",
        source.chars().take(200).collect::<String>()
    ))
}

fn logged_model_missing(id: &LoggedModelId) -> Error {
    Error::not_found(
        Entity::LoggedModel,
        id.as_str(),
        format!("Logged model with ID '{id}' not found."),
    )
}

/// The experiment of a run tracked here, if it is.
async fn tracked_run(conn: &mut AnyConnection, raw: &str) -> Result<Option<(RunId, ExperimentId)>> {
    let Ok(run) = RunId::parse(raw) else {
        return Ok(None);
    };
    Ok(artifacts::run_experiment(conn, &run)
        .await?
        .map(|exp| (run, exp)))
}

/// The run a client names: tracked here, or kept as an external run reference.
pub(crate) async fn run_ref(conn: &mut AnyConnection, raw: &str) -> Result<RunRef> {
    Ok(match tracked_run(conn, raw).await? {
        Some((run, _)) => RunRef::Tracked(run),
        None => RunRef::external(raw)?,
    })
}

/// Resolves and checks a source (rule: storage locations are server-owned).
pub(crate) async fn resolve_source(
    conn: &mut AnyConnection,
    source: &str,
    run_id: Option<&str>,
    model_id: Option<&LoggedModelId>,
) -> Result<ResolvedSource> {
    let run = match run_id {
        Some(raw) => Some(run_ref(&mut *conn, raw).await?),
        None => None,
    };
    if let Some(id) = model_id {
        // The model the version is registered from must exist (it is listed on it).
        if artifacts::logged_model_origin(&mut *conn, id)
            .await?
            .is_none()
        {
            return Err(logged_model_missing(id));
        }
    }
    if let Some(rest) = source.strip_prefix("models:/") {
        match LoggedModelId::parse(rest) {
            Err(_) => return resolve_registry_copy(conn, source, rest, run, model_id).await,
            Ok(id) => {
                if let Some(origin) = artifacts::logged_model_origin(&mut *conn, &id).await? {
                    if !is_server_owned(&origin.artifact_location) {
                        if model_id.is_some_and(|m| *m != id) {
                            return Err(bad_source(
                                source,
                                "it names a different model than model_id",
                            ));
                        }
                        let run = run.or_else(|| origin.source_run());
                        return external_owner_source(source, run, Some(id));
                    }
                }
            }
        }
    }
    if source.starts_with("models:/") || source.starts_with("mlflow-artifacts:") {
        return resolve_owned(conn, source, run, model_id).await;
    }
    if let Some(rest) = source.strip_prefix("runs:/") {
        let (raw_run, _) = rest.split_once('/').unwrap_or((rest, ""));
        if let Some((owner, _)) = tracked_run(&mut *conn, raw_run).await? {
            let uri = artifacts::run_artifact_uri(&mut *conn, &owner).await?;
            if uri.as_deref().is_some_and(|u| !is_server_owned(u)) {
                if run.as_ref().is_some_and(|r| r.tracked() != Some(&owner)) {
                    return Err(bad_source(
                        source,
                        "it lies outside the artifact root of the given run_id",
                    ));
                }
                let run = run.or(Some(RunRef::Tracked(owner)));
                return external_owner_source(source, run, model_id.cloned());
            }
            return resolve_owned(conn, source, run, model_id).await;
        }
    }
    // Not ours: an external reference, if its shape is safe to keep.
    check_external_source(source).map_err(|e| match e {
        Error::InvalidArgument(m) => Error::InvalidArgument(format!(
            "{m} A source must be runs:/<run_id>/<path>, models:/<model_id> or mlflow-artifacts:/<location> inside the run's or model's artifact root, or a reference to files elsewhere (such as s3://bucket/path)."
        )),
        other => other,
    })?;
    Ok(ResolvedSource {
        source: source.to_string(),
        kind: SourceKind::External,
        prefix: None,
        run,
        logged_model_id: model_id.cloned(),
    })
}

/// A `runs:/` or `models:/<id>` source naming a run or logged model tracked here whose
/// artifacts live under an external experiment location: kept verbatim as an external
/// reference (nothing here to freeze or serve).
fn external_owner_source(
    source: &str,
    run: Option<RunRef>,
    logged_model_id: Option<LoggedModelId>,
) -> Result<ResolvedSource> {
    check_external_source(source)?;
    Ok(ResolvedSource {
        source: source.to_string(),
        kind: SourceKind::External,
        prefix: None,
        run,
        logged_model_id,
    })
}

/// `models:/<name>/<version>` (what `copy_model_version` registers): the new version shares
/// the files of a version registered here, owned or external as that one is. Nothing is
/// frozen again: an owned original froze its files when it was registered.
async fn resolve_registry_copy(
    conn: &mut AnyConnection,
    source: &str,
    rest: &str,
    run: Option<RunRef>,
    model_id: Option<&LoggedModelId>,
) -> Result<ResolvedSource> {
    let (name, version) = registry_uri(rest).ok_or_else(|| {
        bad_source(
            source,
            "models:/ must name a logged model id (m-…) or a registered version (<name>/<version>)",
        )
    })?;
    let id = crate::store::models::id(&mut *conn, &name).await?;
    let original = crate::store::versions::get(&mut *conn, &name, id, version).await?;
    Ok(ResolvedSource {
        source: source.to_string(),
        kind: original.source_kind,
        prefix: None,
        run: run.or(original.run_id),
        logged_model_id: model_id.cloned(),
    })
}

/// The registered version a `models:/<name>/<version>` URI (without the scheme) names.
pub(crate) fn registry_uri(rest: &str) -> Option<(crate::names::ModelName, crate::names::Version)> {
    let (name, version) = rest.rsplit_once('/')?;
    Some((
        crate::names::ModelName::parse(name).ok()?,
        version.parse().ok()?,
    ))
}

/// A source inside a run's or logged model's artifact root here.
async fn resolve_owned(
    conn: &mut AnyConnection,
    source: &str,
    run: Option<RunRef>,
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
            .ok_or_else(|| logged_model_missing(&id))?;
        let exp = origin.experiment_id;
        return Ok(ResolvedSource {
            source: source.to_string(),
            kind: SourceKind::Owned,
            prefix: Some(ArtifactPath::parse(&format!(
                "{exp}/models/{id}/artifacts"
            ))?),
            run: run.or_else(|| origin.source_run()),
            logged_model_id: Some(id),
        });
    }
    let (path, owner) = if let Some(rest) = source.strip_prefix("runs:/") {
        let (raw_run, sub) = rest.split_once('/').unwrap_or((rest, ""));
        let (owner, exp) = tracked_run(&mut *conn, raw_run)
            .await?
            .ok_or_else(|| bad_source(source, "runs:/ must name a run"))?;
        let sub = if sub.is_empty() {
            String::new()
        } else {
            format!("/{}", ArtifactPath::parse(sub.trim_end_matches('/'))?)
        };
        (
            ArtifactPath::parse(&format!("{exp}/{owner}/artifacts{sub}"))?,
            owner,
        )
    } else {
        let rest = source.strip_prefix("mlflow-artifacts:").unwrap_or(source);
        let path = ArtifactPath::parse(rest.trim_start_matches('/').trim_end_matches('/'))
            .map_err(|e| bad_source(source, &e.to_string()))?;
        let segs: Vec<&str> = path.segments().collect();
        match segs.as_slice() {
            [_, "models", m, "artifacts", ..] => {
                let m = LoggedModelId::parse(*m)
                    .map_err(|_| bad_source(source, "not a logged model's artifact root"))?;
                let r =
                    Box::pin(resolve_owned(conn, &format!("models:/{m}"), run, model_id)).await?;
                // The path must lie inside that model's root, experiment included.
                if !r.prefix.as_ref().is_some_and(|p| path.is_within(p)) {
                    return Err(bad_source(
                        source,
                        "not inside that logged model's artifact root",
                    ));
                }
                return Ok(ResolvedSource {
                    source: format!("mlflow-artifacts:/{path}"),
                    prefix: Some(path),
                    ..r
                });
            }
            [exp, run_seg, "artifacts", ..] => {
                let (owner, run_exp) = tracked_run(&mut *conn, run_seg)
                    .await?
                    .ok_or_else(|| bad_source(source, "not a tracked run's artifact root"))?;
                if run_exp.to_string() != *exp {
                    return Err(bad_source(source, "the run is not in that experiment"));
                }
                (path.clone(), owner)
            }
            _ => {
                return Err(bad_source(
                    source,
                    "not inside a run's or logged model's artifact root",
                ))
            }
        }
    };
    if run.as_ref().is_some_and(|r| r.tracked() != Some(&owner)) {
        return Err(bad_source(
            source,
            "it lies outside the artifact root of the given run_id",
        ));
    }
    Ok(ResolvedSource {
        source: format!("mlflow-artifacts:/{path}"),
        kind: SourceKind::Owned,
        prefix: Some(path),
        run: Some(RunRef::Tracked(owner)),
        logged_model_id: model_id.cloned(),
    })
}
