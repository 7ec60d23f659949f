//! The review gate on direct stage transitions (MLflow's `transition-stage`, and anything
//! else that calls `transition_stage`): moving a version into one of its model's gated
//! stages (default: Production) is a transition request, not a move.
//!
//! - A contributor (or an approver who registered the version) opens the request, or
//!   finds the one already open, and is refused with `PermissionDenied` naming it and
//!   saying how it is reviewed. The version keeps its stage.
//! - An eligible approver's direct transition is their approval: it applies at once where
//!   the policy needs one approval; otherwise it is counted, and the refusal says how many
//!   more are needed.
//!
//! Opening and approving are separate audited writes (each is one transaction with one
//! event), so racing decisions still end each request in exactly one state.
use super::reviews::OpenRequest;
use super::Registry;
use crate::access::Role;
use crate::error::{Error, Result};
use crate::model_version::ModelVersion;
use crate::model_version::Transition;
use crate::names::Stage;
use crate::review::{CommentText, RequestStatus, TransitionRequest};
use crate::user::Actor;

impl Registry {
    /// A transition of `target` into gated stage `to` by an actor holding `role` on its
    /// model (both read under the model's lock, which the caller has since let go).
    pub(super) async fn gated_transition(
        &self,
        actor: &Actor,
        role: Option<Role>,
        target: &ModelVersion,
        to: Stage,
        archive_existing: bool,
    ) -> Result<Transition> {
        let (name, version) = (&target.name, target.version);
        if actor.is_anonymous() {
            return Err(Error::PermissionDenied(format!(
                "Moving {name}/{version} to {to} needs a reviewed transition request, and an anonymous request cannot open one: send an API token (MLFLOW_TRACKING_TOKEN) or sign in."
            )));
        }
        let registrant = target.user_id == actor.name();
        let eligible = role >= Some(Role::Approver) && !registrant;
        let comment = if eligible {
            "Direct stage transition by an approver"
        } else {
            "Requested by a direct stage transition"
        };
        let req = self
            .open_transition_request(
                actor,
                OpenRequest {
                    name: name.clone(),
                    version,
                    to_stage: to,
                    archive_existing_versions: archive_existing,
                    comment: CommentText::parse(comment)?,
                },
            )
            .await?;
        if !eligible {
            let why = if registrant && role >= Some(Role::Approver) {
                format!(
                    " {} registered this version, so another approver must approve it.",
                    actor.name()
                )
            } else {
                String::new()
            };
            return Err(Error::PermissionDenied(format!(
                "Moving {name}/{version} to {to} needs review: {}.{why} {}",
                describe(&req),
                how_to_review(&req)
            )));
        }
        let own = req.requested_by == actor.name();
        let (req, archived) = self
            .approve(actor, req.id, CommentText::default(), own, false)
            .await?;
        match archived {
            Some(archived) if req.status == RequestStatus::Applied => Ok(Transition {
                version: self.get_model_version(name, version).await?,
                archived,
            }),
            _ => Err(Error::PermissionDenied(format!(
                "Moving {name}/{version} to {to} needs {} approvals; {} approval of transition request {} is counted ({} of {}). {}",
                req.approvals_needed,
                actor.name(),
                req.id,
                req.approvals.len(),
                req.approvals_needed,
                how_to_review(&req)
            ))),
        }
    }
}

fn describe(req: &TransitionRequest) -> String {
    let left = req.approvals_needed - req.approvals.len() as i64;
    format!(
        "transition request {} (opened by {}) is open, awaiting {left} approval{} from an approver who is neither its requester nor the version's registrant",
        req.id,
        req.requested_by,
        if left == 1 { "" } else { "s" }
    )
}

fn how_to_review(req: &TransitionRequest) -> String {
    format!(
        "Approvers find it with GET /api/2.0/mlflow/transition-requests/list?name={}&version={} and approve it with POST /api/2.0/mlflow/transition-requests/approve {{\"name\": \"{}\", \"version\": \"{}\", \"stage\": \"{}\"}}.",
        req.name, req.version, req.name, req.version, req.to_stage
    )
}
