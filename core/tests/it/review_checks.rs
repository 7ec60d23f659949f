//! Required checks on transition requests, on both databases: filter checks and
//! not-worse-than checks are evaluated when a request opens and again when it is approved,
//! stored on the request with what they saw and recorded in the audit events; a failing
//! check refuses an approval (the request stays open) unless an admin overrides it, which
//! is audited as `review.override`.
use crate::common::{
    a_model, a_run, a_version, alice, bob, metric, on_subject, registries, trail, user_with,
};
use pedigree_core::access::Role;
use pedigree_core::audit::{Action, AuditEvent};
use pedigree_core::names::*;
use pedigree_core::review::checks::{Direction, Seen};
use pedigree_core::review::{
    CheckResult, CommentText, RequestStatus, RequiredCheck, ReviewPolicy, TransitionRequest,
};
use pedigree_core::service::reviews::OpenRequest;
use pedigree_core::service::Registry;
use pedigree_core::user::Actor;
use pedigree_core::Error;

fn text(s: &str) -> CommentText {
    CommentText::parse(s).unwrap()
}
fn v(n: i64) -> Version {
    Version::new(n).unwrap()
}

/// Carol is an approver and erin an admin; alice registers, bob requests.
async fn people(reg: &Registry) -> (Actor, Actor) {
    let carol = user_with(reg, "carol", Some(Role::Approver)).await;
    let erin = user_with(reg, "erin", Some(Role::Admin)).await;
    (carol, erin)
}

/// A new version of `name` from a fresh run that has logged `metrics` and `params`.
async fn version_with(
    reg: &Registry,
    name: &ModelName,
    metrics: &[(&str, f64)],
    params: &[(&str, &str)],
) -> (Version, RunId) {
    let run = a_run(reg).await;
    log(reg, &run, metrics, params).await;
    (a_version(reg, name, &run).await.version, run)
}

async fn log(reg: &Registry, run: &RunId, metrics: &[(&str, f64)], params: &[(&str, &str)]) {
    let ms: Vec<_> = metrics.iter().map(|(k, x)| metric(k, *x, 0)).collect();
    let ps: Vec<_> = params
        .iter()
        .map(|(k, x)| Tag::parse(*k, *x).unwrap())
        .collect();
    reg.log_batch(&alice(), run, &ms, &ps, &[]).await.unwrap();
}

async fn set_checks(reg: &Registry, name: &ModelName, checks: Vec<RequiredCheck>) {
    let policy = ReviewPolicy::default().with_checks(checks).unwrap();
    let set = reg
        .set_review_policy(&Actor::system(), name, policy.clone())
        .await
        .unwrap();
    assert_eq!(set, policy);
    assert_eq!(reg.review_policy(name).await.unwrap(), policy);
}

async fn open(reg: &Registry, name: &ModelName, version: Version) -> TransitionRequest {
    reg.open_transition_request(
        &bob(),
        OpenRequest {
            name: name.clone(),
            version,
            to_stage: Stage::Production,
            archive_existing_versions: false,
            comment: text("ship it"),
        },
    )
    .await
    .unwrap()
}

fn check<'a>(req: &'a TransitionRequest, name: &str) -> &'a CheckResult {
    req.checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name} on {req:?}"))
}

/// The events on `name`'s version `version`, oldest first.
async fn events(reg: &Registry, name: &ModelName, version: Version) -> Vec<AuditEvent> {
    let mut es = trail(
        reg,
        on_subject(&format!("model_version:{name}/{version}")),
        100,
    )
    .await;
    es.reverse();
    es
}

fn after(e: &AuditEvent) -> serde_json::Value {
    serde_json::from_str(&e.after).unwrap()
}

#[tokio::test]
async fn filter_checks_pass_or_fail_with_the_values_they_saw() {
    for t in registries().await {
        let reg = &t.reg;
        people(reg).await;
        let name = ModelName::parse("fraud").unwrap();
        a_model(reg, &name).await;
        set_checks(
            reg,
            &name,
            vec![
                RequiredCheck::filter(
                    "quality",
                    "metrics.auc >= 0.9 AND params.dataset = 'transactions-2026q3'",
                )
                .unwrap(),
                RequiredCheck::filter("excellent", "metrics.auc >= 0.99").unwrap(),
            ],
        )
        .await;
        let (ver, run) = version_with(
            reg,
            &name,
            &[("auc", 0.93)],
            &[("dataset", "transactions-2026q3")],
        )
        .await;
        let req = open(reg, &name, ver).await;
        assert_eq!(req.checks.len(), 2, "{:?}", t.backend);
        let quality = check(&req, "quality");
        assert!(quality.passed, "{quality:?}");
        assert_eq!(quality.values.run_id.as_deref(), Some(run.as_str()));
        assert_eq!(quality.values.candidate["metrics.auc"], Seen::Number(0.93));
        assert_eq!(
            quality.values.candidate["params.dataset"],
            Seen::Text("transactions-2026q3".into())
        );
        let excellent = check(&req, "excellent");
        assert!(!excellent.passed);
        assert_eq!(excellent.reason, "metrics.auc is 0.93, not >= 0.99");
        assert!(excellent.evaluated_at > 0);
        // Stored: a fresh read shows the same results.
        assert_eq!(reg.get_transition_request(req.id).await.unwrap(), req);
        // The open event carries them.
        let es = events(reg, &name, ver).await;
        let opened = es.iter().find(|e| e.action == "review.open").unwrap();
        let checks = &after(opened)["checks"];
        assert_eq!(checks[0]["name"], "quality");
        assert_eq!(checks[0]["passed"], true);
        assert_eq!(checks[1]["passed"], false);
        assert_eq!(checks[0]["values"]["candidate"]["metrics.auc"], 0.93);
    }
}

#[tokio::test]
async fn not_worse_than_compares_with_the_production_holder() {
    for t in registries().await {
        let reg = &t.reg;
        let (carol, _) = people(reg).await;
        let name = ModelName::parse("ranker").unwrap();
        a_model(reg, &name).await;
        set_checks(
            reg,
            &name,
            vec![
                RequiredCheck::not_worse_than("auc", "auc", Direction::Higher).unwrap(),
                RequiredCheck::not_worse_than("loss", "loss", Direction::Lower).unwrap(),
            ],
        )
        .await;
        // Nothing in Production yet: passes, and says so.
        let (v1, _) = version_with(reg, &name, &[("auc", 0.9), ("loss", 0.3)], &[]).await;
        let req = open(reg, &name, v1).await;
        let first = check(&req, "auc");
        assert!(first.passed, "{:?}", t.backend);
        assert_eq!(
            first.reason,
            "no version is in Production yet: nothing to compare against"
        );
        assert!(first.values.production.is_empty());
        let done = reg
            .approve_transition_request(&carol, req.id, text(""))
            .await
            .unwrap();
        assert_eq!(done.status, RequestStatus::Applied);

        // Worse on auc, better on loss: the auc check fails against version 1's value.
        let (v2, _) = version_with(reg, &name, &[("auc", 0.85), ("loss", 0.2)], &[]).await;
        let req = open(reg, &name, v2).await;
        let auc = check(&req, "auc");
        assert!(!auc.passed);
        assert_eq!(
            auc.reason,
            "auc 0.85 is worse than 0.9 (Production version 1; higher is better)"
        );
        assert_eq!(auc.values.candidate["metrics.auc"], Seen::Number(0.85));
        assert_eq!(auc.values.production.len(), 1);
        assert_eq!(auc.values.production[0].version, v1);
        assert_eq!(auc.values.production[0].value, Seen::Number(0.9));
        let loss = check(&req, "loss");
        assert!(loss.passed, "{loss:?}");
        assert!(loss.reason.contains("lower is better"), "{}", loss.reason);

        // No auc at all on the candidate's run: fails, and says so.
        let (v3, _) = version_with(reg, &name, &[("loss", 0.1)], &[]).await;
        let req = open(reg, &name, v3).await;
        let missing = check(&req, "auc");
        assert!(!missing.passed);
        assert_eq!(missing.reason, "metric auc missing on the version's run");
        assert_eq!(missing.values.candidate["metrics.auc"], Seen::Missing);
    }
}

#[tokio::test]
async fn approval_re_evaluates_and_a_failing_check_keeps_the_request_open() {
    for t in registries().await {
        let reg = &t.reg;
        let (carol, _) = people(reg).await;
        let name = ModelName::parse("churn").unwrap();
        a_model(reg, &name).await;
        set_checks(
            reg,
            &name,
            vec![RequiredCheck::filter("quality", "metrics.auc >= 0.9").unwrap()],
        )
        .await;
        let (ver, run) = version_with(reg, &name, &[], &[]).await;
        let req = open(reg, &name, ver).await;
        assert_eq!(check(&req, "quality").reason, "metric auc missing");

        let refused = reg
            .approve_transition_request(&carol, req.id, text("lgtm"))
            .await;
        match &refused {
            Err(Error::FailedPrecondition(m)) => {
                assert!(m.contains("'quality'"), "{m}");
                assert!(m.contains("metric auc missing"), "{m}");
                assert!(m.contains("stays open"), "{m}");
            }
            other => panic!("{other:?} ({:?})", t.backend),
        }
        let still = reg.get_transition_request(req.id).await.unwrap();
        assert_eq!(still.status, RequestStatus::Open);
        assert!(still.approvals.is_empty() && still.comments.is_empty());
        assert_eq!(
            reg.get_model_version(&name, ver).await.unwrap().stage,
            Stage::None
        );

        // Logged after opening: the approval sees it.
        log(reg, &run, &[("auc", 0.95)], &[]).await;
        let done = reg
            .approve_transition_request(&carol, req.id, text("lgtm"))
            .await
            .unwrap();
        assert_eq!(done.status, RequestStatus::Applied);
        let quality = check(&done, "quality");
        assert!(quality.passed);
        assert_eq!(quality.values.candidate["metrics.auc"], Seen::Number(0.95));
        assert!(quality.evaluated_at >= check(&req, "quality").evaluated_at);
        let es = events(reg, &name, ver).await;
        let applied = es.last().unwrap();
        assert_eq!(applied.action().unwrap(), Action::ReviewApply);
        assert_eq!(after(applied)["checks"][0]["passed"], true);
        assert_eq!(after(applied)["overridden"], serde_json::json!([]));
    }
}

#[tokio::test]
async fn only_an_admin_may_override_failing_checks_and_it_is_audited() {
    for t in registries().await {
        let reg = &t.reg;
        let (carol, erin) = people(reg).await;
        let name = ModelName::parse("risk").unwrap();
        a_model(reg, &name).await;
        set_checks(
            reg,
            &name,
            vec![RequiredCheck::filter("quality", "metrics.auc >= 0.9").unwrap()],
        )
        .await;
        let (ver, _) = version_with(reg, &name, &[("auc", 0.7)], &[]).await;
        let req = open(reg, &name, ver).await;
        let before = reg.audit_count(&alice()).await.unwrap();

        // An approver's override is refused, and changes nothing.
        let r = reg
            .approve_transition_request_with(&carol, req.id, text(""), true)
            .await;
        assert!(
            matches!(&r, Err(Error::PermissionDenied(_))),
            "{r:?} ({:?})",
            t.backend
        );
        // An admin without the flag is refused like anyone else.
        let r = reg
            .approve_transition_request(&erin, req.id, text(""))
            .await;
        assert!(matches!(&r, Err(Error::FailedPrecondition(_))), "{r:?}");
        assert_eq!(reg.audit_count(&alice()).await.unwrap(), before);
        assert_eq!(
            reg.get_transition_request(req.id).await.unwrap().status,
            RequestStatus::Open
        );

        let done = reg
            .approve_transition_request_with(&erin, req.id, text("known gap, approved"), true)
            .await
            .unwrap();
        assert_eq!(done.status, RequestStatus::Applied);
        assert_eq!(done.decided_by.as_deref(), Some("erin"));
        assert!(
            !check(&done, "quality").passed,
            "the result still says it failed"
        );
        assert_eq!(
            reg.get_model_version(&name, ver).await.unwrap().stage,
            Stage::Production
        );
        let es = events(reg, &name, ver).await;
        let actions: Vec<_> = es.iter().map(|e| e.action().unwrap()).collect();
        assert_eq!(
            actions,
            vec![
                Action::ModelVersionCreate,
                Action::ReviewOpen,
                Action::ReviewOverride
            ]
        );
        let last = after(es.last().unwrap());
        assert_eq!(last["overridden"], serde_json::json!(["quality"]));
        assert_eq!(last["status"], "applied");
        assert_eq!(last["checks"][0]["values"]["candidate"]["metrics.auc"], 0.7);
        assert_eq!(es.last().unwrap().actor, "erin");
    }
}

#[tokio::test]
async fn a_condition_that_does_not_parse_names_its_position() {
    let e = RequiredCheck::filter("quality", "metrics.auc >= 0.9 AND params.x ~ 'a'").unwrap_err();
    assert!(
        matches!(&e, Error::InvalidArgument(m) if m.contains("position 33")),
        "{e}"
    );
    for t in registries().await {
        let reg = &t.reg;
        let name = ModelName::parse("policy").unwrap();
        a_model(reg, &name).await;
        // Setting checks is an admin's.
        let policy = ReviewPolicy::default()
            .with_checks(vec![RequiredCheck::not_worse_than(
                "nw",
                "auc",
                Direction::Higher,
            )
            .unwrap()])
            .unwrap();
        let r = reg.set_review_policy(&bob(), &name, policy).await;
        assert!(matches!(r, Err(Error::PermissionDenied(_))), "{r:?}");
        assert!(reg.review_policy(&name).await.unwrap().checks.is_empty());
    }
}
