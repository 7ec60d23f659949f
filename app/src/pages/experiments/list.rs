//! Every active experiment with when it was created and last changed.
use crate::api::experiments::list_experiments;
use crate::components::{format_time, DataTable, Link, Loaded};
use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ExperimentList() -> impl IntoView {
    let list = Resource::new(|| (), |_| list_experiments());
    view! {
        <Title text="Experiments"/>
        <h1>"Experiments"</h1>
        <Loaded resource=list loading="Loading experiments…" let:list>
            <DataTable testid="experiment-list" columns=&["Experiment", "Id", "Created", "Last updated"]>
                {list.into_iter().map(|e| view! {
                    <tr data-testid="experiment-row">
                        <td><Link href=routes::experiment(e.id)>{e.name.to_string()}</Link></td>
                        <td class="num">{e.id.get()}</td>
                        <td class="small">{format_time(e.creation_time)}</td>
                        <td class="small">{format_time(e.last_update_time)}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </Loaded>
    }
}
