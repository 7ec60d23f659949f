//! One model version: what it is (stage, aliases, source, registrant), the run it came
//! from (provenance, params, metrics, datasets), the files it froze with their digests,
//! and every stage and alias it held, from when to when.
use super::actions::{ActionsPanel, VersionActions};
use super::files::FileTable;
use crate::api::versions::get_version;
use crate::components::{
    format_time, AliasBadge, DataTable, LineageView, Link, Loaded, StageBadge, DASH,
};
use crate::pages::runs::MetricCharts;
use crate::pages::runs::RunFacts;
use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use pedigree_core::holders::Holding;
use pedigree_core::version_view::VersionView;

#[component]
pub fn VersionDetail() -> impl IntoView {
    let name = routes::use_param(routes::VERSION_ROUTE, "name");
    let version = routes::use_param(routes::VERSION_ROUTE, "version");
    let actions = VersionActions::new();
    let live =
        crate::live::live_bumps(move |c| crate::live::touches_model(c, &name.get_untracked()));
    let page = Resource::new(
        move || {
            (
                name.get(),
                version.get(),
                actions.version() as u64 + live.get(),
            )
        },
        |(name, version, _)| get_version(name, version),
    );
    view! {
        <Loaded resource=page loading="Loading version…" let:view>
            <VersionPage view actions/>
        </Loaded>
    }
}

#[component]
fn VersionPage(view: VersionView, actions: VersionActions) -> impl IntoView {
    let v = view.version.clone();
    let title = format!("{} v{}", v.name, v.version);
    let run_link = match v.run_id.clone() {
        Some(r) => match r.tracked().cloned() {
            Some(id) => {
                let href = routes::run(&id);
                view! { <Link href><span class="mono">{id.to_string()}</span></Link> }.into_any()
            }
            None => {
                view! { <span class="mono">{r.as_str().to_string()}</span>" (tracked elsewhere)" }
                    .into_any()
            }
        },
        None => view! { {DASH} }.into_any(),
    };
    let model_href = routes::model(&v.name);
    let model_label = v.name.to_string();
    let compare_href = routes::compare(&v.name, None, Some(v.version));
    let source_kind = if v.is_external() {
        "external reference: files not held or verified here"
    } else {
        "held here, frozen at registration"
    };
    let tags = v
        .tags
        .iter()
        .map(|t| format!("{} = {}", t.key, t.value))
        .collect::<Vec<_>>()
        .join(" · ");
    let files = view.files.clone();
    let file_model = v.name.clone();
    let holdings = view.holdings.clone();
    let run = view.run.clone();
    view! {
        <Title text=title.clone()/>
        <p class="crumbs">
            <Link href=routes::models()>"Models"</Link>" / "
            <Link href=model_href>{model_label}</Link>" / "
        </p>
        <h1 data-testid="version-title">{title}" "<StageBadge stage=v.stage/></h1>
        <p>{v.aliases.iter().cloned().map(|alias| view! { <AliasBadge alias/> }).collect_view()}</p>
        {(!view.description_html.is_empty()).then(|| view! {
            <div class="markdown" data-testid="version-description" inner_html=view.description_html.as_str().to_string()></div>
        })}
        <dl class="facts" data-testid="version-facts">
            <dt>"Registered by"</dt><dd>{v.user_id.clone()}</dd>
            <dt>"Created"</dt><dd>{format_time(v.creation_time)}</dd>
            <dt>"Last updated"</dt><dd>{format_time(v.last_updated_time)}</dd>
            <dt>"Source"</dt><dd class="mono" data-testid="version-source">{v.source.clone()}</dd>
            <dt>"Files"</dt><dd>{source_kind}</dd>
            <dt>"Run"</dt><dd data-testid="version-run">{run_link}</dd>
            <dt>"Manifest digest"</dt>
            <dd class="mono" data-testid="version-digest">
                {files.as_ref().map_or_else(|| DASH.to_string(), |f| format!("sha256:{}", f.digest))}
            </dd>
            <dt>"Tags"</dt><dd>{if tags.is_empty() { DASH.to_string() } else { tags }}</dd>
        </dl>
        <p><Link href=compare_href>"Compare with the champion"</Link></p>
        <ActionsPanel version=v.clone() holdings=holdings.clone() actions/>
        {run.map(|run| view! { <RunFacts run/> })}
        <MetricCharts charts=view.charts.clone()/>
        <h2>"Lineage"</h2>
        <LineageView graph=view.lineage.clone()/>
        <h2>"Files"</h2>
        {match files {
            Some(files) => view! { <FileTable name=file_model version=v.version files/> }.into_any(),
            None => view! { <p class="muted">"This version's files are an external reference; the registry does not hold them."</p> }.into_any(),
        }}
        <h2>"Stage and alias history"</h2>
        <HoldingTable holdings/>
    }
}

/// Every stage and alias tenure of the version, oldest first.
#[component]
fn HoldingTable(holdings: Vec<Holding>) -> impl IntoView {
    const COLUMNS: &[&str] = &["Held", "From", "To", "Moved by", "How", "Request"];
    if holdings.is_empty() {
        return view! { <p class="muted" data-testid="no-holdings">"This version has held no stage or alias."</p> }.into_any();
    }
    view! {
        <DataTable testid="holding-list" columns=COLUMNS>
            {holdings.into_iter().map(|h| {
                let slot = match h.kind {
                    pedigree_core::holders::HoldKind::Alias => format!("@{}", h.slot),
                    _ => h.slot.clone(),
                };
                let to = match (h.to, &h.ended_by) {
                    (Some(t), Some(by)) => format!("{} (by {by})", format_time(t)),
                    (Some(t), None) => format_time(t),
                    (None, _) => "now".to_string(),
                };
                let request = h
                    .request_id
                    .and_then(|id| pedigree_core::review::RequestId::new(id).ok())
                    .map(|id| view! { <Link href=routes::review(id)>{format!("#{id}")}</Link> }.into_any())
                    .unwrap_or_else(|| view! { {DASH} }.into_any());
                view! {
                    <tr data-testid="holding-row">
                        <td>{slot}</td>
                        <td class="small">{format_time(h.from)}</td>
                        <td class="small">{to}</td>
                        <td>{h.moved_by.clone()}</td>
                        <td>{h.how.as_str()}</td>
                        <td>{request}</td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
    .into_any()
}
