//! Registered models as the dashboard reads them.
use crate::error::UiError;
use leptos::prelude::*;
use pedigree_core::registered_model::ModelSummary;

/// Every registered model with its current Production/Staging versions and aliases.
#[server]
pub async fn get_models() -> Result<Vec<ModelSummary>, UiError> {
    Ok(super::registry()?.list_model_summaries().await?)
}
