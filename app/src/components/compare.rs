//! One run against another (a request's candidate against the Production version, or any
//! two versions on the compare page): parameters (those that differ are marked) and latest
//! metrics side by side with the difference and whether it is an improvement.
use crate::components::{format_delta, format_metric, DASH};
use leptos::prelude::*;
use pedigree_core::review_view::{MetricRow, ParamRow};
use pedigree_core::version_view::higher_is_better;

/// Parameters of both runs; a differing row is marked for the eye and for screen readers.
/// `labels` name the two columns (default: the candidate and Production).
#[component]
pub fn ParamTable(
    rows: Vec<ParamRow>,
    #[prop(optional)] labels: Option<(String, String)>,
) -> impl IntoView {
    let (a, b) = labels.unwrap_or_else(|| ("Candidate".into(), "Production".into()));
    if rows.is_empty() {
        return view! { <p class="muted">"Neither run logged parameters."</p> }.into_any();
    }
    let heads = ["Parameter".to_string(), a, b, "Changed".to_string()];
    view! {
        <table class="grid" data-testid="param-compare">
            <thead><tr>{heads.into_iter().map(|h| view! { <th>{h}</th> }).collect_view()}</tr></thead>
            <tbody>
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
            </tbody>
        </table>
    }
    .into_any()
}

/// Latest metric values of both runs, the candidate's difference, and whether that is
/// better or worse where the metric's name says which way is better.
#[component]
pub fn MetricTable(
    rows: Vec<MetricRow>,
    #[prop(optional)] labels: Option<(String, String)>,
) -> impl IntoView {
    let (a, b) = labels.unwrap_or_else(|| ("Candidate".into(), "Production".into()));
    if rows.is_empty() {
        return view! { <p class="muted">"Neither run logged metrics."</p> }.into_any();
    }
    let value = |v: Option<f64>| v.map_or_else(|| DASH.to_string(), format_metric);
    let heads = [
        "Metric".to_string(),
        a,
        b,
        "Δ".to_string(),
        "Verdict".to_string(),
    ];
    view! {
        <table class="grid" data-testid="metric-compare">
            <thead><tr>{heads.into_iter().map(|h| view! { <th>{h}</th> }).collect_view()}</tr></thead>
            <tbody>
            {rows.into_iter().map(|r| {
                let delta = r.delta();
                let sign = match delta {
                    Some(d) if d > 0.0 => "up",
                    Some(d) if d < 0.0 => "down",
                    _ => "same",
                };
                let verdict = match (delta, higher_is_better(&r.key)) {
                    (Some(d), Some(up)) if d != 0.0 && (d > 0.0) == up => "better",
                    (Some(d), Some(_)) if d != 0.0 => "worse",
                    _ => "",
                };
                view! {
                    <tr data-testid="metric-row">
                        <td class="mono">{r.key.clone()}</td>
                        <td class="num">{value(r.candidate)}</td>
                        <td class="num">{value(r.production)}</td>
                        <td class=format!("num delta {sign}") data-testid="metric-delta">
                            {delta.map_or_else(|| DASH.to_string(), format_delta)}
                        </td>
                        <td class=format!("verdict {verdict}") data-testid="metric-verdict">{verdict}</td>
                    </tr>
                }
            }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
