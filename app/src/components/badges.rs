//! Small labels: a version's stage and its aliases.
use leptos::prelude::*;
use pedigree_core::{AliasName, Stage};

/// A stage as a coloured badge.
#[component]
pub fn StageBadge(stage: Stage) -> impl IntoView {
    let class = format!("badge stage-{}", stage.as_str().to_ascii_lowercase());
    view! { <span class=class data-testid="stage">{stage.as_str()}</span> }
}

/// An alias (`@champion`) as a tag.
#[component]
pub fn AliasBadge(alias: AliasName) -> impl IntoView {
    view! { <span class="alias" data-testid="alias">{format!("@{alias}")}</span> }
}
