//! The review queue, on both databases: the last approval applies the transition with its
//! audit events, four eyes keeps requesters and registrants from approving, approvals
//! count distinct approvers, rejection and cancellation end a request, a changed artifact
//! set blocks the apply, and concurrent decisions have exactly one outcome.
use crate::common::{
    a_model, a_run, a_version, alice, bob, on_subject, raw, registries, trail, user_with,
    TestRegistry,
};
use pedigree_core::access::Role;
use pedigree_core::audit::Action;
use pedigree_core::names::*;
use pedigree_core::review::{CommentText, RequestStatus, ReviewPolicy, TransitionRequest};
use pedigree_core::service::reviews::OpenRequest;
use pedigree_core::service::Registry;
use pedigree_core::user::Actor;
use pedigree_core::Error;

fn actor(name: &str) -> Actor {
    Actor::new(UserName::parse(name).unwrap())
}
fn carol() -> Actor {
    actor("carol")
}
fn dave() -> Actor {
    actor("dave")
}
fn text(s: &str) -> CommentText {
    CommentText::parse(s).unwrap()
}
fn v1() -> Version {
    Version::new(1).unwrap()
}

/// A model `name` with version 1 registered by alice from a run's `model` directory;
/// answers the run. Carol and dave are approvers; alice and bob contributors.
async fn registered(reg: &Registry, name: &ModelName) -> RunId {
    for approver in ["carol", "dave"] {
        user_with(reg, approver, Some(Role::Approver)).await;
    }
    let run = a_run(reg).await;
    a_model(reg, name).await;
    a_version(reg, name, &run).await;
    run
}

async fn open(reg: &Registry, by: &Actor, name: &ModelName, to: Stage) -> TransitionRequest {
    reg.open_transition_request(
        by,
        OpenRequest {
            name: name.clone(),
            version: v1(),
            to_stage: to,
            archive_existing_versions: false,
            comment: text("ship it"),
        },
    )
    .await
    .unwrap()
}

async fn stage(reg: &Registry, name: &ModelName) -> Stage {
    reg.get_model_version(name, v1()).await.unwrap().stage
}

/// The actions of the events on `name`'s version 1, oldest first.
async fn version_actions(reg: &Registry, name: &ModelName) -> Vec<Action> {
    let mut events = trail(reg, on_subject(&format!("model_version:{name}/1")), 100).await;
    events.reverse();
    events.iter().map(|e| e.action().unwrap()).collect()
}

#[tokio::test]
async fn the_last_approval_applies_the_transition_with_its_audit_events() {
    for t in registries().await {
        let reg = &t.reg;
        let name = ModelName::parse("fraud").unwrap();
        registered(reg, &name).await;
        let req = open(reg, &bob(), &name, Stage::Production).await;
        assert_eq!(req.status, RequestStatus::Open);
        assert_eq!(req.requested_by, "bob");
        assert_eq!(req.approvals_needed, 1);
        assert!(req.candidate_digest.is_some(), "an owned version is bound");
        // Opening again answers the open request.
        let again = open(reg, &carol(), &name, Stage::Production).await;
        assert_eq!(again.id, req.id);
        let done = reg
            .approve_transition_request(&carol(), req.id, text("lgtm"))
            .await
            .unwrap();
        assert_eq!(done.status, RequestStatus::Applied, "{:?}", t.backend);
        assert_eq!(done.decided_by.as_deref(), Some("carol"));
        assert_eq!(done.approvals.len(), 1);
        assert_eq!(done.comments.len(), 1);
        assert_eq!(stage(reg, &name).await, Stage::Production);
        assert_eq!(
            version_actions(reg, &name).await,
            vec![
                Action::ModelVersionCreate,
                Action::ReviewOpen,
                Action::ReviewApply
            ]
        );
        let listed = reg
            .list_transition_requests(Some(&name), Some(v1()), Some(RequestStatus::Applied))
            .await
            .unwrap();
        assert_eq!(listed, vec![done.clone()]);
        assert_eq!(reg.get_transition_request(req.id).await.unwrap(), done);
        assert!(reg
            .list_transition_requests(Some(&name), None, Some(RequestStatus::Open))
            .await
            .unwrap()
            .is_empty());
        // A decided request says so.
        let late = reg
            .approve_transition_request(&dave(), req.id, text(""))
            .await;
        assert!(
            matches!(&late, Err(Error::FailedPrecondition(m)) if m.contains("already applied")),
            "{late:?}"
        );
        assert!(matches!(
            reg.verify_audit(&alice()).await.unwrap(),
            pedigree_core::audit::VerifyOutcome::Ok { .. }
        ));
    }
}

#[tokio::test]
async fn requesters_registrants_and_anonymous_cannot_approve() {
    for t in registries().await {
        let reg = &t.reg;
        let name = ModelName::parse("eyes").unwrap();
        registered(reg, &name).await;
        let req = open(reg, &bob(), &name, Stage::Production).await;
        let events = reg.audit_count(&alice()).await.unwrap();
        for who in [bob(), alice(), actor("anonymous")] {
            let r = reg.approve_transition_request(&who, req.id, text("")).await;
            assert!(
                matches!(&r, Err(Error::PermissionDenied(_))),
                "{who:?}: {r:?}"
            );
            let r = reg
                .reject_transition_request(&who, req.id, text("no"))
                .await;
            assert!(
                matches!(&r, Err(Error::PermissionDenied(_))),
                "{who:?}: {r:?}"
            );
        }
        assert_eq!(reg.audit_count(&alice()).await.unwrap(), events);
        let now = reg.get_transition_request(req.id).await.unwrap();
        assert_eq!(now, req, "nothing changed");
        assert_eq!(stage(reg, &name).await, Stage::None);
        // Anonymous cannot open one either.
        let anon = reg
            .open_transition_request(
                &actor("anonymous"),
                OpenRequest {
                    name: name.clone(),
                    version: v1(),
                    to_stage: Stage::Staging,
                    archive_existing_versions: false,
                    comment: text(""),
                },
            )
            .await;
        assert!(matches!(anon, Err(Error::PermissionDenied(_))));
    }
}

#[tokio::test]
async fn two_approvals_count_distinct_approvers() {
    for t in registries().await {
        let reg = &t.reg;
        let name = ModelName::parse("two").unwrap();
        registered(reg, &name).await;
        let policy = ReviewPolicy::new(vec![Stage::Production], 2).unwrap();
        reg.set_review_policy(&Actor::system(), &name, policy.clone())
            .await
            .unwrap();
        assert_eq!(reg.review_policy(&name).await.unwrap(), policy);
        let req = open(reg, &bob(), &name, Stage::Production).await;
        assert_eq!(req.approvals_needed, 2);
        let one = reg
            .approve_transition_request(&carol(), req.id, text(""))
            .await
            .unwrap();
        assert_eq!(one.status, RequestStatus::Open);
        assert_eq!(one.approvals.len(), 1);
        // Carol again: she counts once.
        let same = reg
            .approve_transition_request(&carol(), req.id, text(""))
            .await
            .unwrap();
        assert_eq!(same, one);
        assert_eq!(stage(reg, &name).await, Stage::None);
        let two = reg
            .approve_transition_request(&dave(), req.id, text(""))
            .await
            .unwrap();
        assert_eq!(two.status, RequestStatus::Applied);
        assert_eq!(two.approvals.len(), 2);
        assert_eq!(stage(reg, &name).await, Stage::Production);
        let actions = version_actions(reg, &name).await;
        assert_eq!(
            actions[1..],
            [
                Action::ReviewOpen,
                Action::ReviewApprove,
                Action::ReviewApply
            ]
        );
    }
}

#[tokio::test]
async fn reject_and_cancel_end_a_request() {
    for t in registries().await {
        let reg = &t.reg;
        let name = ModelName::parse("ends").unwrap();
        registered(reg, &name).await;
        let req = open(reg, &bob(), &name, Stage::Production).await;
        let no_reason = reg
            .reject_transition_request(&carol(), req.id, text("  "))
            .await;
        assert!(matches!(no_reason, Err(Error::InvalidArgument(_))));
        let rejected = reg
            .reject_transition_request(&carol(), req.id, text("metrics regressed"))
            .await
            .unwrap();
        assert_eq!(rejected.status, RequestStatus::Rejected);
        assert_eq!(
            rejected.decision_comment.as_deref(),
            Some("metrics regressed")
        );
        let late = reg
            .approve_transition_request(&dave(), req.id, text(""))
            .await;
        assert!(matches!(late, Err(Error::FailedPrecondition(_))));
        // A decided request leaves room for a new one; only its requester may cancel it.
        let second = open(reg, &bob(), &name, Stage::Production).await;
        assert_ne!(second.id, req.id);
        let r = reg
            .cancel_transition_request(&carol(), second.id, text(""))
            .await;
        assert!(matches!(r, Err(Error::PermissionDenied(_))), "{r:?}");
        reg.comment_transition_request(&carol(), second.id, text("why now?"))
            .await
            .unwrap();
        let cancelled = reg
            .cancel_transition_request(&bob(), second.id, text("not yet"))
            .await
            .unwrap();
        assert_eq!(cancelled.status, RequestStatus::Cancelled);
        assert_eq!(cancelled.comments.len(), 1);
        assert_eq!(stage(reg, &name).await, Stage::None);
        let actions = version_actions(reg, &name).await;
        assert_eq!(
            actions[1..],
            [
                Action::ReviewOpen,
                Action::ReviewReject,
                Action::ReviewOpen,
                Action::ReviewComment,
                Action::ReviewCancel
            ]
        );
    }
}

#[tokio::test]
async fn a_changed_artifact_set_blocks_the_apply() {
    for t in registries().await {
        let reg = &t.reg;
        let name = ModelName::parse("tampered").unwrap();
        let run = registered(reg, &name).await;
        let req = open(reg, &bob(), &name, Stage::Production).await;
        let digest = "ab".repeat(32);
        raw(
            &t,
            &format!("INSERT INTO blobs (digest, size, created_at) VALUES ('{digest}', 1, 0)"),
        )
        .await
        .unwrap();
        // Around the freeze (straight into the table): what a broken or bypassed guard leaves.
        raw(
            &t,
            &format!(
                "INSERT INTO artifacts (path, digest, size, created_at) \
                 VALUES ('0/{run}/artifacts/model/extra.bin', '{digest}', 1, 0)"
            ),
        )
        .await
        .unwrap();
        let events = reg.audit_count(&alice()).await.unwrap();
        let r = reg
            .approve_transition_request(&carol(), req.id, text(""))
            .await;
        assert!(
            matches!(&r, Err(Error::FailedPrecondition(m)) if m.contains("artifact digest")),
            "{r:?}"
        );
        assert_eq!(reg.get_transition_request(req.id).await.unwrap(), req);
        assert_eq!(stage(reg, &name).await, Stage::None);
        assert_eq!(reg.audit_count(&alice()).await.unwrap(), events);
    }
}

/// Runs `a` and `b` at once; answers which succeeded.
async fn race(
    t: &TestRegistry,
    name: &ModelName,
    a: (Actor, bool),
    b: (Actor, bool),
) -> (bool, bool, TransitionRequest) {
    let reg = &t.reg;
    let req = open(reg, &bob(), name, Stage::Production).await;
    let go = |(who, cancel): (Actor, bool)| {
        let reg = reg.clone();
        let id = req.id;
        tokio::spawn(async move {
            if cancel {
                reg.cancel_transition_request(&who, id, text("")).await
            } else {
                reg.approve_transition_request(&who, id, text("")).await
            }
        })
    };
    let (ra, rb) = (go(a), go(b));
    let (ra, rb) = (ra.await.unwrap(), rb.await.unwrap());
    for r in [&ra, &rb] {
        if let Err(e) = r {
            assert!(
                matches!(e, Error::FailedPrecondition(m) if m.contains("already")),
                "{e:?}"
            );
        }
    }
    let after = reg.get_transition_request(req.id).await.unwrap();
    (ra.is_ok(), rb.is_ok(), after)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_decisions_have_exactly_one_outcome() {
    for t in registries().await {
        let reg = &t.reg;
        let name = ModelName::parse("race").unwrap();
        registered(reg, &name).await;
        for round in 0..6 {
            // Approve against cancel.
            let (a, c, after) = race(&t, &name, (carol(), false), (bob(), true)).await;
            assert!(a ^ c, "round {round}: exactly one of approve/cancel wins");
            let applied = after.status == RequestStatus::Applied;
            assert_eq!(applied, a);
            assert_eq!(after.status == RequestStatus::Cancelled, c);
            assert_eq!(stage(reg, &name).await == Stage::Production, applied);
            if applied {
                reg.transition_stage(&alice(), &name, v1(), Stage::None, false)
                    .await
                    .unwrap();
            }
            // Two approvals where one is needed.
            let (x, y, after) = race(&t, &name, (carol(), false), (dave(), false)).await;
            assert!(x ^ y, "round {round}: exactly one approval applies");
            assert_eq!(after.status, RequestStatus::Applied);
            assert_eq!(after.approvals.len(), 1);
            assert_eq!(stage(reg, &name).await, Stage::Production);
            reg.transition_stage(&alice(), &name, v1(), Stage::None, false)
                .await
                .unwrap();
        }
        let applies = version_actions(reg, &name)
            .await
            .into_iter()
            .filter(|a| *a == Action::ReviewApply)
            .count();
        assert!(applies >= 6, "{applies}");
    }
}
