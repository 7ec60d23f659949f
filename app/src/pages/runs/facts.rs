//! The run a version came from, as its page shows it: provenance (commit, who, how long,
//! on what), params, the latest value of each metric, and the datasets it read.
use crate::components::{format_metric, format_time, DataTable, Link, DASH};
use crate::routes;
use leptos::prelude::*;
use pedigree_core::run::Run;

/// A duration in milliseconds, coarsely: `850 ms`, `42 s`, `12 min 5 s`, `3 h 20 min`.
pub fn format_duration(ms: i64) -> String {
    let s = ms / 1000;
    match ms {
        i64::MIN..=999 => format!("{} ms", ms.max(0)),
        1000..=59_999 => format!("{s} s"),
        60_000..=3_599_999 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

#[component]
pub fn RunFacts(run: Run) -> impl IntoView {
    let p = run.provenance();
    let or_dash = |o: Option<String>| o.unwrap_or_else(|| DASH.to_string());
    let info = &run.info;
    let name = if info.run_name.is_empty() {
        info.run_id.to_string()
    } else {
        info.run_name.clone()
    };
    let mut params = run.params.clone();
    params.sort_by(|a, b| a.key.as_str().cmp(b.key.as_str()));
    let mut metrics = run.metrics.clone();
    metrics.sort_by(|a, b| a.key.as_str().cmp(b.key.as_str()));
    view! {
        <h2>"Training run"</h2>
        <dl class="facts" data-testid="run-facts">
            <dt>"Run"</dt><dd><Link href=routes::run(&info.run_id)>{name}</Link></dd>
            <dt>"Status"</dt><dd>{info.status.as_str()}</dd>
            <dt>"Git commit"</dt><dd class="mono" data-testid="run-commit">{or_dash(p.git_commit)}</dd>
            <dt>"Code"</dt><dd class="mono">{or_dash(p.source)}</dd>
            <dt>"User"</dt><dd>{or_dash(p.user)}</dd>
            <dt>"Started"</dt><dd>{format_time(info.start_time)}</dd>
            <dt>"Training duration"</dt><dd data-testid="run-duration">{p.duration_ms.map_or_else(|| "still running".to_string(), format_duration)}</dd>
            <dt>"Hardware"</dt><dd>{or_dash(p.hardware)}</dd>
        </dl>
        <div class="columns">
            <section>
                <h3>"Params"</h3>
                {if params.is_empty() {
                    view! { <p class="muted">"No params logged."</p> }.into_any()
                } else {
                    view! {
                        <DataTable testid="param-list" columns=&["Param", "Value"]>
                            {params.into_iter().map(|t| view! {
                                <tr data-testid="param-row"><td class="mono">{t.key.to_string()}</td><td class="mono">{t.value.clone()}</td></tr>
                            }).collect_view()}
                        </DataTable>
                    }.into_any()
                }}
            </section>
            <section>
                <h3>"Metrics"</h3>
                {if metrics.is_empty() {
                    view! { <p class="muted">"No metrics logged."</p> }.into_any()
                } else {
                    view! {
                        <DataTable testid="metric-list" columns=&["Metric", "Latest", "Step"]>
                            {metrics.into_iter().map(|m| view! {
                                <tr data-testid="metric-row">
                                    <td class="mono">{m.key.to_string()}</td>
                                    <td class="num">{format_metric(m.value)}</td>
                                    <td class="num">{m.step}</td>
                                </tr>
                            }).collect_view()}
                        </DataTable>
                    }.into_any()
                }}
            </section>
        </div>
        <h3>"Datasets"</h3>
        {if run.inputs.is_empty() {
            view! { <p class="muted">"No dataset inputs logged."</p> }.into_any()
        } else {
            view! {
                <DataTable testid="dataset-list" columns=&["Dataset", "Digest", "Source", "Context"]>
                    {run.inputs.iter().map(|i| {
                        let context = i.tags.iter().find(|t| t.key.as_str() == "mlflow.data.context").map_or(DASH.to_string(), |t| t.value.clone());
                        view! {
                            <tr data-testid="dataset-row">
                                <td>{i.dataset.name.clone()}</td>
                                <td class="mono">{i.dataset.digest.clone()}</td>
                                <td class="mono">{i.dataset.source.clone()}</td>
                                <td>{context}</td>
                            </tr>
                        }
                    }).collect_view()}
                </DataTable>
            }.into_any()
        }}
    }
}

#[cfg(test)]
mod tests {
    use super::format_duration;

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(format_duration(850), "850 ms");
        assert_eq!(format_duration(-5), "0 ms");
        assert_eq!(format_duration(42_000), "42 s");
        assert_eq!(format_duration(725_000), "12 min 5 s");
        assert_eq!(format_duration(12_000_000), "3 h 20 min");
    }
}
