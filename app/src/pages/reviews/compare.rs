//! The candidate's run against the Production version's: parameters (those that differ
//! are marked) and latest metrics side by side with the difference.
use crate::components::{format_delta, format_metric, DataTable, DASH};
use leptos::prelude::*;
use pedigree_core::review_view::{MetricRow, ParamRow};

/// Parameters of both runs; a differing row is marked for the eye and for screen readers.
#[component]
pub fn ParamTable(rows: Vec<ParamRow>) -> impl IntoView {
    const COLUMNS: &[&str] = &["Parameter", "Candidate", "Production", "Changed"];
    if rows.is_empty() {
        return view! { <p class="muted">"Neither run logged parameters."</p> }.into_any();
    }
    view! {
        <DataTable testid="param-compare" columns=COLUMNS>
            {rows.into_iter().map(|r| {
                let differs = r.differs();
                view! {
                    <tr data-testid="param-row" data-differs=differs.to_string() class:differs=differs>
                        <td class="mono">{r.key.clone()}</td>
                        <td class="mono">{r.candidate.clone().unwrap_or_else(|| DASH.into())}</td>
                        <td class="mono">{r.production.clone().unwrap_or_else(|| DASH.into())}</td>
                        <td class="small">{if differs { "differs" } else { "" }}</td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
    .into_any()
}

/// Latest metric values of both runs and the candidate's difference.
#[component]
pub fn MetricTable(rows: Vec<MetricRow>) -> impl IntoView {
    const COLUMNS: &[&str] = &["Metric", "Candidate", "Production", "Δ"];
    if rows.is_empty() {
        return view! { <p class="muted">"Neither run logged metrics."</p> }.into_any();
    }
    let value = |v: Option<f64>| v.map_or_else(|| DASH.to_string(), format_metric);
    view! {
        <DataTable testid="metric-compare" columns=COLUMNS>
            {rows.into_iter().map(|r| {
                let delta = r.delta();
                let sign = match delta {
                    Some(d) if d > 0.0 => "up",
                    Some(d) if d < 0.0 => "down",
                    _ => "same",
                };
                view! {
                    <tr data-testid="metric-row">
                        <td class="mono">{r.key.clone()}</td>
                        <td class="num">{value(r.candidate)}</td>
                        <td class="num">{value(r.production)}</td>
                        <td class=format!("num delta {sign}") data-testid="metric-delta">
                            {delta.map_or_else(|| DASH.to_string(), format_delta)}
                        </td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
    .into_any()
}
