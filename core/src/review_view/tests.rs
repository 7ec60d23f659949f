//! The eligibility rules, the queue's tabs and the run comparison.
use super::*;
use crate::names::Key;
use crate::review::{Approval, CommentText};

fn request(status: RequestStatus, approvals: &[&str]) -> TransitionRequest {
    TransitionRequest {
        id: RequestId::new(1).unwrap(),
        name: ModelName::parse("m").unwrap(),
        version: Version::new(2).unwrap(),
        to_stage: Stage::Production,
        requested_by: "ann".into(),
        comment: CommentText::default(),
        archive_existing_versions: true,
        status,
        approvals_needed: 2,
        candidate_source: "runs:/x/model".into(),
        candidate_digest: None,
        created_at: 0,
        decided_at: None,
        decided_by: None,
        decision_comment: None,
        approvals: approvals
            .iter()
            .map(|a| Approval {
                approver: a.to_string(),
                at: 1,
            })
            .collect(),
        comments: vec![],
        checks: vec![],
    }
}

#[test]
fn four_eyes_role_and_status_decide_who_may_approve() {
    let open = request(RequestStatus::Open, &["cy"]);
    let approver = Some(Role::Approver);
    let e = |who: Option<&str>, role| eligibility(who, role, &open, "reg");
    assert_eq!(e(Some("bo"), approver), Eligibility::May);
    assert_eq!(e(Some("bo"), Some(Role::Admin)), Eligibility::May);
    assert_eq!(e(None, approver), Eligibility::Anonymous);
    assert_eq!(e(Some("ann"), approver), Eligibility::Requester);
    assert_eq!(e(Some("reg"), approver), Eligibility::Registrant);
    assert_eq!(e(Some("cy"), approver), Eligibility::AlreadyApproved);
    assert_eq!(
        e(Some("bo"), Some(Role::Contributor)),
        Eligibility::NotApprover {
            role: Some(Role::Contributor)
        }
    );
    assert_eq!(e(Some("bo"), None), Eligibility::NotApprover { role: None });
    let applied = request(RequestStatus::Applied, &[]);
    assert_eq!(
        eligibility(Some("bo"), approver, &applied, "reg"),
        Eligibility::Decided {
            status: RequestStatus::Applied
        }
    );
    assert_eq!(Eligibility::May.reason(), None);
    assert_eq!(
        Eligibility::Requester.reason().unwrap(),
        "You requested this transition; a second person must approve it."
    );
    assert!(Eligibility::Registrant
        .reason()
        .unwrap()
        .contains("You registered this version"));
}

#[test]
fn tabs_read_back_and_select_rows() {
    for t in QueueTab::ALL {
        assert_eq!(QueueTab::from_query(Some(t.as_str())), t);
    }
    assert_eq!(QueueTab::from_query(Some("nope")), QueueTab::Awaiting);
    assert_eq!(QueueTab::from_query(None), QueueTab::Awaiting);
    let req = request(RequestStatus::Open, &[]);
    let mine = QueueRow::new(&req, Eligibility::Requester);
    assert!(mine.in_tab(QueueTab::Mine, Some("ann")));
    assert!(!mine.in_tab(QueueTab::Awaiting, Some("ann")));
    assert!(mine.in_tab(QueueTab::All, None));
    let theirs = QueueRow::new(&req, Eligibility::May);
    assert!(theirs.in_tab(QueueTab::Awaiting, Some("bo")));
    assert!(!theirs.in_tab(QueueTab::Mine, Some("bo")));
}

#[test]
fn params_and_metrics_line_up_by_key() {
    let p = |k: &str, v: &str| Tag::param(k, v).unwrap();
    let rows = compare_params(
        &[p("lr", "0.1"), p("depth", "4"), p("only_new", "x")],
        &[p("lr", "0.05"), p("depth", "4")],
    );
    let keys: Vec<_> = rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["depth", "lr", "only_new"]);
    assert!(!rows[0].differs());
    assert!(rows[1].differs());
    assert!(rows[2].differs());

    let m = |k: &str, v: f64| Metric {
        key: Key::parse(k).unwrap(),
        value: v,
        timestamp: 0,
        step: 0,
        model_id: None,
        dataset_name: None,
        dataset_digest: None,
    };
    let rows = compare_metrics(&[m("auc", 0.9), m("loss", f64::NAN)], &[m("auc", 0.85)]);
    assert_eq!(rows.len(), 2);
    assert!((rows[0].delta().unwrap() - 0.05).abs() < 1e-12);
    assert_eq!(rows[1].delta(), None);
    let text = serde_json::to_string(&rows).unwrap();
    let back: Vec<MetricRow> = serde_json::from_str(&text).unwrap();
    assert!(back[1].candidate.unwrap().is_nan());
    assert_eq!(back[0], rows[0]);
}
