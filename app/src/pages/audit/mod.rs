//! The audit trail: who did what to which subject, newest first, filtered by a plain GET
//! form (so it works without JavaScript and its address can be shared), paged back with an
//! opaque cursor, exported through the API with the same filters, and the hash chain
//! checked on request.
mod filters;
mod list;
mod verify;

use crate::api::audit::audit_list;
use crate::components::Loaded;
use crate::routes::AuditLinkQuery;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// `/audit?actor=&model=&action=&from=&to=&cursor=&verify=1`.
#[component]
pub fn AuditTrail() -> impl IntoView {
    let query = use_query_map();
    let q = Memo::new(move |_| query.with(|m| AuditLinkQuery::from_query(|k| m.get(k))));
    let page = Resource::new(move || q.get(), audit_list);
    view! {
        <Title text="Audit · Pedigree"/>
        <h1>"Audit trail"</h1>
        {move || view! { <filters::FilterForm q=q.get()/> }}
        {move || view! { <verify::ChainCheck q=q.get()/> }}
        <Loaded resource=page loading="Loading events…" let:page>
            {
                let q = q.get_untracked();
                view! {
                    <list::EventTable page=page.clone() q=q.clone()/>
                    <list::Pager next=page.next_cursor q=q.clone()/>
                    <list::Exports q/>
                }
            }
        </Loaded>
    }
}
