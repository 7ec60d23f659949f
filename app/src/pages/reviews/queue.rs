//! The review queue: one tab at a time (`?tab=awaiting|mine|all`), each request with its
//! model, version, target stage, requester, age, approvals and status.
use super::StatusBadge;
use crate::api::reviews::review_queue;
use crate::components::{format_age, DataTable, Link, Loaded};
use crate::routes;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use pedigree_core::review_view::{QueuePage, QueueTab};

#[component]
pub fn ReviewQueue() -> impl IntoView {
    let query = use_query_map();
    let tab = Memo::new(move |_| QueueTab::from_query(query.with(|q| q.get("tab")).as_deref()));
    let live = crate::live::live_bumps(|c| c.topic == pedigree_core::live::Topic::Reviews);
    let page = Resource::new(
        move || (tab.get(), live.get()),
        |(tab, _)| review_queue(tab),
    );
    view! {
        <Title text="Reviews · Pedigree"/>
        <h1>"Reviews"</h1>
        <nav class="tabs" aria-label="Review queue">
            {QueueTab::ALL.map(|t| view! {
                <a
                    href=routes::reviews_tab(t)
                    aria-current=move || (tab.get() == t).then_some("page")
                    data-testid=format!("tab-{}", t.as_str())
                >
                    {t.label()}
                </a>
            }).collect_view()}
        </nav>
        <Loaded resource=page loading="Loading reviews…" let:page>
            <QueueView page/>
        </Loaded>
    }
}

#[component]
fn QueueView(page: QueuePage) -> impl IntoView {
    const COLUMNS: &[&str] = &[
        "Request",
        "Model",
        "Version",
        "Target stage",
        "Requested by",
        "Age",
        "Approvals",
        "Status",
    ];
    if page.rows.is_empty() {
        let text = match (page.tab, page.signed_in) {
            (QueueTab::All, _) => "No transition requests yet.",
            (_, false) => "Sign in to see the requests awaiting you and your own.",
            (QueueTab::Awaiting, true) => "Nothing awaits your review.",
            (QueueTab::Mine, true) => "You have not requested any transition.",
        };
        return view! { <p class="muted" data-testid="empty">{text}</p> }.into_any();
    }
    let now = page.now;
    view! {
        <DataTable testid="review-list" columns=COLUMNS>
            {page.rows.into_iter().map(|r| view! {
                <tr data-testid="review-row" data-request=r.id.get()>
                    <td><Link href=routes::review(r.id)>{format!("#{}", r.id)}</Link></td>
                    <td><Link href=routes::model(&r.name)>{r.name.to_string()}</Link></td>
                    <td class="num">{format!("v{}", r.version)}</td>
                    <td>{r.to_stage.as_str()}</td>
                    <td>{r.requested_by.clone()}</td>
                    <td class="small">{format_age(r.created_at, now)}</td>
                    <td class="num" data-testid="review-approvals">{format!("{} / {}", r.approvals, r.approvals_needed)}</td>
                    <td><StatusBadge status=r.status/></td>
                </tr>
            }).collect_view()}
        </DataTable>
    }
    .into_any()
}
