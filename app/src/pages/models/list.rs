//! The model list: every registered model, its current Production and Staging versions and
//! aliases.
use crate::api::models::list_models;
use crate::components::{format_time, version_or_dash, DataTable, Link, Loaded};
use crate::routes;
use leptos::prelude::*;
use pedigree_core::registered_model::ModelSummary;

#[component]
pub fn ModelList() -> impl IntoView {
    let models = Resource::new(|| (), |_| list_models());
    view! {
        <h1>"Models"</h1>
        <Loaded resource=models loading="Loading models…" let:list>
            {if list.is_empty() {
                view! {
                    <p class="muted" data-testid="empty">"No models registered yet. Register one with the mlflow client: mlflow.register_model(...)."</p>
                }.into_any()
            } else {
                view! { <ModelTable models=list/> }.into_any()
            }}
        </Loaded>
    }
}

#[component]
fn ModelTable(models: Vec<ModelSummary>) -> impl IntoView {
    const COLUMNS: &[&str] = &[
        "Name",
        "Versions",
        "Production",
        "Staging",
        "Aliases",
        "Last updated",
    ];
    view! {
        <DataTable testid="model-list" columns=COLUMNS>
            {models.into_iter().map(|m| {
                let aliases = m.aliases.iter().map(|a| format!("@{} → v{}", a.alias, a.version)).collect::<Vec<_>>().join(", ");
                view! {
                    <tr data-testid="model-row">
                        <td>
                            <Link href=routes::model(&m.name)>{m.name.to_string()}</Link>
                            <div class="muted small">{m.description.clone()}</div>
                        </td>
                        <td class="num">{m.version_count}</td>
                        <td>{version_or_dash(m.production_version)}</td>
                        <td>{version_or_dash(m.staging_version)}</td>
                        <td class="small">{aliases}</td>
                        <td class="small">{format_time(m.last_updated_time)}</td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
}
