//! Roles, teams and the review gate, on both databases: the role × action matrix (who may
//! request, approve, reject, cancel, comment, transition directly, demote and read, on a
//! model their team owns and on another team's), the gate on direct transitions (a
//! contributor's opens a request and is refused naming it; an eligible approver's is their
//! approval), and grants, teams and ownership audited as they change.
use crate::common::{a_run, gated, on_subject, registries, trail, user_with};
use pedigree_core::access::{Principal, Role, Scope, TeamName};
use pedigree_core::audit::Action;
use pedigree_core::model_version::NewModelVersion;
use pedigree_core::names::*;
use pedigree_core::review::{CommentText, RequestStatus, ReviewPolicy};
use pedigree_core::service::reviews::OpenRequest;
use pedigree_core::service::Registry;
use pedigree_core::user::Actor;
use pedigree_core::Error;

pub fn v(n: i64) -> Version {
    Version::new(n).unwrap()
}
pub fn text(s: &str) -> CommentText {
    CommentText::parse(s).unwrap()
}
pub fn team(s: &str) -> TeamName {
    TeamName::parse(s).unwrap()
}

/// The people of the matrix, on a gated registry: team `fraud-team` (carl, ada) owns
/// `fraud`; team `risk` (otto) owns `credit`; ada is approver on `fraud`, bea approver
/// everywhere, vera viewer everywhere, root an admin. Carl registered `fraud` v1 and v2.
pub struct World {
    pub reg: Registry,
    pub carl: Actor,
    pub ada: Actor,
    pub bea: Actor,
    pub otto: Actor,
    pub vera: Actor,
    pub root: Actor,
    pub fraud: ModelName,
}

pub async fn world(base: &Registry) -> World {
    let reg = gated(base);
    let sys = Actor::system();
    let carl = user_with(&reg, "carl", None).await;
    let ada = user_with(&reg, "ada", None).await;
    let bea = user_with(&reg, "bea", Some(Role::Approver)).await;
    let otto = user_with(&reg, "otto", None).await;
    let vera = user_with(&reg, "vera", Some(Role::Viewer)).await;
    reg.create_user(&sys, UserName::parse("root").unwrap(), String::new(), true)
        .await
        .unwrap();
    let root = Actor::new(UserName::parse("root").unwrap());
    let fraud = ModelName::parse("fraud").unwrap();
    let credit = ModelName::parse("credit").unwrap();
    reg.create_team(&root, team("fraud-team"), "fraud models".into())
        .await
        .unwrap();
    reg.create_team(&root, team("risk"), String::new())
        .await
        .unwrap();
    for (t, u) in [
        ("fraud-team", "carl"),
        ("fraud-team", "ada"),
        ("risk", "otto"),
    ] {
        reg.add_team_member(&root, &team(t), &UserName::parse(u).unwrap())
            .await
            .unwrap();
    }
    let run = a_run(&reg).await;
    for m in [&fraud, &credit] {
        reg.create_registered_model(&carl, m.clone(), String::new(), vec![])
            .await
            .unwrap();
    }
    for _ in 0..2 {
        reg.create_model_version(
            &carl,
            NewModelVersion {
                name: fraud.clone(),
                source: format!("runs:/{run}/model"),
                run_id: None,
                run_link: String::new(),
                logged_model_id: None,
                description: String::new(),
                tags: vec![],
            },
        )
        .await
        .unwrap();
    }
    reg.set_model_owner(&root, &fraud, Some(&team("fraud-team")))
        .await
        .unwrap();
    reg.set_model_owner(&root, &credit, Some(&team("risk")))
        .await
        .unwrap();
    reg.grant(
        &root,
        &Principal::User(ada.user.clone()),
        &Scope::Model(fraud.clone()),
        Role::Approver,
    )
    .await
    .unwrap();
    World {
        reg,
        carl,
        ada,
        bea,
        otto,
        vera,
        root,
        fraud,
    }
}

pub fn request(name: &ModelName, version: Version) -> OpenRequest {
    OpenRequest {
        name: name.clone(),
        version,
        to_stage: Stage::Production,
        archive_existing_versions: false,
        comment: text("ship it"),
    }
}

pub fn denied<T: std::fmt::Debug>(r: pedigree_core::Result<T>) -> String {
    match r {
        Err(Error::PermissionDenied(m)) => m,
        other => panic!("expected PermissionDenied, got {other:?}"),
    }
}

pub async fn stage(reg: &Registry, name: &ModelName, version: Version) -> Stage {
    reg.get_model_version(name, version).await.unwrap().stage
}

#[tokio::test]
async fn the_role_by_action_matrix() {
    for t in registries().await {
        let w = world(&t.reg).await;
        let (reg, f) = (&w.reg, &w.fraud);
        // Roles as the registry computes them.
        let roles = [
            (&w.carl, Some(Role::Contributor)),
            (&w.ada, Some(Role::Approver)),
            (&w.bea, Some(Role::Approver)),
            (&w.otto, None),
            (&w.vera, Some(Role::Viewer)),
            (&w.root, Some(Role::Admin)),
            (&Actor::anonymous(), None),
        ];
        for (who, role) in roles {
            assert_eq!(
                reg.role_of(who, Some(f)).await.unwrap(),
                role,
                "{}",
                who.name()
            );
        }
        // Read another team's model: otto may not, vera (viewer everywhere) may.
        assert!(denied(reg.may_read(&w.otto, Some(f)).await).contains("otto has no role"));
        reg.may_read(&w.vera, Some(f)).await.unwrap();
        // Request: a viewer and an outsider may not; a member may.
        for who in [&w.vera, &w.otto] {
            let m = denied(reg.open_transition_request(who, request(f, v(1))).await);
            assert!(m.contains("needs contributor"), "{m}");
        }
        let req = reg
            .open_transition_request(&w.carl, request(f, v(1)))
            .await
            .unwrap();
        // Comment: members, approvers; not outsiders.
        reg.comment_transition_request(&w.ada, req.id, text("looking"))
            .await
            .unwrap();
        denied(
            reg.comment_transition_request(&w.otto, req.id, text("hi"))
                .await,
        );
        // Approve own (requester and registrant carl), as viewer, as an outsider: no.
        let m = denied(
            reg.approve_transition_request(&w.carl, req.id, text(""))
                .await,
        );
        assert!(m.contains("Four eyes"), "{m}");
        for who in [&w.vera, &w.otto] {
            let m = denied(reg.approve_transition_request(who, req.id, text("")).await);
            assert!(m.contains("needs approver"), "{}: {m}", who.name());
        }
        // Reject: approvers only.
        denied(
            reg.reject_transition_request(&w.vera, req.id, text("no"))
                .await,
        );
        // Cancel: only the requester.
        denied(
            reg.cancel_transition_request(&w.ada, req.id, text(""))
                .await,
        );
        assert_eq!(stage(reg, f, v(1)).await, Stage::None);
        // Approve another's, as an approver on the model: applies.
        let done = reg
            .approve_transition_request(&w.ada, req.id, text("lgtm"))
            .await
            .unwrap();
        assert_eq!(done.status, RequestStatus::Applied);
        assert_eq!(stage(reg, f, v(1)).await, Stage::Production);
        // Demote: approvers only; a contributor is refused and nothing moves.
        let m = denied(
            reg.transition_stage(&w.carl, f, v(1), Stage::Archived, false)
                .await,
        );
        assert!(m.contains("needs approver"), "{m}");
        assert_eq!(stage(reg, f, v(1)).await, Stage::Production);
        reg.transition_stage(&w.bea, f, v(1), Stage::Archived, false)
            .await
            .unwrap();
        // Reject and cancel, each by who may.
        let r2 = reg
            .open_transition_request(&w.carl, request(f, v(2)))
            .await
            .unwrap();
        let rejected = reg
            .reject_transition_request(&w.root, r2.id, text("not yet"))
            .await
            .unwrap();
        assert_eq!(rejected.status, RequestStatus::Rejected);
        let r3 = reg
            .open_transition_request(&w.carl, request(f, v(2)))
            .await
            .unwrap();
        let cancelled = reg
            .cancel_transition_request(&w.carl, r3.id, text(""))
            .await
            .unwrap();
        assert_eq!(cancelled.status, RequestStatus::Cancelled);
        // Anonymous requests may not open requests nor approve.
        denied(
            reg.open_transition_request(&Actor::anonymous(), request(f, v(2)))
                .await,
        );
        // Admin-only changes.
        let m = denied(
            reg.grant(
                &w.ada,
                &Principal::User(w.otto.user.clone()),
                &Scope::Global,
                Role::Admin,
            )
            .await,
        );
        assert!(m.contains("needs admin"), "{m}");
        denied(
            reg.set_review_policy(&w.ada, f, ReviewPolicy::default())
                .await,
        );
        assert!(matches!(
            reg.verify_audit(&Actor::system()).await.unwrap(),
            pedigree_core::audit::VerifyOutcome::Ok { .. }
        ));
    }
}

#[tokio::test]
async fn a_direct_transition_is_a_request_for_contributors_and_an_approval_for_approvers() {
    for t in registries().await {
        let w = world(&t.reg).await;
        let (reg, f) = (&w.reg, &w.fraud);
        // The contributor's call opens a request, names it, and moves nothing.
        let m = denied(
            reg.transition_stage(&w.carl, f, v(1), Stage::Production, false)
                .await,
        );
        let open = reg
            .list_transition_requests(Some(f), Some(v(1)), None)
            .await
            .unwrap();
        assert_eq!(open.len(), 1, "{open:?}");
        let id = open[0].id;
        assert!(m.contains(&format!("transition request {id}")), "{m}");
        assert!(m.contains("transition-requests/approve"), "{m}");
        assert_eq!(open[0].requested_by, "carl");
        assert_eq!(stage(reg, f, v(1)).await, Stage::None);
        // Calling again finds the same request.
        let again = denied(
            reg.transition_stage(&w.carl, f, v(1), Stage::Production, false)
                .await,
        );
        assert!(again.contains(&format!("transition request {id}")));
        assert_eq!(
            reg.list_transition_requests(Some(f), Some(v(1)), None)
                .await
                .unwrap()
                .len(),
            1
        );
        // Staging is not gated: the contributor moves it directly.
        reg.transition_stage(&w.carl, f, v(2), Stage::Staging, false)
            .await
            .unwrap();
        // The approver's direct call is their approval of the open request: it applies.
        let moved = reg
            .transition_stage(&w.ada, f, v(1), Stage::Production, false)
            .await
            .unwrap();
        assert_eq!(moved.version.stage, Stage::Production);
        let req = reg.get_transition_request(id).await.unwrap();
        assert_eq!(req.status, RequestStatus::Applied);
        assert_eq!(req.approvals[0].approver, "ada");
        // The production alias followed the applied promotion.
        let champion = AliasName::parse("champion").unwrap();
        assert_eq!(reg.resolve_alias(f, &champion).await.unwrap(), v(1));
        // Two approvals needed: the first approver's call counts, the second applies.
        reg.set_review_policy(
            &w.root,
            f,
            ReviewPolicy::new(vec![Stage::Production], 2).unwrap(),
        )
        .await
        .unwrap();
        let m = denied(
            reg.transition_stage(&w.ada, f, v(2), Stage::Production, false)
                .await,
        );
        assert!(m.contains("(1 of 2)"), "{m}");
        assert_eq!(stage(reg, f, v(2)).await, Stage::Staging);
        let moved = reg
            .transition_stage(&w.bea, f, v(2), Stage::Production, true)
            .await
            .unwrap();
        assert_eq!(moved.version.stage, Stage::Production);
        // Single Production: v1 was archived by the apply.
        assert_eq!(stage(reg, f, v(1)).await, Stage::Archived);
        assert_eq!(reg.resolve_alias(f, &champion).await.unwrap(), v(2));
        // An approver who registered the version: their call is a request, not an approval.
        let own = reg
            .create_model_version(
                &w.ada,
                NewModelVersion {
                    name: f.clone(),
                    source: reg.get_model_version(f, v(1)).await.unwrap().source,
                    run_id: None,
                    run_link: String::new(),
                    logged_model_id: None,
                    description: String::new(),
                    tags: vec![],
                },
            )
            .await
            .unwrap();
        let m = denied(
            reg.transition_stage(&w.ada, f, own.version, Stage::Production, false)
                .await,
        );
        assert!(m.contains("ada registered this version"), "{m}");
        assert_eq!(stage(reg, f, own.version).await, Stage::None);
        // Anonymous: told to authenticate.
        let m = denied(
            reg.transition_stage(
                &Actor::anonymous(),
                f,
                own.version,
                Stage::Production,
                false,
            )
            .await,
        );
        assert!(m.contains("API token"), "{m}");
        // Every step was audited and the chain holds.
        let actions: Vec<Action> = trail(reg, on_subject("model_version:fraud/1"), 100)
            .await
            .iter()
            .map(|e| e.action().unwrap())
            .collect();
        assert!(actions.contains(&Action::ReviewOpen) && actions.contains(&Action::ReviewApply));
        assert!(matches!(
            reg.verify_audit(&Actor::system()).await.unwrap(),
            pedigree_core::audit::VerifyOutcome::Ok { .. }
        ));
    }
}

#[tokio::test]
async fn teams_grants_and_ownership_change_only_by_admins_and_are_audited() {
    for t in registries().await {
        let w = world(&t.reg).await;
        let reg = &w.reg;
        let teams = reg.teams().await.unwrap();
        let fraud_team = teams
            .iter()
            .find(|t| t.name.as_str() == "fraud-team")
            .unwrap();
        let members: Vec<&str> = fraud_team.members.iter().map(|m| m.as_str()).collect();
        assert_eq!(members, ["ada", "carl"]);
        // Granting again replaces; revoking removes; a missing grant is "not found".
        let otto = Principal::User(w.otto.user.clone());
        let scope = Scope::Model(w.fraud.clone());
        reg.grant(&w.root, &otto, &scope, Role::Viewer)
            .await
            .unwrap();
        assert_eq!(
            reg.role_of(&w.otto, Some(&w.fraud)).await.unwrap(),
            Some(Role::Viewer)
        );
        reg.grant(&w.root, &otto, &scope, Role::Approver)
            .await
            .unwrap();
        assert_eq!(
            reg.role_of(&w.otto, Some(&w.fraud)).await.unwrap(),
            Some(Role::Approver)
        );
        let on_fraud: Vec<_> = reg
            .grants(Some(&w.fraud))
            .await
            .unwrap()
            .into_iter()
            .filter(|g| g.principal == otto)
            .collect();
        assert_eq!(on_fraud.len(), 1, "one grant per principal and scope");
        reg.revoke_grant(&w.root, &otto, &scope).await.unwrap();
        assert_eq!(reg.role_of(&w.otto, Some(&w.fraud)).await.unwrap(), None);
        assert!(matches!(
            reg.revoke_grant(&w.root, &otto, &scope).await,
            Err(Error::NotFound { .. })
        ));
        // A team grant reaches its members; leaving the team takes it away.
        reg.grant(
            &w.root,
            &Principal::Team(team("risk")),
            &scope,
            Role::Contributor,
        )
        .await
        .unwrap();
        assert_eq!(
            reg.role_of(&w.otto, Some(&w.fraud)).await.unwrap(),
            Some(Role::Contributor)
        );
        reg.remove_team_member(&w.root, &team("risk"), &w.otto.user)
            .await
            .unwrap();
        assert_eq!(reg.role_of(&w.otto, Some(&w.fraud)).await.unwrap(), None);
        // Clearing the owner opens the model to the base role again.
        denied(reg.set_model_owner(&w.carl, &w.fraud, None).await);
        reg.set_model_owner(&w.root, &w.fraud, None).await.unwrap();
        assert_eq!(
            reg.role_of(&w.otto, Some(&w.fraud)).await.unwrap(),
            Some(Role::Contributor)
        );
        let events = trail(reg, on_subject("user:otto"), 100).await;
        let actions: Vec<&str> = events.iter().rev().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            ["user.create", "grant.set", "grant.set", "grant.revoke"]
        );
        let team_events = trail(reg, on_subject("team:risk"), 100).await;
        assert!(team_events.iter().any(|e| e.action == "team.remove_member"));
        assert!(team_events.iter().all(|e| e.actor == "root"));
    }
}
