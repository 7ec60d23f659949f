//! One registered model: its description, tags and policy, one metric across its versions,
//! the stage and alias holder timeline, and a page of versions (newest first) with their
//! stage, aliases, that metric and their run.
use super::timeline::HolderTimeline;
use crate::api::models::get_model;
use crate::components::{
    format_metric, format_time, short_id, AliasBadge, LineChartView, Link, Loaded, StageBadge, DASH,
};
use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use pedigree_core::chart::{MarkedPoint, Point, Series};
use pedigree_core::model_view::{ModelView, VERSIONS_PER_PAGE};

#[component]
pub fn ModelDetail() -> impl IntoView {
    // Decoded exactly once from the URL (see `routes`): the model's name itself, so a model
    // called `a%2Bb` is not shown as `a+b`.
    let name = routes::use_param(routes::MODEL_ROUTE, "name");
    let query = use_query_map();
    let arg = move |k: &str| query.with(|q| q.get(k).unwrap_or_default());
    // Refetched when someone else changes this model or decides a request.
    let live =
        crate::live::live_bumps(move |c| crate::live::touches_model(c, &name.get_untracked()));
    let page = Resource::new(
        move || (name.get(), arg("offset"), arg("metric"), live.get()),
        |(name, offset, metric, _)| get_model(name, Some(offset), Some(metric)),
    );
    view! {
        <Loaded resource=page loading="Loading model…" let:page>
            <ModelPage page/>
        </Loaded>
    }
}

#[component]
fn ModelPage(page: ModelView) -> impl IntoView {
    let m = page.model.clone();
    let policy = if m.single_production {
        "One Production version at a time"
    } else {
        "Several Production versions allowed"
    };
    let tags = m
        .tags
        .iter()
        .map(|t| format!("{} = {}", t.key, t.value))
        .collect::<Vec<_>>()
        .join(" · ");
    // The timeline ends at the newest change the page knows of, so server and browser
    // draw the same picture (the local clock is not read during rendering).
    let now = page
        .holdings
        .iter()
        .flat_map(|h| [Some(h.from), h.to])
        .flatten()
        .chain([m.last_updated_time])
        .max()
        .unwrap_or(m.last_updated_time);
    view! {
        <Title text=m.name.to_string()/>
        <p class="crumbs"><Link href=routes::models()>"Models"</Link>" / "</p>
        <h1 data-testid="model-name">{m.name.to_string()}</h1>
        <div class="markdown" data-testid="model-description" inner_html=page.description_html.as_str().to_string()></div>
        <p class="muted small">{policy}{if tags.is_empty() { String::new() } else { format!(" · {tags}") }}</p>
        <AcrossVersions page=page.clone()/>
        <h2>"Stage and alias history"</h2>
        <HolderTimeline name=m.name.clone() holdings=page.holdings.clone() now/>
        <h2>"Versions"</h2>
        <p><Link href=routes::compare(&m.name, None, None)>"Compare champion and challenger"</Link></p>
        <VersionTable page/>
    }
}

/// The charted metric per version, the versions that held Production marked, with links
/// to chart another of the metrics the versions' runs logged.
#[component]
fn AcrossVersions(page: ModelView) -> impl IntoView {
    let Some(key) = page.metric.clone() else {
        return view! { <p class="muted">"No version's run logged a metric yet."</p> }.into_any();
    };
    let points = page
        .points
        .iter()
        .map(|p| Point::new(p.version.get() as f64, p.value));
    let series = vec![Series::new(key.as_str(), points)];
    let markers: Vec<MarkedPoint> = page
        .points
        .iter()
        .map(|p| MarkedPoint {
            point: Point::new(p.version.get() as f64, p.value),
            title: format!(
                "v{}: {}{}",
                p.version,
                format_metric(p.value),
                if p.production {
                    " (held Production)"
                } else {
                    ""
                }
            ),
            highlight: p.production,
        })
        .collect();
    let name = page.model.name.clone();
    let others = page
        .metric_keys
        .iter()
        .filter(|k| **k != key)
        .map(|k| (routes::model_page(&name, 0, Some(k)), k.to_string()))
        .collect::<Vec<_>>()
        .into_iter()
        .map(|(href, label)| view! { <Link href>{label}</Link>" " })
        .collect_view();
    view! {
        <h2>{format!("{key} across versions")}</h2>
        <LineChartView title=format!("{key} by version (larger dots held Production)") series markers integer_x=true x_label="version"/>
        <p class="small muted">"Chart another metric: "{others}</p>
    }
    .into_any()
}

#[component]
fn VersionTable(page: ModelView) -> impl IntoView {
    let name = page.model.name.clone();
    let metric_head = page
        .metric
        .as_ref()
        .map_or_else(|| "Metric".to_string(), |k| k.to_string());
    let newer = (page.offset > 0).then(|| {
        routes::model_page(
            &name,
            (page.offset - VERSIONS_PER_PAGE).max(0),
            page.metric.as_ref(),
        )
    });
    let older = page
        .more
        .then(|| routes::model_page(&name, page.offset + VERSIONS_PER_PAGE, page.metric.as_ref()));
    let values: Vec<Option<f64>> = page
        .versions
        .iter()
        .map(|v| page.value_of(v.version))
        .collect();
    let heads = [
        "Version",
        "Stage",
        "Aliases",
        metric_head.as_str(),
        "Run",
        "Registered by",
        "Created",
        "Description",
    ]
    .map(str::to_string);
    view! {
        <table class="grid" data-testid="version-list">
            <thead><tr>{heads.into_iter().map(|h| view! { <th>{h}</th> }).collect_view()}</tr></thead>
            <tbody>
            {page.versions.into_iter().zip(values).map(|(v, value)| {
                // A run tracked elsewhere is shown as the reference it is.
                let run = match &v.run_id {
                    Some(r) if r.is_external() => format!("{} (external)", r.as_str()),
                    Some(r) => short_id(r.as_str()),
                    None => DASH.into(),
                };
                // An external source: files this registry neither holds nor verifies.
                let external = v.is_external().then(|| view! {
                    <span class="badge external" data-testid="external-source" title=v.source.clone()>"external"</span>
                });
                view! {
                    <tr data-testid="version-row" data-version=v.version.get()>
                        <td class="num"><Link href=routes::version(&v.name, v.version)>{format!("v{}", v.version)}</Link>" "{external}</td>
                        <td><StageBadge stage=v.stage/></td>
                        <td>{v.aliases.into_iter().map(|alias| view! { <AliasBadge alias/> }).collect_view()}</td>
                        <td class="num" data-testid="version-metric">{value.map_or(DASH.to_string(), format_metric)}</td>
                        <td class="mono">{run}</td>
                        <td>{v.user_id.clone()}</td>
                        <td class="small">{format_time(v.creation_time)}</td>
                        <td class="small">{v.description.clone()}</td>
                    </tr>
                }
            }).collect_view()}
            </tbody>
        </table>
        <p class="pager">
            {newer.map(|href| view! { <a href=href data-testid="newer-versions">"← Newer"</a> })}
            " "
            {older.map(|href| view! { <a href=href data-testid="older-versions">"Older →"</a> })}
        </p>
    }
}
