//! A run's metric curves: one chart per metric over its steps.
use crate::components::LineChartView;
use leptos::prelude::*;
use pedigree_core::chart::Series;

#[component]
pub fn MetricCharts(charts: Vec<Series>) -> impl IntoView {
    if charts.is_empty() {
        return view! { <p class="muted">"No metric history to chart."</p> }.into_any();
    }
    view! {
        <h3>"Metric history"</h3>
        <div class="charts" data-testid="metric-charts">
            {charts.into_iter().map(|s| view! {
                <LineChartView title=s.label.clone() series=vec![s]/>
            }).collect_view()}
        </div>
    }
    .into_any()
}
