//! One registered model: its description, tags, policy and every version with its stage
//! and aliases.
use crate::api::models::{get_model, ModelPage};
use crate::components::{
    format_time, short_id, AliasBadge, DataTable, Link, Loaded, StageBadge, DASH,
};
use crate::routes;
use leptos::prelude::*;

#[component]
pub fn ModelDetail() -> impl IntoView {
    // Decoded exactly once from the URL (see `routes`): the model's name itself, so a model
    // called `a%2Bb` is not shown as `a+b`.
    let name = routes::use_param(routes::MODEL_ROUTE, "name");
    let page = Resource::new(move || name.get(), get_model);
    view! {
        <Loaded resource=page loading="Loading model…" let:page>
            <ModelView page/>
        </Loaded>
    }
}

#[component]
fn ModelView(page: ModelPage) -> impl IntoView {
    const COLUMNS: &[&str] = &[
        "Version",
        "Stage",
        "Aliases",
        "Run",
        "Registered by",
        "Created",
        "Description",
    ];
    let m = page.model;
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
    view! {
        <p class="crumbs"><Link href=routes::models()>"Models"</Link>" / "</p>
        <h1 data-testid="model-name">{m.name.to_string()}</h1>
        <p>{m.description.clone()}</p>
        <p class="muted small">{policy}{if tags.is_empty() { String::new() } else { format!(" · {tags}") }}</p>
        <h2>"Versions"</h2>
        <DataTable testid="version-list" columns=COLUMNS>
            {page.versions.into_iter().map(|v| {
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
                        <td class="num">{format!("v{}", v.version)}" "{external}</td>
                        <td><StageBadge stage=v.stage/></td>
                        <td>{v.aliases.into_iter().map(|alias| view! { <AliasBadge alias/> }).collect_view()}</td>
                        <td class="mono">{run}</td>
                        <td>{v.user_id.clone()}</td>
                        <td class="small">{format_time(v.creation_time)}</td>
                        <td class="small">{v.description.clone()}</td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
}
