//! Experiments as the dashboard reads them: the list, and one experiment's runs searched
//! with MLflow's filter language (the same parser the MLflow API uses, so an error names
//! the position it found the problem at).
use crate::error::UiError;
use leptos::prelude::*;
use pedigree_core::experiment::Experiment;
use pedigree_core::run::Run;
use serde::{Deserialize, Serialize};

/// Runs per page of an experiment.
pub const RUNS_PER_PAGE: i64 = 50;

/// Every active experiment, as the MLflow API lists them.
#[server(prefix = "/_app", endpoint = "experiments/list")]
pub async fn list_experiments() -> Result<Vec<Experiment>, UiError> {
    let cx = super::ctx::ctx()?;
    let view = pedigree_core::experiment::ViewType::ActiveOnly;
    Ok(cx.registry.list_experiments(view, 10_000, 0).await?.0)
}

/// One page of an experiment's runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunsPage {
    pub experiment: Experiment,
    pub runs: Vec<Run>,
    /// Where the next page starts, when there is one.
    pub next_page_token: Option<String>,
}

/// Experiment `id`'s runs matching `filter` (MLflow's filter language; empty for all),
/// in `order_by` order (one MLflow order clause, e.g. `metrics.auc DESC`; empty for
/// newest first), from `page_token` on.
#[server(prefix = "/_app", endpoint = "experiments/runs")]
pub async fn experiment_runs(
    id: String,
    filter: String,
    order_by: String,
    page_token: String,
) -> Result<RunsPage, UiError> {
    use pedigree_core::service::search::SearchArgs;
    let id: pedigree_core::ExperimentId = id.parse()?;
    let cx = super::ctx::ctx()?;
    let experiment = cx.registry.get_experiment(id).await?;
    let args = SearchArgs {
        filter,
        order_by: Some(order_by)
            .filter(|o| !o.trim().is_empty())
            .into_iter()
            .collect(),
        max_results: Some(RUNS_PER_PAGE),
        page_token: Some(page_token).filter(|t| !t.is_empty()),
        default_max: RUNS_PER_PAGE,
        cap: RUNS_PER_PAGE,
    };
    let view = pedigree_core::experiment::ViewType::ActiveOnly;
    let (runs, next_page_token) = cx.registry.search_runs(&[id], view, args).await?;
    Ok(RunsPage {
        experiment,
        runs,
        next_page_token,
    })
}
