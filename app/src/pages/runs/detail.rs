//! One run: its name and experiment, provenance, params, metrics with their curves,
//! datasets and tags.
use super::{MetricCharts, RunFacts};
use crate::api::runs::get_run;
use crate::components::{DataTable, Link, Loaded};
use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use pedigree_core::run::RunView;

#[component]
pub fn RunDetail() -> impl IntoView {
    let id = routes::use_param(routes::RUN_ROUTE, "id");
    let run = Resource::new(move || id.get(), get_run);
    view! {
        <Loaded resource=run loading="Loading run…" let:run>
            <RunPage run/>
        </Loaded>
    }
}

#[component]
fn RunPage(run: RunView) -> impl IntoView {
    let RunView { run, charts } = run;
    let title = if run.info.run_name.is_empty() {
        format!("Run {}", run.info.run_id)
    } else {
        format!("Run {}", run.info.run_name)
    };
    // The provenance tags are shown as facts above; the rest are listed here.
    let mut tags: Vec<_> = run
        .tags
        .iter()
        .filter(|t| !t.key.as_str().starts_with("mlflow."))
        .cloned()
        .collect();
    tags.sort_by(|a, b| a.key.as_str().cmp(b.key.as_str()));
    view! {
        <Title text=title.clone()/>
        <p class="crumbs">
            <Link href=routes::experiments()>"Experiments"</Link>" / "
            <Link href=routes::experiment(run.info.experiment_id)>{format!("Experiment {}", run.info.experiment_id)}</Link>" / "
        </p>
        <h1 data-testid="run-title">{title}</h1>
        <p class="mono muted small">{run.info.run_id.to_string()}</p>
        <RunFacts run=run.clone()/>
        <MetricCharts charts/>
        <h3>"Tags"</h3>
        {if tags.is_empty() {
            view! { <p class="muted">"No tags beyond the client's own."</p> }.into_any()
        } else {
            view! {
                <DataTable testid="tag-list" columns=&["Tag", "Value"]>
                    {tags.into_iter().map(|t| view! {
                        <tr><td class="mono">{t.key.to_string()}</td><td class="mono">{t.value.clone()}</td></tr>
                    }).collect_view()}
                </DataTable>
            }.into_any()
        }}
    }
}
