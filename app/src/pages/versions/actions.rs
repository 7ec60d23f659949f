//! What a user may do about a version, from its page: ask for a promotion (a request the
//! review queue decides), point an alias at it, move its stage directly (a demotion; a
//! move into a gated stage becomes a request), and roll back to it when it held
//! Production before. The core decides each one; a refusal is shown with its reason,
//! which says who may. The forms are server actions and work without JavaScript.
use crate::api::versions::{MoveStage, RequestPromotion, Rollback, SetAlias};
use crate::components::ErrorBox;
use crate::routes;
use leptos::form::ActionForm;
use leptos::prelude::*;
use pedigree_core::holders::{HoldKind, Holding};
use pedigree_core::model_version::ModelVersion;
use pedigree_core::Stage;

/// The page's four actions, so the page reloads its data after any of them.
#[derive(Clone, Copy)]
pub struct VersionActions {
    pub request: ServerAction<RequestPromotion>,
    pub alias: ServerAction<SetAlias>,
    pub stage: ServerAction<MoveStage>,
    pub rollback: ServerAction<Rollback>,
}

impl VersionActions {
    pub fn new() -> Self {
        VersionActions {
            request: ServerAction::new(),
            alias: ServerAction::new(),
            stage: ServerAction::new(),
            rollback: ServerAction::new(),
        }
    }

    /// Changes with every completed action: what the page's resource tracks.
    pub fn version(&self) -> usize {
        self.request.version().get()
            + self.alias.version().get()
            + self.stage.version().get()
            + self.rollback.version().get()
    }
}

impl Default for VersionActions {
    fn default() -> Self {
        Self::new()
    }
}

#[component]
pub fn ActionsPanel(
    version: ModelVersion,
    holdings: Vec<Holding>,
    actions: VersionActions,
) -> impl IntoView {
    let VersionActions {
        request,
        alias,
        stage,
        rollback,
    } = actions;
    let name = version.name.to_string();
    let number = version.version.get().to_string();
    // Copy, so each form's fields can read it.
    let target = StoredValue::new((name, number));
    // Rolling back is offered where it can apply: to a version that held Production
    // before and does not now (the core checks both again).
    let held_production = holdings
        .iter()
        .any(|h| h.kind == HoldKind::Stage && h.slot == Stage::Production.as_str());
    let can_roll_back = held_production && version.stage != Stage::Production;
    let failure = move || {
        [
            request.value().get().and_then(Result::err),
            alias.value().get().and_then(Result::err),
            stage.value().get().and_then(Result::err),
            rollback.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
        .map(|error| view! { <ErrorBox error/> })
    };
    let opened = move || {
        request.value().get().and_then(Result::ok).map(|r| {
            let href = routes::review(r.id);
            view! {
                <div class="notice" role="status" data-testid="request-opened">
                    <strong>{format!("Request #{} opened: v{} to {}.", r.id, r.version, r.to_stage)}</strong>" "
                    <a href=href>"Open the request"</a>
                </div>
            }
        })
    };
    view! {
        <section class="actions" data-testid="version-actions" aria-label="Actions">
            <h2>"Actions"</h2>
            {failure}
            {opened}
            <div class="decision">
                <ActionForm action=request attr:class="form" attr:data-testid="request-form">
                    <Target target/>
                    <label for="request-stage">"Request a move to"</label>
                    <select id="request-stage" name="stage">
                        <option value="Production" selected>"Production"</option>
                        <option value="Staging">"Staging"</option>
                    </select>
                    <label for="request-reason">"Why (the reviewers read this)"</label>
                    <textarea id="request-reason" name="reason" rows="2" required></textarea>
                    <label class="inline"><input type="checkbox" name="archive_existing" value="on"/>" Archive the version it replaces"</label>
                    <button type="submit" data-testid="request-promotion">"Request review"</button>
                </ActionForm>
                <ActionForm action=alias attr:class="form" attr:data-testid="alias-form">
                    <Target target/>
                    <label for="alias-name">"Point an alias here"</label>
                    <input id="alias-name" name="alias" required placeholder="challenger"/>
                    <button type="submit" data-testid="set-alias">"Set alias"</button>
                </ActionForm>
                <ActionForm action=stage attr:class="form" attr:data-testid="stage-form">
                    <Target target/>
                    <label for="stage-to">"Move directly to"</label>
                    <select id="stage-to" name="stage">
                        <option value="Archived" selected>"Archived"</option>
                        <option value="Staging">"Staging"</option>
                        <option value="None">"None"</option>
                    </select>
                    <button type="submit" data-testid="move-stage">"Move"</button>
                </ActionForm>
                {can_roll_back.then(|| view! {
                    <ActionForm action=rollback attr:class="form" attr:data-testid="rollback-form">
                        <Target target/>
                        <p class="small muted">"This version held Production before. An approver may restore it without a new review."</p>
                        <button type="submit" class="danger" data-testid="rollback">"Roll back to this version"</button>
                    </ActionForm>
                })}
            </div>
        </section>
    }
}

/// The hidden fields naming the version every action form acts on.
#[component]
fn Target(target: StoredValue<(String, String)>) -> impl IntoView {
    let (name, version) = target.get_value();
    view! {
        <input type="hidden" name="name" value=name/>
        <input type="hidden" name="version" value=version/>
    }
}
