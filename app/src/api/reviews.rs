//! The review queue as the dashboard reads and decides it: one tab of the queue, one
//! request with its comparison, approving, rejecting and commenting on a request. The
//! writes are server actions the request page's forms post (with or without JavaScript).
use crate::error::UiError;
use leptos::prelude::*;
use pedigree_core::review::TransitionRequest;
use pedigree_core::review_view::{QueuePage, QueueTab, ReviewPage};

/// One tab of the queue, newest first.
#[server(prefix = "/_app", endpoint = "reviews/list")]
pub async fn review_queue(tab: QueueTab) -> Result<QueuePage, UiError> {
    let cx = super::ctx::ctx()?;
    Ok(cx.registry.review_queue(cx.viewer(), tab).await?)
}

/// One request as its page shows it.
#[server(prefix = "/_app", endpoint = "reviews/get")]
pub async fn get_review(id: i64) -> Result<ReviewPage, UiError> {
    let id = pedigree_core::review::RequestId::new(id)?;
    let cx = super::ctx::ctx()?;
    Ok(cx.registry.review_page(cx.viewer(), id).await?)
}

/// Approves request `id`, with an optional comment.
#[server(prefix = "/_app", endpoint = "reviews/approve")]
pub async fn approve_review(id: i64, comment: String) -> Result<TransitionRequest, UiError> {
    let id = pedigree_core::review::RequestId::new(id)?;
    let comment = pedigree_core::review::CommentText::parse(comment)?;
    let cx = super::ctx::ctx()?;
    Ok(cx
        .registry
        .approve_transition_request(cx.actor()?, id, comment)
        .await?)
}

/// Rejects request `id`; the reason is required.
#[server(prefix = "/_app", endpoint = "reviews/reject")]
pub async fn reject_review(id: i64, reason: String) -> Result<TransitionRequest, UiError> {
    let id = pedigree_core::review::RequestId::new(id)?;
    let reason = pedigree_core::review::CommentText::parse(reason)?;
    let cx = super::ctx::ctx()?;
    Ok(cx
        .registry
        .reject_transition_request(cx.actor()?, id, reason)
        .await?)
}

/// Adds a comment to request `id`'s thread.
#[server(prefix = "/_app", endpoint = "reviews/comment")]
pub async fn comment_review(id: i64, body: String) -> Result<TransitionRequest, UiError> {
    let id = pedigree_core::review::RequestId::new(id)?;
    let body = pedigree_core::review::CommentText::parse(body)?;
    let cx = super::ctx::ctx()?;
    Ok(cx
        .registry
        .comment_transition_request(cx.actor()?, id, body)
        .await?)
}
