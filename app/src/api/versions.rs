//! Model versions as the dashboard reads them: one version with its run, files and
//! holder history.
use crate::error::UiError;
use leptos::prelude::*;
use pedigree_core::version_view::VersionView;

/// Version `version` of model `name` (the name itself, decoded once from the URL by
/// `routes::use_param`; the version as its URL segment), parsed here at the boundary.
#[server(prefix = "/_app", endpoint = "versions/get")]
pub async fn get_version(name: String, version: String) -> Result<VersionView, UiError> {
    let name = pedigree_core::ModelName::parse(name)?;
    let version: pedigree_core::Version = version.parse()?;
    let cx = super::ctx::ctx()?;
    Ok(cx
        .registry
        .version_view(cx.viewer(), &name, version)
        .await?)
}

#[cfg(feature = "ssr")]
fn parse_target(
    name: String,
    version: i64,
) -> Result<(pedigree_core::ModelName, pedigree_core::Version), UiError> {
    Ok((
        pedigree_core::ModelName::parse(name)?,
        pedigree_core::Version::new(version)?,
    ))
}

/// Asks for version `version` of `name` to move to `stage` (a gated stage goes through the
/// review queue), with the requester's reason; answers the request it opened.
#[server(prefix = "/_app", endpoint = "versions/request")]
pub async fn request_promotion(
    name: String,
    version: i64,
    stage: String,
    reason: String,
    archive_existing: Option<String>,
) -> Result<pedigree_core::review::TransitionRequest, UiError> {
    let (name, version) = parse_target(name, version)?;
    let new = pedigree_core::service::reviews::OpenRequest {
        name,
        version,
        to_stage: stage.parse()?,
        // A checkbox posts its value only when ticked.
        archive_existing_versions: archive_existing.is_some(),
        comment: pedigree_core::review::CommentText::parse(reason)?,
    };
    let cx = super::ctx::ctx()?;
    Ok(cx
        .registry
        .open_transition_request(cx.actor()?, new)
        .await?)
}

/// Points alias `alias` of `name` at version `version` (a protected alias only moves for
/// an approver: the refusal says so).
#[server(prefix = "/_app", endpoint = "versions/alias")]
pub async fn set_alias(name: String, version: i64, alias: String) -> Result<(), UiError> {
    let (name, version) = parse_target(name, version)?;
    let alias = pedigree_core::AliasName::parse(alias)?;
    let cx = super::ctx::ctx()?;
    Ok(cx
        .registry
        .set_alias(cx.actor()?, &name, alias, version)
        .await?)
}

/// Moves version `version` of `name` to `stage` directly: a demotion, or a move the
/// review gate turns into a request (its refusal names the request).
#[server(prefix = "/_app", endpoint = "versions/stage")]
pub async fn move_stage(name: String, version: i64, stage: String) -> Result<(), UiError> {
    let (name, version) = parse_target(name, version)?;
    let stage: pedigree_core::Stage = stage.parse()?;
    let cx = super::ctx::ctx()?;
    cx.registry
        .transition_stage(cx.actor()?, &name, version, stage, false)
        .await?;
    Ok(())
}

/// Restores version `version` of `name`, which held Production before, to Production
/// without a new review: an approver's rollback.
#[server(prefix = "/_app", endpoint = "versions/rollback")]
pub async fn rollback(name: String, version: i64) -> Result<(), UiError> {
    let (name, version) = parse_target(name, version)?;
    let cx = super::ctx::ctx()?;
    cx.registry.rollback(cx.actor()?, &name, version).await?;
    Ok(())
}

/// Two versions of `name` side by side; `base` and `other` are the page's query values
/// (absent or empty: champion and challenger, see `Registry::compare_versions`).
#[server(prefix = "/_app", endpoint = "versions/compare")]
pub async fn compare_versions(
    name: String,
    base: Option<String>,
    other: Option<String>,
) -> Result<pedigree_core::version_view::CompareView, UiError> {
    let name = pedigree_core::ModelName::parse(name)?;
    let version = |v: Option<String>| -> Result<Option<pedigree_core::Version>, UiError> {
        Ok(v.filter(|v| !v.is_empty()).map(|v| v.parse()).transpose()?)
    };
    let (base, other) = (version(base)?, version(other)?);
    let cx = super::ctx::ctx()?;
    Ok(cx
        .registry
        .compare_versions(cx.viewer(), &name, base, other)
        .await?)
}
