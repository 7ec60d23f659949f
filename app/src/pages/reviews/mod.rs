//! The review queue: its tabs (awaiting me, mine, all) and one transition request with
//! the candidate against the current Production version, the thread and the decision.

mod detail;
mod queue;

pub use detail::ReviewDetail;
pub use queue::ReviewQueue;

use leptos::prelude::*;
use pedigree_core::review::RequestStatus;

/// A request's status as a badge.
#[component]
fn StatusBadge(status: RequestStatus) -> impl IntoView {
    let class = format!("badge status-{status}");
    view! { <span class=class data-testid="review-status">{status.as_str()}</span> }
}
