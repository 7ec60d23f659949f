//! Required checks in the review queue: evaluating a policy's checks on a request's
//! candidate inside the request's write transaction (so a check sees what the decision
//! commits against), the refusal a failing check gives an approval, and the admin's
//! approval that overrides failing checks.
//!
//! Checks run when a request opens (failing ones do not stop it opening: the request shows
//! them) and again at every approval, with the model's checks as they are then, so a
//! policy tightened while a request waits still holds. An approval is refused while any
//! check fails, unless an admin approves with the override flag; that approval's event is
//! `review.override` (whatever else it does: counting, or applying the move), naming the
//! failing checks. The results are stored on the request (`store::review_checks`) and are
//! part of the `after` of the open, approve, apply and override events.
use super::Registry;
use crate::error::{Error, Result};
use crate::experiment::ViewType;
use crate::external::RunRef;
use crate::model_version::ModelVersion;
use crate::names::{RunId, Stage};
use crate::review::checks::{CheckRule, RunSeen};
use crate::review::{CheckResult, CommentText, RequestId, RequiredCheck, TransitionRequest};
use crate::run::Run;
use crate::store::runs::{self, Needs, Scope};
use crate::store::{versions, Backend};
use crate::user::Actor;
use sqlx::AnyConnection;
use std::collections::HashMap;

impl Registry {
    /// Approves as `approve_transition_request` does. With `override_checks`, an approval
    /// goes ahead although required checks fail; that needs the admin role on the model
    /// and is audited as `review.override`. Where every check passes the flag changes
    /// nothing.
    pub async fn approve_transition_request_with(
        &self,
        actor: &Actor,
        id: RequestId,
        comment: CommentText,
        override_checks: bool,
    ) -> Result<TransitionRequest> {
        Ok(self
            .approve(actor, id, comment, false, override_checks)
            .await?
            .0)
    }
}

/// Evaluates `checks` on `target` (a version of the model with row id `model_id`) with
/// what `conn`'s transaction sees: the candidate's run and, for not-worse-than checks,
/// every other version now in Production and its run.
pub(super) async fn evaluate(
    conn: &mut AnyConnection,
    backend: Backend,
    model_id: i64,
    target: &ModelVersion,
    checks: &[RequiredCheck],
    now: crate::time::Millis,
) -> Result<Vec<CheckResult>> {
    if checks.is_empty() {
        return Ok(Vec::new());
    }
    let compares = checks
        .iter()
        .any(|c| matches!(c.rule, CheckRule::NotWorseThan { .. }));
    let mut holders = Vec::new();
    if compares {
        for (v, stage) in versions::stages(conn, model_id).await? {
            if stage == Stage::Production && v != target.version {
                holders.push(versions::get(conn, &target.name, model_id, v).await?);
            }
        }
        holders.sort_by_key(|h| h.version);
    }
    let ids: Vec<RunId> = std::iter::once(target)
        .chain(&holders)
        .filter_map(|v| v.run_id.as_ref().and_then(RunRef::tracked).cloned())
        .collect();
    let loaded = if ids.is_empty() {
        Vec::new()
    } else {
        runs::load(
            conn,
            backend,
            Scope::Ids(&ids),
            ViewType::All,
            &Needs::everything(),
        )
        .await?
    };
    let by_id: HashMap<&RunId, &Run> = loaded.iter().map(|r| (&r.info.run_id, r)).collect();
    let seen = |v: &ModelVersion| -> RunSeen<'_, Run> {
        match &v.run_id {
            None => RunSeen::Missing("the version has no run".into()),
            Some(RunRef::External(s)) => RunSeen::Missing(format!(
                "the version's run {s} is not tracked by this registry"
            )),
            Some(RunRef::Tracked(id)) => match by_id.get(id) {
                Some(r) => RunSeen::Run(r),
                None => RunSeen::Missing(format!("the version's run {id} does not exist")),
            },
        }
    };
    let candidate = seen(target);
    let production: Vec<_> = holders.iter().map(|h| (h.version, seen(h))).collect();
    Ok(checks
        .iter()
        .map(|c| c.evaluate(&candidate, &production, now))
        .collect())
}

/// The failing results, if any.
pub(super) fn failing(results: &[CheckResult]) -> Vec<&CheckResult> {
    results.iter().filter(|r| !r.passed).collect()
}

/// The refusal of an approval while checks fail: names each, with what it saw.
pub(super) fn refusal(req: &TransitionRequest, failed: &[&CheckResult]) -> Error {
    let list = failed
        .iter()
        .map(|r| r.describe())
        .collect::<Vec<_>>()
        .join("; ");
    let s = if failed.len() == 1 { "" } else { "s" };
    Error::FailedPrecondition(format!(
        "Transition request {} of {}/{} to {} cannot be approved: required check{s} failed: {list}. The request stays open; an admin may approve it with the override flag.",
        req.id, req.name, req.version, req.to_stage
    ))
}
