//! One transition request: what it asks for and the digest it is bound to, the candidate
//! against the current Production version, the approvals so far and needed, the thread,
//! and the decision: Approve and Reject for an eligible approver, otherwise the sentence
//! saying why not. The decision forms are server actions: with JavaScript the page reloads
//! its data in place; without it the browser posts and comes back to this page.
use super::StatusBadge;
use crate::api::reviews::{get_review, ApproveReview, CommentReview, RejectReview};
use crate::components::{format_age, format_time, AliasBadge, ErrorBox, Link, Loaded};
use crate::components::{MetricTable, ParamTable};
use crate::error::UiError;
use crate::layout::Refresh;
use crate::routes;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use pedigree_core::review::{RequestStatus, TransitionRequest};
use pedigree_core::review_view::ReviewPage;

#[component]
pub fn ReviewDetail() -> impl IntoView {
    let id = routes::use_param(routes::REVIEW_ROUTE, "id");
    let approve = ServerAction::<ApproveReview>::new();
    let reject = ServerAction::<RejectReview>::new();
    let comment = ServerAction::<CommentReview>::new();
    // Someone else approving, rejecting or commenting updates the open page.
    let live = crate::live::live_bumps(|c| c.topic == pedigree_core::live::Topic::Reviews);
    let page = Resource::new(
        move || {
            let writes = approve.version().get() + reject.version().get();
            (id.get(), writes + comment.version().get(), live.get())
        },
        |(id, _, _)| async move {
            match id.parse::<i64>() {
                Ok(n) => get_review(n).await,
                Err(_) => Err(UiError::NotFound(format!(
                    "There is no transition request '{id}'"
                ))),
            }
        },
    );
    // A decision changes the count of requests awaiting the viewer in the top bar.
    let refresh = use_context::<Refresh>();
    Effect::new(move |_| {
        if approve.version().get() + reject.version().get() > 0 {
            if let Some(Refresh(n)) = refresh {
                n.update(|n| *n += 1);
            }
        }
    });
    view! {
        <p class="crumbs"><Link href=routes::reviews()>"Reviews"</Link>" / "</p>
        <Loaded resource=page loading="Loading request…" let:page>
            <RequestView page approve reject comment/>
        </Loaded>
    }
}

#[component]
fn RequestView(
    page: ReviewPage,
    approve: ServerAction<ApproveReview>,
    reject: ServerAction<RejectReview>,
    comment: ServerAction<CommentReview>,
) -> impl IntoView {
    let r = page.request;
    let title = format!(
        "Request #{}: {} v{} to {}",
        r.id, r.name, r.version, r.to_stage
    );
    let digest = r
        .candidate_digest
        .clone()
        .unwrap_or_else(|| "none (an external reference: no files to bind)".into());
    let registrant = page
        .candidate
        .as_ref()
        .map_or_else(|| "(version deleted)".to_string(), |c| c.user_id.clone());
    let approvers = r
        .approvals
        .iter()
        .map(|a| a.approver.clone())
        .collect::<Vec<_>>()
        .join(", ");
    let production = page.production.as_ref().map(|p| format!("v{}", p.version));
    let (model_href, model) = (routes::model(&r.name), r.name.to_string());
    let aliases = page
        .candidate
        .as_ref()
        .map(|c| c.aliases.clone())
        .unwrap_or_default();
    let (outcome, decision) = (r.clone(), r.id.get());
    let signed_in = page.viewer.is_some();
    let thread_id = r.id.get();
    view! {
        <Title text=format!("{title} · Pedigree")/>
        <h1 data-testid="review-title">{title}</h1>
        <Outcome request=outcome candidate_aliases=aliases/>
        <dl class="facts">
            <dt>"Status"</dt>
            <dd><StatusBadge status=r.status/></dd>
            <dt>"Model"</dt>
            <dd><Link href=model_href>{model}</Link></dd>
            <dt>"Requested by"</dt>
            <dd data-testid="review-requester">{r.requested_by.clone()}" · "{format_time(r.created_at)}" ("{format_age(r.created_at, page.now)}")"</dd>
            <dt>"Registered by"</dt>
            <dd data-testid="review-registrant">{registrant}</dd>
            <dt>"Bound to digest"</dt>
            <dd class="mono" data-testid="review-digest">{digest}</dd>
            <dt>"Source"</dt>
            <dd class="mono small">{r.candidate_source.clone()}</dd>
            <dt>"Approvals"</dt>
            <dd data-testid="review-approvals">
                {format!("{} of {} needed", r.approvals.len(), r.approvals_needed)}
                {(!approvers.is_empty()).then(|| format!(" ({approvers})"))}
            </dd>
            <dt>"Archives the other versions in the stage"</dt>
            <dd>{if r.archive_existing_versions { "yes" } else { "no" }}</dd>
        </dl>
        <h2>{format!("v{} against Production", r.version)}</h2>
        {match production {
            Some(p) => view! { <p class="muted" data-testid="production-version">{format!("Current Production: {p}")}</p> }.into_any(),
            None => view! { <p class="muted" data-testid="production-version">"No other version is in Production."</p> }.into_any(),
        }}
        <h3>"Parameters"</h3>
        <ParamTable rows=page.params/>
        <h3>"Metrics"</h3>
        <MetricTable rows=page.metrics/>
        <h2>"Decision"</h2>
        <Decision id=decision reason=page.eligibility.reason() approve reject/>
        <h2>"Thread"</h2>
        <Thread request=r/>
        {signed_in.then(|| view! { <CommentForm id=thread_id comment/> })}
    }
}

/// A new comment on the thread.
#[component]
fn CommentForm(id: i64, comment: ServerAction<CommentReview>) -> impl IntoView {
    let failure = move || {
        comment
            .value()
            .get()
            .and_then(Result::err)
            .map(|error| view! { <ErrorBox error/> })
    };
    view! {
        {failure}
        <ActionForm action=comment attr:class="form" attr:data-testid="comment-form">
            <input type="hidden" name="id" value=id.to_string()/>
            <label for="comment-body">"Add a comment"</label>
            <textarea id="comment-body" name="body" rows="3" required></textarea>
            <button type="submit">"Comment"</button>
        </ActionForm>
    }
}

/// What came of a decided request.
#[component]
fn Outcome(
    request: TransitionRequest,
    candidate_aliases: Vec<pedigree_core::AliasName>,
) -> impl IntoView {
    let by = request.decided_by.clone().unwrap_or_default();
    let at = request.decided_at.map(format_time).unwrap_or_default();
    let why = request
        .decision_comment
        .clone()
        .filter(|c| !c.trim().is_empty());
    match request.status {
        RequestStatus::Applied => Some(view! {
            <div class="notice" role="status" data-testid="review-applied">
                <strong>{format!("Applied: v{} is now in {}.", request.version, request.to_stage)}</strong>
                " "{format!("Approved by {by}, {at}.")}" "
                {candidate_aliases.into_iter().map(|alias| view! { <AliasBadge alias/> }).collect_view()}
            </div>
        }.into_any()),
        RequestStatus::Rejected => Some(view! {
            <div class="notice" role="status" data-testid="review-rejected">
                <strong>{format!("Rejected by {by}, {at}.")}</strong>
                {why.map(|w| view! { <p>{w}</p> })}
            </div>
        }.into_any()),
        RequestStatus::Cancelled => Some(view! {
            <div class="notice" role="status" data-testid="review-cancelled">
                <strong>{format!("Cancelled by {by}, {at}.")}</strong>
            </div>
        }.into_any()),
        RequestStatus::Open | RequestStatus::Approved => None,
    }
}

/// Approve and Reject for a viewer who may decide; otherwise why they may not.
#[component]
fn Decision(
    id: i64,
    reason: Option<String>,
    approve: ServerAction<ApproveReview>,
    reject: ServerAction<RejectReview>,
) -> impl IntoView {
    let failure = move || {
        [
            approve.value().get().and_then(Result::err),
            reject.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
        .map(|error| view! { <ErrorBox error/> })
    };
    if let Some(reason) = reason {
        return view! {
            <p class="muted" data-testid="cannot-decide">{reason}</p>
            {failure}
        }
        .into_any();
    }
    let (approve_id, reject_id) = (id.to_string(), id.to_string());
    view! {
        {failure}
        <div class="decision">
            <ActionForm action=approve attr:class="form" attr:data-testid="approve-form">
                <input type="hidden" name="id" value=approve_id/>
                <label for="approve-comment">"Comment (optional)"</label>
                <textarea id="approve-comment" name="comment" rows="2"></textarea>
                <button type="submit" data-testid="approve">"Approve"</button>
            </ActionForm>
            <ActionForm action=reject attr:class="form" attr:data-testid="reject-form">
                <input type="hidden" name="id" value=reject_id/>
                <label for="reject-reason">"Reason for rejecting"</label>
                <textarea id="reject-reason" name="reason" rows="2" required></textarea>
                <button type="submit" class="danger" data-testid="reject">"Reject"</button>
            </ActionForm>
        </div>
    }
    .into_any()
}

/// The request's own comment, then the thread in order.
#[component]
fn Thread(request: TransitionRequest) -> impl IntoView {
    let opening = (!request.comment.is_blank()).then(|| {
        (
            request.requested_by.clone(),
            request.comment.as_str().to_string(),
            request.created_at,
        )
    });
    let entries: Vec<(String, String, i64)> = opening
        .into_iter()
        .chain(
            request
                .comments
                .iter()
                .map(|c| (c.author.clone(), c.body.as_str().to_string(), c.at)),
        )
        .collect();
    if entries.is_empty() {
        return view! { <p class="muted" data-testid="thread-empty">"No comments yet."</p> }
            .into_any();
    }
    view! {
        <ol class="thread" data-testid="thread">
            {entries.into_iter().map(|(author, body, at)| view! {
                <li data-testid="comment">
                    <div class="small muted"><strong>{author}</strong>" · "{format_time(at)}</div>
                    <p>{body}</p>
                </li>
            }).collect_view()}
        </ol>
    }
    .into_any()
}
