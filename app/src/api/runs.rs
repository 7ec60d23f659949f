//! Runs as the dashboard reads them: one run with its params, metrics and their curves,
//! tags and inputs.
use crate::error::UiError;
use leptos::prelude::*;
use pedigree_core::run::RunView;

/// Run `id` (its URL segment, decoded once by `routes::use_param`), parsed here.
#[server(prefix = "/_app", endpoint = "runs/get")]
pub async fn get_run(id: String) -> Result<RunView, UiError> {
    let id = pedigree_core::RunId::parse(&id)?;
    let cx = super::ctx::ctx()?;
    Ok(cx.registry.run_view(&id).await?)
}
