//! One page of events as a table (time, actor, action, subject linked where it is a model
//! or a model version, the change folded away), the links to older pages and back to the
//! newest, and the downloads of everything the filters match.
use crate::components::{format_time, DataTable, Link};
use crate::routes::{self, AuditLinkQuery, ExportLink};
use leptos::prelude::*;
use pedigree_core::audit::{AuditCursor, AuditEvent, AuditPage, Subject};

#[component]
pub fn EventTable(page: AuditPage, q: AuditLinkQuery) -> impl IntoView {
    const COLUMNS: &[&str] = &["#", "Time", "Actor", "Action", "Subject", "Change"];
    if page.events.is_empty() {
        let text = if q.is_filtered() {
            "No event matches these filters."
        } else {
            "No events recorded yet."
        };
        return view! { <p class="muted" data-testid="empty">{text}</p> }.into_any();
    }
    view! {
        <DataTable testid="audit-list" columns=COLUMNS>
            {page.events.into_iter().map(|e| view! { <EventRow e/> }).collect_view()}
        </DataTable>
    }
    .into_any()
}

#[component]
fn EventRow(e: AuditEvent) -> impl IntoView {
    view! {
        <tr data-testid="audit-row" data-seq=e.seq>
            <td class="num small">{e.seq}</td>
            <td class="small">{format_time(e.at)}</td>
            <td data-testid="audit-actor">{e.actor.clone()}</td>
            <td data-testid="audit-action"><code>{e.action.clone()}</code></td>
            <td data-testid="audit-subject"><SubjectCell subject=e.subject.clone()/></td>
            <td class="small">
                <details>
                    <summary>"before / after"</summary>
                    <pre>{e.before.clone()}</pre>
                    <pre>{e.after.clone()}</pre>
                </details>
            </td>
        </tr>
    }
}

/// A subject, linked to its page where it has one.
#[component]
fn SubjectCell(subject: String) -> impl IntoView {
    let href = match subject.parse::<Subject>() {
        Ok(Subject::RegisteredModel(m) | Subject::Alias(m, _)) => Some(routes::model(&m)),
        Ok(Subject::ModelVersion(m, v)) => Some(routes::version(&m, v)),
        _ => None,
    };
    match href {
        Some(href) => view! { <Link href=href>{subject}</Link> }.into_any(),
        None => view! { <span>{subject}</span> }.into_any(),
    }
}

/// "Older →" while there are older events, "Newest" once paged back.
#[component]
pub fn Pager(next: Option<AuditCursor>, q: AuditLinkQuery) -> impl IntoView {
    let newest = (!q.cursor.is_empty()).then(|| {
        let href = routes::audit_page(&q.newest());
        view! { <span data-testid="audit-newest"><Link href=href>"← Newest"</Link></span> }
    });
    let older = next.map(|c| {
        let href = routes::audit_page(&q.older(c));
        view! { <span data-testid="audit-older"><Link href=href>"Older →"</Link></span> }
    });
    view! { <nav class="pager" aria-label="Pages">{newest}" "{older}</nav> }
}

/// Downloads of every event the filters match, from the API, which a signed-in browser
/// reaches with its session cookie. Plain links marked `download` and `external`: the
/// router must not take them for pages.
#[component]
pub fn Exports(q: AuditLinkQuery) -> impl IntoView {
    let csv = routes::audit_export(&q, ExportLink::Csv);
    let jsonl = routes::audit_export(&q, ExportLink::JsonLines);
    view! {
        <p class="exports">
            <a href=csv download="" rel="external" data-testid="export-csv">"Download CSV"</a>
            " · "
            <a href=jsonl download="" rel="external" data-testid="export-jsonl">"Download JSON Lines"</a>
        </p>
    }
}
