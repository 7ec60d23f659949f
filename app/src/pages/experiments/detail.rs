//! One experiment's runs: a search form (MLflow's filter language and one order clause, a
//! plain GET form, so a search is a shareable address and works without JavaScript), the
//! matching runs with their params and latest metrics, and the link to the next page. A
//! filter the parser refuses is shown with its message, which names where it went wrong.
use crate::api::experiments::{experiment_runs, RunsPage};
use crate::components::{format_metric, format_time, Link, Loaded, DASH};
use crate::pages::runs::format_duration;
use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use pedigree_core::ExperimentId;
use std::collections::BTreeSet;

/// The most metric and param columns the table shows (the rest are on each run's page).
const MAX_COLUMNS: usize = 6;

#[component]
pub fn ExperimentDetail() -> impl IntoView {
    let id = routes::use_param(routes::EXPERIMENT_ROUTE, "id");
    let query = use_query_map();
    let arg = move |k: &str| query.with(|q| q.get(k).unwrap_or_default());
    let page = Resource::new(
        move || (id.get(), arg("filter"), arg("order_by"), arg("page_token")),
        |(id, f, o, t)| experiment_runs(id, f, o, t),
    );
    // The form searches the experiment it is on (a malformed id is the page's own error).
    let action = move || {
        id.get()
            .parse::<ExperimentId>()
            .map(routes::experiment)
            .unwrap_or_default()
    };
    view! {
        <Title text="Experiment"/>
        <p class="crumbs"><Link href=routes::experiments()>"Experiments"</Link>" / "</p>
        <form method="get" action=action class="search" role="search" data-testid="run-search">
            <label for="run-filter">"Filter"</label>
            <input id="run-filter" name="filter" class="mono" size="48"
                placeholder="metrics.auc > 0.9 and params.max_depth = '7'" prop:value=move || arg("filter")/>
            <label for="run-order">"Order by"</label>
            <input id="run-order" name="order_by" class="mono" size="24"
                placeholder="metrics.auc DESC" prop:value=move || arg("order_by")/>
            <button type="submit">"Search"</button>
        </form>
        <Loaded resource=page loading="Loading runs…" let:page>
            <RunTable page filter=arg("filter") order_by=arg("order_by")/>
        </Loaded>
    }
}

#[component]
fn RunTable(page: RunsPage, filter: String, order_by: String) -> impl IntoView {
    let metric_keys: Vec<String> = page
        .runs
        .iter()
        .flat_map(|r| r.metrics.iter().map(|m| m.key.to_string()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .take(MAX_COLUMNS)
        .collect();
    let param_keys: Vec<String> = page
        .runs
        .iter()
        .flat_map(|r| r.params.iter().map(|p| p.key.to_string()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .take(MAX_COLUMNS)
        .collect();
    let next = page
        .next_page_token
        .as_ref()
        .map(|t| routes::experiment_search(page.experiment.id, &filter, &order_by, Some(t)));
    let count = page.runs.len();
    let heads = ["Run", "Status", "Started", "Duration", "User"]
        .into_iter()
        .map(str::to_string)
        .chain(param_keys.iter().cloned())
        .chain(metric_keys.iter().cloned())
        .collect::<Vec<_>>();
    view! {
        <h1 data-testid="experiment-name">{page.experiment.name.to_string()}</h1>
        <p class="muted small" data-testid="run-count">{format!("{count} runs on this page")}</p>
        <table class="grid" data-testid="run-list">
            <thead><tr>{heads.into_iter().map(|h| view! { <th>{h}</th> }).collect_view()}</tr></thead>
            <tbody>
                {page.runs.into_iter().map(|r| {
                    let name = if r.info.run_name.is_empty() { r.info.run_id.to_string() } else { r.info.run_name.clone() };
                    let duration = r.info.end_time.map_or(DASH.to_string(), |e| format_duration(e - r.info.start_time));
                    let params = param_keys.iter().map(|k| {
                        let v = r.params.iter().find(|p| p.key.as_str() == k).map_or(DASH.to_string(), |p| p.value.clone());
                        view! { <td class="mono small">{v}</td> }
                    }).collect_view();
                    let metrics = metric_keys.iter().map(|k| {
                        let v = r.metrics.iter().find(|m| m.key.as_str() == k).map_or(DASH.to_string(), |m| format_metric(m.value));
                        view! { <td class="num">{v}</td> }
                    }).collect_view();
                    view! {
                        <tr data-testid="run-row">
                            <td><Link href=routes::run(&r.info.run_id)>{name}</Link></td>
                            <td>{r.info.status.as_str()}</td>
                            <td class="small">{format_time(r.info.start_time)}</td>
                            <td class="small">{duration}</td>
                            <td>{r.info.user_id.clone()}</td>
                            {params}
                            {metrics}
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        {next.map(|href| view! { <p><a href=href data-testid="next-page">"Next page →"</a></p> })}
    }
}
