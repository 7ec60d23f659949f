//! The model list: every registered model, its current Production and Staging versions and
//! aliases.
use crate::api::models::get_models;
use crate::components::{format_time, ErrorBox};
use leptos::prelude::*;
use leptos_router::components::A;
use pedigree_core::registered_model::ModelSummary;

#[component]
pub fn ModelList() -> impl IntoView {
    let models = Resource::new(|| (), |_| get_models());
    view! {
        <h1>"Models"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading models…"</p> }>
            {move || Suspend::new(async move {
                match models.await {
                    Ok(list) if list.is_empty() => view! {
                        <p class="muted" data-testid="empty">"No models registered yet. Register one with the mlflow client: mlflow.register_model(...)."</p>
                    }.into_any(),
                    Ok(list) => view! { <ModelTable models=list/> }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ModelTable(models: Vec<ModelSummary>) -> impl IntoView {
    view! {
        <table class="grid" data-testid="model-list">
            <thead>
                <tr>
                    <th>"Name"</th>
                    <th>"Versions"</th>
                    <th>"Production"</th>
                    <th>"Staging"</th>
                    <th>"Aliases"</th>
                    <th>"Last updated"</th>
                </tr>
            </thead>
            <tbody>
                {models.into_iter().map(|m| {
                    let href = format!("/models/{}", m.name);
                    let aliases = m.aliases.iter().map(|a| format!("@{} → v{}", a.alias, a.version)).collect::<Vec<_>>().join(", ");
                    view! {
                        <tr data-testid="model-row">
                            <td>
                                <A href=href>{m.name.to_string()}</A>
                                <div class="muted small">{m.description.clone()}</div>
                            </td>
                            <td class="num">{m.version_count}</td>
                            <td>{m.production_version.map(|v| format!("v{v}")).unwrap_or_else(|| "—".into())}</td>
                            <td>{m.staging_version.map(|v| format!("v{v}")).unwrap_or_else(|| "—".into())}</td>
                            <td class="small">{aliases}</td>
                            <td class="small">{format_time(m.last_updated_time)}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
