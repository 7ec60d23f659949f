//! Two versions of a model side by side (champion against challenger unless the address
//! names others): their stages, aliases, runs and registration, the params that differ
//! highlighted, and each metric's latest value with the difference and its direction.
use crate::api::versions::compare_versions;
use crate::components::{
    format_time, AliasBadge, LineChartView, Link, Loaded, MetricTable, ParamTable, StageBadge,
};
use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use pedigree_core::chart::Series;
use pedigree_core::version_view::{CompareView, VersionView};

#[component]
pub fn CompareVersions() -> impl IntoView {
    let name = routes::use_param(routes::COMPARE_ROUTE, "name");
    let query = use_query_map();
    let arg = move |k: &str| query.with(|q| q.get(k));
    let page = Resource::new(
        move || (name.get(), arg("base"), arg("other")),
        |(name, base, other)| compare_versions(name, base, other),
    );
    view! {
        <Title text="Compare versions"/>
        <Loaded resource=page loading="Loading both versions…" let:page>
            <ComparePage page/>
        </Loaded>
    }
}

#[component]
fn ComparePage(page: CompareView) -> impl IntoView {
    let name = page.base.version.name.clone();
    let label = |v: &VersionView| {
        let aliases = v
            .version
            .aliases
            .iter()
            .map(|a| format!(" @{a}"))
            .collect::<String>();
        format!("v{}{aliases}", v.version.version)
    };
    let labels = (label(&page.other), label(&page.base));
    let title = format!(
        "{}: v{} against v{}",
        name, page.other.version.version, page.base.version.version
    );
    let model_href = routes::model(&name);
    view! {
        <p class="crumbs">
            <Link href=routes::models()>"Models"</Link>" / "
            <Link href=model_href>{name.to_string()}</Link>" / "
        </p>
        <h1 data-testid="compare-title">{title}</h1>
        <div class="columns" data-testid="compare-sides">
            <Side view=page.other.clone() role="Challenger"/>
            <Side view=page.base.clone() role="Baseline"/>
        </div>
        <h2>"Params"</h2>
        <ParamTable rows=page.params labels=labels.clone()/>
        <h2>"Metrics"</h2>
        <MetricTable rows=page.metrics labels=labels.clone()/>
        <h2>"Metric history, overlaid"</h2>
        <div class="charts" data-testid="compare-charts">
            {overlays(&page.other, &page.base, &labels).into_iter().map(|(key, series)| view! {
                <LineChartView title=key series/>
            }).collect_view()}
        </div>
    }
}

/// One chart per metric both runs logged, each with both runs' curves.
fn overlays(
    other: &VersionView,
    base: &VersionView,
    labels: &(String, String),
) -> Vec<(String, Vec<Series>)> {
    other
        .charts
        .iter()
        .filter_map(|o| {
            let b = base.charts.iter().find(|b| b.label == o.label)?;
            let key = o.label.clone();
            let mut o = o.clone();
            let mut b = b.clone();
            o.label = labels.0.clone();
            b.label = labels.1.clone();
            Some((key, vec![o, b]))
        })
        .collect()
}

#[component]
fn Side(view: VersionView, role: &'static str) -> impl IntoView {
    let v = view.version;
    view! {
        <section class="side" data-testid="compare-side">
            <h3>{role}": "<Link href=routes::version(&v.name, v.version)>{format!("v{}", v.version)}</Link>" "<StageBadge stage=v.stage/></h3>
            <p>{v.aliases.into_iter().map(|alias| view! { <AliasBadge alias/> }).collect_view()}</p>
            <p class="small muted">{format!("Registered by {} on {}", v.user_id, format_time(v.creation_time))}</p>
            <p class="small">{v.description}</p>
        </section>
    }
}
