//! The review queue under load, on both databases: 32 clients race approvals, rejections,
//! cancellations and direct transitions on one model, round after round. Afterwards there
//! is exactly one Production version, the production alias points at it, every request
//! ended in exactly one state (applied, rejected or cancelled; none left open), each applied
//! request has exactly one `review.apply` event, and the audit chain verifies.
use crate::common::{a_run, gated, on_subject, registries, trail, user_with};
use pedigree_core::access::Role;
use pedigree_core::audit::{Action, AuditFilter, VerifyOutcome};
use pedigree_core::model_version::NewModelVersion;
use pedigree_core::names::*;
use pedigree_core::review::{CommentText, RequestStatus};
use pedigree_core::service::reviews::OpenRequest;
use pedigree_core::user::Actor;

const CLIENTS: usize = 32;
const ROUNDS: usize = 4;
const VERSIONS: i64 = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_clients_racing_decisions_leave_one_outcome_per_request() {
    for t in registries().await {
        let reg = gated(&t.reg);
        let carl = user_with(&reg, "carl", None).await;
        let mut approvers: Vec<Actor> = vec![];
        for i in 0..4 {
            approvers.push(user_with(&reg, &format!("appr{i}"), Some(Role::Approver)).await);
        }
        let name = ModelName::parse("raced").unwrap();
        reg.create_registered_model(&carl, name.clone(), String::new(), vec![])
            .await
            .unwrap();
        let run = a_run(&reg).await;
        for _ in 0..VERSIONS {
            reg.create_model_version(
                &carl,
                NewModelVersion {
                    name: name.clone(),
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
        let (mut applied, mut rejected, mut cancelled) = (0, 0, 0);
        for round in 0..ROUNDS {
            // Carl asks for every version not in Production.
            let mut ids = vec![];
            for n in 1..=VERSIONS {
                let v = Version::new(n).unwrap();
                if reg.get_model_version(&name, v).await.unwrap().stage == Stage::Production {
                    continue;
                }
                let req = reg
                    .open_transition_request(
                        &carl,
                        OpenRequest {
                            name: name.clone(),
                            version: v,
                            to_stage: Stage::Production,
                            archive_existing_versions: true,
                            comment: CommentText::parse("race").unwrap(),
                        },
                    )
                    .await
                    .unwrap();
                ids.push((req.id, v));
            }
            // 32 clients, each one decision on one request: approve, reject, cancel, or
            // (approvers) a direct transition of its version.
            let tasks = (0..CLIENTS).map(|c| {
                let reg = reg.clone();
                let (id, v) = ids[(c + round) % ids.len()];
                let approver = approvers[c % approvers.len()].clone();
                let (carl, name) = (carl.clone(), name.clone());
                tokio::spawn(async move {
                    let text = CommentText::parse("go").unwrap();
                    let _ = match c % 4 {
                        0 => reg
                            .approve_transition_request(&approver, id, text)
                            .await
                            .map(|_| ()),
                        1 => reg
                            .reject_transition_request(&approver, id, text)
                            .await
                            .map(|_| ()),
                        2 => reg
                            .cancel_transition_request(&carl, id, text)
                            .await
                            .map(|_| ()),
                        _ => reg
                            .transition_stage(&approver, &name, v, Stage::Production, true)
                            .await
                            .map(|_| ()),
                    };
                })
            });
            for task in futures::future::join_all(tasks).await {
                task.unwrap();
            }
            // Whatever is still open (a direct transition may have opened a new one) is
            // cancelled by its requester, so every request ends.
            for r in reg
                .list_transition_requests(Some(&name), None, Some(RequestStatus::Open))
                .await
                .unwrap()
            {
                let who = Actor::new(UserName::parse(r.requested_by.clone()).unwrap());
                reg.cancel_transition_request(&who, r.id, CommentText::default())
                    .await
                    .unwrap();
            }
        }
        let all = reg
            .list_transition_requests(Some(&name), None, None)
            .await
            .unwrap();
        for r in &all {
            match r.status {
                RequestStatus::Applied => applied += 1,
                RequestStatus::Rejected => rejected += 1,
                RequestStatus::Cancelled => cancelled += 1,
                s => panic!("request {} ended {s}", r.id),
            }
        }
        let production: Vec<Version> = reg
            .list_model_versions(&name)
            .await
            .unwrap()
            .into_iter()
            .filter(|v| v.stage == Stage::Production)
            .map(|v| v.version)
            .collect();
        assert!(applied >= 1, "{:?}: nothing applied", t.backend);
        assert_eq!(production.len(), 1, "{:?}: {production:?}", t.backend);
        let champion = AliasName::parse("champion").unwrap();
        assert_eq!(
            reg.resolve_alias(&name, &champion).await.unwrap(),
            production[0],
            "the alias follows the last applied promotion"
        );
        let applies: usize = futures::future::join_all((1..=VERSIONS).map(|n| {
            let reg = reg.clone();
            async move {
                trail(&reg, on_subject(&format!("model_version:raced/{n}")), 1000)
                    .await
                    .iter()
                    .filter(|e| matches!(e.action(), Ok(Action::ReviewApply)))
                    .count()
            }
        }))
        .await
        .into_iter()
        .sum();
        assert_eq!(
            applies, applied,
            "one review.apply event per applied request"
        );
        assert!(matches!(
            reg.verify_audit(&Actor::system()).await.unwrap(),
            VerifyOutcome::Ok { .. }
        ));
        let events = trail(&reg, AuditFilter::default(), 1).await[0].seq;
        println!(
            "{:?}: {} requests: {applied} applied, {rejected} rejected, {cancelled} cancelled; {events} events, chain verified",
            t.backend,
            all.len()
        );
    }
}
