//! The chain check: walking every event and recomputing its hash takes time proportional
//! to the whole log, so it runs only when asked for (a link adding `verify=1`), never on
//! every view of the page.
use crate::api::audit::verify_audit;
use crate::components::Link;
use crate::routes::{self, AuditLinkQuery};
use leptos::prelude::*;
use pedigree_core::audit::VerifyOutcome;

#[component]
pub fn ChainCheck(q: AuditLinkQuery) -> impl IntoView {
    if !q.verify {
        return view! {
            <p class="chain" data-testid="chain">
                <Link href=routes::audit_page(&q.verified())>"Verify the hash chain"</Link>
            </p>
        }
        .into_any();
    }
    let outcome = Resource::new(|| (), |_| verify_audit());
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Verifying the chain…"</p> }>
            {move || Suspend::new(async move {
                let (class, text) = match outcome.await {
                    Ok(VerifyOutcome::Ok { events, .. }) => {
                        ("badge chain-ok", format!("Chain verified: {events} events"))
                    }
                    Ok(VerifyOutcome::Broken { seq, reason }) => {
                        ("badge chain-broken", format!("Chain broken at event {seq}: {reason}"))
                    }
                    Err(e) => ("badge chain-broken", format!("Could not verify the chain: {e}")),
                };
                view! {
                    <p class="chain">
                        <span class=class data-testid="chain-status">{text}</span>
                    </p>
                }
            })}
        </Suspense>
    }
    .into_any()
}
