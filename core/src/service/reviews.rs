//! The review queue's rules: opening a transition request for a version and stage (bound
//! to the version's artifact manifest), approving it (four eyes; the last approval applies
//! the transition in the same transaction, through the stage rules `transition_stage`
//! uses), rejecting, cancelling and commenting. Reads and the per-model review policy are
//! `super::review_reads`'s.
//!
//! Every change takes the one write path. A decision locks the model, then the request
//! row, and reads the request's status under those locks, so of concurrent decisions
//! exactly one wins and the others see it decided. Every review event's subject is the
//! version (`model_version:<name>/<v>`), with the request id in its `after`; the event of
//! the approval that applies a transition is `review.apply` and records the move.
//! The SQL is `store::reviews`'s.
use super::model_versions::check_archive_flag;
use super::model_versions::Via;
use super::review_checks::{evaluate, failing, refusal};
use super::review_digest::artifact_digest;
use super::write::Write;
use super::Registry;
use crate::audit::{Action, Subject};
use crate::error::{Entity, Error, Result};
use crate::holders::HowMoved;
use crate::model_version::ModelVersion;
use crate::names::{ModelName, Stage, Version};
use crate::review::{CommentText, RequestId, RequestStatus, TransitionRequest};
use crate::store::models::aliases;
use crate::store::models::{self, LockedModel};
use crate::store::review_checks;
use crate::store::reviews::{self, NewRequestRow};
use crate::store::{holders, or_exists, versions};
use crate::user::Actor;
use serde_json::json;

/// What a requester asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenRequest {
    pub name: ModelName,
    pub version: Version,
    pub to_stage: Stage,
    pub archive_existing_versions: bool,
    pub comment: CommentText,
}

fn not_found(id: RequestId) -> Error {
    Error::not_found(
        Entity::TransitionRequest,
        id.to_string(),
        format!("Transition request with id={id} not found"),
    )
}

/// Review actions need a name to hold to account: an anonymous actor may read only.
fn require_named(actor: &Actor) -> Result<()> {
    if actor.is_anonymous() {
        return Err(Error::PermissionDenied(
            "Transition requests need an authenticated user: sign in or send an API token.".into(),
        ));
    }
    Ok(())
}

/// Four eyes, THE one place it is decided: neither a request's requester nor the
/// version's registrant may approve or reject it. (The approver role on the model is the
/// write path's check, `crate::access`; an approver's own direct transition is the one
/// request they may approve themselves, `own_request`, since its registrant is another.)
fn may_decide(
    actor: &Actor,
    req: &TransitionRequest,
    registrant: Option<&str>,
    own_request: bool,
) -> Result<()> {
    require_named(actor)?;
    let who = actor.name();
    let (name, version) = (&req.name, req.version);
    if who == req.requested_by && !own_request {
        return Err(Error::PermissionDenied(format!(
            "Four eyes: {who} requested this transition of {name}/{version} and cannot also approve or reject it."
        )));
    }
    if registrant == Some(who) {
        return Err(Error::PermissionDenied(format!(
            "Four eyes: {who} registered {name}/{version} and cannot approve or reject its transition."
        )));
    }
    Ok(())
}

fn decided(req: &TransitionRequest, status: RequestStatus, verb: &str) -> Error {
    Error::FailedPrecondition(format!(
        "Transition request {} of {}/{} to {} is already {status}; only an open request can be {verb}.",
        req.id, req.name, req.version, req.to_stage
    ))
}

/// A write holding the request's model and row locks, with the request read under them.
struct Locked<'a> {
    w: Write<'a>,
    m: LockedModel,
    req: TransitionRequest,
}

impl Registry {
    /// Opens a request to move a version to a stage, bound to the version's source and
    /// artifact manifest as they are now. While one is open for that version and stage,
    /// opening again answers it unchanged.
    pub async fn open_transition_request(
        &self,
        actor: &Actor,
        new: OpenRequest,
    ) -> Result<TransitionRequest> {
        require_named(actor)?;
        check_archive_flag(new.to_stage, new.archive_existing_versions)?;
        let (name, version, to) = (&new.name, new.version, new.to_stage);
        let mut w = self.begin(actor).await?;
        let m = models::lock(w.tx(), name).await?;
        let target = versions::get(w.conn(), name, m.id, version).await?;
        if let Some(id) = reviews::open_for(w.conn(), m.id, version, to).await? {
            // Nothing changes: dropping `w` rolls back.
            return load_one(w.conn(), id).await;
        }
        if target.stage == to {
            return Err(Error::FailedPrecondition(format!(
                "Model version {name}/{version} is already in stage {to}."
            )));
        }
        self.check_promotable(&target, to)?;
        let policy = reviews::policy(w.conn(), m.id).await?;
        let digest = artifact_digest(w.conn(), &target).await?;
        w.authorize(
            Action::ReviewOpen,
            Subject::ModelVersion(name.clone(), version),
        )
        .await?;
        let id = reviews::insert(
            w.conn(),
            &NewRequestRow {
                model_id: m.id,
                version,
                to_stage: to,
                requested_by: actor.name(),
                comment: &new.comment,
                archive_existing_versions: new.archive_existing_versions,
                approvals_needed: policy.approvals_needed,
                candidate_source: &target.source,
                candidate_digest: digest.as_deref(),
                now: self.now(),
            },
        )
        .await
        .map_err(|e| {
            or_exists(e, Entity::TransitionRequest, "", || {
                format!("An open transition request of {name}/{version} to {to} exists already.")
            })
        })?;
        let backend = w.backend();
        let checks = evaluate(w.conn(), backend, m.id, &target, &policy.checks, self.now()).await?;
        review_checks::replace_results(w.conn(), id, &checks).await?;
        let req = load_one(w.conn(), id).await?;
        w.commit(
            (),
            json!({"request_id": id, "to_stage": to, "approvals_needed": req.approvals_needed,
                   "candidate_source": req.candidate_source, "candidate_digest": req.candidate_digest,
                   "checks": checks}),
        )
        .await?;
        Ok(req)
    }

    /// Approves an open request. An approver counts once (approving again answers the
    /// request unchanged). The approval that reaches `approvals_needed` applies the
    /// transition in the same transaction, after checking that the version's artifacts are
    /// still the ones the request was bound to; if they are not, nothing changes and the
    /// request stays open.
    pub async fn approve_transition_request(
        &self,
        actor: &Actor,
        id: RequestId,
        comment: CommentText,
    ) -> Result<TransitionRequest> {
        Ok(self.approve(actor, id, comment, false, false).await?.0)
    }

    /// Approves, as `approve_transition_request` says; `own_request` lets the requester
    /// approve (an approver's direct transition, `super::gate`). Also answers the versions
    /// archived when this approval applied the transition. Failing required checks refuse
    /// it unless `override_checks` (an admin's, `super::review_checks`).
    pub(super) async fn approve(
        &self,
        actor: &Actor,
        id: RequestId,
        comment: CommentText,
        own_request: bool,
        override_checks: bool,
    ) -> Result<(TransitionRequest, Option<Vec<Version>>)> {
        require_named(actor)?;
        let Locked { mut w, m, req } = self.lock_open(actor, id, "approved").await?;
        let target = versions::get(w.conn(), &req.name, m.id, req.version).await?;
        may_decide(actor, &req, Some(&target.user_id), own_request)?;
        if req.approvals.iter().any(|a| a.approver == actor.name()) {
            return Ok((req, None));
        }
        let applies = req.approvals.len() as i64 + 1 >= req.approvals_needed;
        let policy = reviews::policy(w.conn(), m.id).await?;
        let backend = w.backend();
        let checks = evaluate(w.conn(), backend, m.id, &target, &policy.checks, self.now()).await?;
        let failed = failing(&checks);
        let overrides = override_checks && !failed.is_empty();
        let action = match (overrides, applies) {
            (true, _) => Action::ReviewOverride,
            (false, true) => Action::ReviewApply,
            (false, false) => Action::ReviewApprove,
        };
        let subject = Subject::ModelVersion(req.name.clone(), req.version);
        // Authorized first, so only an approver learns what the checks saw.
        w.authorize(action, subject).await?;
        if !failed.is_empty() && !overrides {
            return Err(refusal(&req, &failed));
        }
        let overridden: Vec<&str> = failed.iter().map(|r| r.name.as_str()).collect();
        check_bound(&mut w, &req, &target).await?;
        review_checks::replace_results(w.conn(), id, &checks).await?;
        let now = self.now();
        reviews::add_approval(w.conn(), id, actor.name(), now).await?;
        if !comment.is_blank() {
            reviews::add_comment(w.conn(), id, actor.name(), &comment, now).await?;
        }
        let approvals = reviews::approvals(w.conn(), id).await?;
        let mut after = json!({"request_id": id, "approvals": approvals, "status": "open",
                               "checks": checks, "overridden": overridden});
        let mut moved = None;
        if applies {
            let archived = self
                .move_stage(
                    &mut w,
                    &m,
                    &target,
                    req.to_stage,
                    req.archive_existing_versions,
                    Via::review(id),
                )
                .await?;
            // The model's production alias follows an applied promotion to Production.
            let mut alias = None;
            if req.to_stage == Stage::Production {
                if let Some(a) = policy.production_alias {
                    aliases::set(w.conn(), m.id, &a, req.version).await?;
                    let mv = holders::Move {
                        by: actor.name(),
                        at: now,
                        how: HowMoved::Review,
                        request_id: Some(id.get()),
                    };
                    holders::alias_moved(w.conn(), m.id, &a, Some(req.version), mv).await?;
                    alias = Some(a);
                }
            }
            reviews::decide(
                w.conn(),
                id,
                RequestStatus::Applied,
                actor.name(),
                None,
                now,
            )
            .await?;
            after = json!({"request_id": id, "approvals": approvals, "status": RequestStatus::Applied,
                           "stage": req.to_stage, "archived": archived, "alias": alias,
                           "checks": checks, "overridden": overridden});
            moved = Some(archived);
        }
        let req = load_one(w.conn(), id).await?;
        w.commit(
            json!({"approvals": approvals - 1, "status": "open", "stage": target.stage}),
            after,
        )
        .await?;
        Ok((req, moved))
    }

    /// Rejects an open request, with a reason (required). Who may: as for approving.
    pub async fn reject_transition_request(
        &self,
        actor: &Actor,
        id: RequestId,
        reason: CommentText,
    ) -> Result<TransitionRequest> {
        require_named(actor)?;
        if reason.is_blank() {
            return Err(Error::invalid(
                "Rejecting a transition request needs a reason: send it as 'comment'.",
            ));
        }
        let Locked { mut w, m, req } = self.lock_open(actor, id, "rejected").await?;
        // A request outlives a deleted version; anyone eligible may still reject it.
        let target = versions::load(w.conn(), &req.name, m.id, versions::Which::One(req.version))
            .await?
            .pop();
        may_decide(
            actor,
            &req,
            target.as_ref().map(|v| v.user_id.as_str()),
            false,
        )?;
        self.decide(
            w,
            req,
            RequestStatus::Rejected,
            Action::ReviewReject,
            actor.name(),
            Some(&reason),
        )
        .await
    }

    /// Cancels an open request: only its requester may.
    pub async fn cancel_transition_request(
        &self,
        actor: &Actor,
        id: RequestId,
        comment: CommentText,
    ) -> Result<TransitionRequest> {
        require_named(actor)?;
        let Locked { w, req, .. } = self.lock_open(actor, id, "cancelled").await?;
        if req.requested_by != actor.name() {
            return Err(Error::PermissionDenied(format!(
                "Only {}, who requested it, may cancel transition request {id}.",
                req.requested_by
            )));
        }
        let comment = (!comment.is_blank()).then_some(comment);
        self.decide(
            w,
            req,
            RequestStatus::Cancelled,
            Action::ReviewCancel,
            actor.name(),
            comment.as_ref(),
        )
        .await
    }

    /// Adds a comment to a request, open or decided.
    pub async fn comment_transition_request(
        &self,
        actor: &Actor,
        id: RequestId,
        body: CommentText,
    ) -> Result<TransitionRequest> {
        require_named(actor)?;
        if body.is_blank() {
            return Err(Error::invalid("A comment must not be empty."));
        }
        let mut w = self.begin(actor).await?;
        let req = load_one(w.conn(), id).await?;
        w.authorize(
            Action::ReviewComment,
            Subject::ModelVersion(req.name.clone(), req.version),
        )
        .await?;
        reviews::add_comment(w.conn(), id, actor.name(), &body, self.now()).await?;
        let req = load_one(w.conn(), id).await?;
        w.commit((), json!({"request_id": id, "comment": body}))
            .await?;
        Ok(req)
    }

    /// Opens the write of a decision on request `id`: locks its model, then its row, and
    /// reads it under both; a request no longer open is refused, naming its status.
    async fn lock_open<'a>(
        &'a self,
        actor: &'a Actor,
        id: RequestId,
        verb: &str,
    ) -> Result<Locked<'a>> {
        let mut w = self.begin(actor).await?;
        let (model_id, name) = reviews::model_of(w.conn(), id)
            .await?
            .ok_or_else(|| not_found(id))?;
        let m = models::lock(w.tx(), &name).await?;
        if m.id != model_id {
            return Err(Error::Unavailable(
                "the model was renamed while this request was decided; retry".into(),
            ));
        }
        let status = reviews::lock(w.conn(), id)
            .await?
            .ok_or_else(|| not_found(id))?;
        let req = load_one(w.conn(), id).await?;
        if !status.is_open() {
            return Err(decided(&req, status, verb));
        }
        Ok(Locked { w, m, req })
    }

    /// Ends a locked, open request with `status` (rejection or cancellation).
    async fn decide(
        &self,
        mut w: Write<'_>,
        req: TransitionRequest,
        status: RequestStatus,
        action: Action,
        by: &str,
        comment: Option<&CommentText>,
    ) -> Result<TransitionRequest> {
        w.authorize(action, Subject::ModelVersion(req.name.clone(), req.version))
            .await?;
        reviews::decide(w.conn(), req.id, status, by, comment, self.now()).await?;
        let after = load_one(w.conn(), req.id).await?;
        w.commit(
            json!({"request_id": req.id, "status": req.status}),
            json!({"request_id": req.id, "status": status, "comment": comment}),
        )
        .await?;
        Ok(after)
    }
}

/// Refuses when the version's source or artifact manifest differ from what the request
/// was bound to when it was opened.
async fn check_bound(
    w: &mut Write<'_>,
    req: &TransitionRequest,
    target: &ModelVersion,
) -> Result<()> {
    let now = artifact_digest(w.conn(), target).await?;
    if target.source != req.candidate_source || now != req.candidate_digest {
        return Err(Error::FailedPrecondition(format!(
            "Model version {}/{} no longer has the artifacts transition request {} was opened for (source or artifact digest differ); the request stays open, and cannot be applied. Cancel it and open a new one.",
            req.name, req.version, req.id
        )));
    }
    Ok(())
}

pub(super) async fn load_one(
    conn: &mut sqlx::AnyConnection,
    id: RequestId,
) -> Result<TransitionRequest> {
    reviews::get(conn, id).await?.ok_or_else(|| not_found(id))
}
