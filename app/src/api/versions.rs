//! One model and its versions, as the model page shows them.
use crate::error::UiError;
use leptos::prelude::*;
use pedigree_core::model_version::ModelVersion;
use pedigree_core::registered_model::RegisteredModel;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelPage {
    pub model: RegisteredModel,
    /// Newest first.
    pub versions: Vec<ModelVersion>,
}

#[server]
pub async fn get_model_page(name: String) -> Result<ModelPage, UiError> {
    let name = pedigree_core::ModelName::parse(name)?;
    let reg = super::registry()?;
    let model = reg.get_registered_model(&name).await?;
    let versions = reg.list_model_versions(&name).await?;
    Ok(ModelPage { model, versions })
}
