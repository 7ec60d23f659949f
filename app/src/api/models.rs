//! Registered models as the dashboard reads them: the model list, and one model with a
//! page of its versions, its holder history and a metric across its versions.
use crate::error::UiError;
use leptos::prelude::*;
use pedigree_core::model_view::ModelView;
use pedigree_core::registered_model::ModelSummary;

/// Every registered model the viewer may read, with its current Production/Staging
/// versions and aliases.
#[server(prefix = "/_app", endpoint = "models/list")]
pub async fn list_models() -> Result<Vec<ModelSummary>, UiError> {
    let cx = super::ctx::ctx()?;
    Ok(cx.registry.model_summaries_for(cx.viewer()).await?)
}

/// One model as its page shows it. `name` is the name itself, already decoded from the
/// URL (`routes::use_param`); `offset` and `metric` come from the page's query string
/// (absent or empty for the defaults). All three are parsed here, at the boundary.
#[server(prefix = "/_app", endpoint = "models/get")]
pub async fn get_model(
    name: String,
    offset: Option<String>,
    metric: Option<String>,
) -> Result<ModelView, UiError> {
    let name = pedigree_core::ModelName::parse(name)?;
    let offset = match offset.unwrap_or_default().as_str() {
        "" => 0,
        o => o.parse::<i64>().ok().filter(|o| *o >= 0).ok_or_else(|| {
            UiError::Invalid(format!("The page offset '{o}' is not a whole number"))
        })?,
    };
    let metric = metric
        .filter(|m| !m.is_empty())
        .map(pedigree_core::Key::parse)
        .transpose()?;
    let query = pedigree_core::model_view::ModelQuery { offset, metric };
    let cx = super::ctx::ctx()?;
    Ok(cx.registry.model_view(cx.viewer(), &name, &query).await?)
}
