//! Registered models as the dashboard reads them: the model list, and one model with its
//! versions.
use crate::error::UiError;
use leptos::prelude::*;
use pedigree_core::model_version::ModelVersion;
use pedigree_core::registered_model::{ModelSummary, RegisteredModel};
use serde::{Deserialize, Serialize};

/// Every registered model with its current Production/Staging versions and aliases.
#[server(prefix = "/_app", endpoint = "models/list")]
pub async fn list_models() -> Result<Vec<ModelSummary>, UiError> {
    let cx = super::ctx::ctx()?;
    Ok(cx.registry.list_model_summaries().await?)
}

/// What the model page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelPage {
    pub model: RegisteredModel,
    /// Newest first.
    pub versions: Vec<ModelVersion>,
}

/// One model and its versions. `name` is the name itself, already decoded from the URL
/// (`routes::use_param`); it is parsed here, at the boundary, like any other input.
#[server(prefix = "/_app", endpoint = "models/get")]
pub async fn get_model(name: String) -> Result<ModelPage, UiError> {
    let name = pedigree_core::ModelName::parse(name)?;
    let cx = super::ctx::ctx()?;
    // Two reads, not one: core has no single call for a model with its versions yet.
    let model = cx.registry.get_registered_model(&name).await?;
    let versions = cx.registry.list_model_versions(&name).await?;
    Ok(ModelPage { model, versions })
}
