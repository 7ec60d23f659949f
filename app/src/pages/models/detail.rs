//! One registered model: its description, tags, policy and every version with its stage
//! and aliases.
use crate::api::versions::{get_model_page, ModelPage};
use crate::components::{format_time, ErrorBox, StageBadge};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ModelDetail() -> impl IntoView {
    let params = use_params_map();
    let name = move || params.read().get("name").unwrap_or_default();
    let page = Resource::new(name, get_model_page);
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading model…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => view! { <ModelView page=p/> }.into_any(),
                    Err(e) => {
                        #[cfg(feature = "ssr")]
                        if e.is_not_found() {
                            if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
                                resp.set_status(http::StatusCode::NOT_FOUND);
                            }
                        }
                        view! { <ErrorBox error=e/> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn ModelView(page: ModelPage) -> impl IntoView {
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
        <p class="crumbs"><a href="/models">"Models"</a>" / "</p>
        <h1 data-testid="model-name">{m.name.to_string()}</h1>
        <p>{m.description.clone()}</p>
        <p class="muted small">{policy}{if tags.is_empty() { String::new() } else { format!(" · {tags}") }}</p>
        <h2>"Versions"</h2>
        <table class="grid" data-testid="version-list">
            <thead>
                <tr>
                    <th>"Version"</th>
                    <th>"Stage"</th>
                    <th>"Aliases"</th>
                    <th>"Run"</th>
                    <th>"Registered by"</th>
                    <th>"Created"</th>
                    <th>"Description"</th>
                </tr>
            </thead>
            <tbody>
                {page.versions.into_iter().map(|v| {
                    let run = v.run_id.as_ref().map(|r| r.as_str()[..8].to_string()).unwrap_or_else(|| "—".into());
                    view! {
                        <tr data-testid="version-row">
                            <td class="num">{format!("v{}", v.version)}</td>
                            <td><StageBadge stage=v.stage/></td>
                            <td>
                                {v.aliases.iter().map(|a| view! { <span class="alias" data-testid="alias">{format!("@{a}")}</span> }).collect_view()}
                            </td>
                            <td class="mono">{run}</td>
                            <td>{v.user_id.clone()}</td>
                            <td class="small">{format_time(v.creation_time)}</td>
                            <td class="small">{v.description.clone()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
