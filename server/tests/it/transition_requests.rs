//! The review queue's endpoints as clients see them (`/transition-requests/*`,
//! `/comments/create`), on both databases: a request opened, discussed and approved by a
//! second pair of eyes moves the version; requesters, registrants and anonymous callers
//! are refused with 403; bad input is 400, unknown things 404, decided requests 409.
use crate::common::{assert_error, servers, Server};
use pedigree_core::user::Actor;
use pedigree_core::UserName;
use serde_json::{json, Value};

/// The users these tests give the approver role (everyone else is a contributor).
const APPROVERS: [&str; 2] = ["carol", "dave"];

/// A user of that name and a token for them.
async fn token(s: &Server, name: &str) -> String {
    let system = Actor::system();
    let user = UserName::parse(name).unwrap();
    s.registry
        .create_user(&system, user.clone(), String::new(), false)
        .await
        .unwrap();
    if APPROVERS.contains(&name) {
        s.registry
            .grant(
                &system,
                &pedigree_core::access::Principal::User(user.clone()),
                &pedigree_core::access::Scope::Global,
                pedigree_core::access::Role::Approver,
            )
            .await
            .unwrap();
    }
    s.registry
        .issue_token(&system, &user, "test")
        .await
        .unwrap()
        .secret
}

/// POSTs `body` to `/api/2.0/mlflow/{path}` as the token's user (anonymous without one).
async fn post_as(s: &Server, token: Option<&str>, path: &str, body: Value) -> (u16, Value) {
    let mut r = s
        .client
        .post(s.url(&format!("/api/2.0/mlflow/{path}")))
        .json(&body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Model `m` with version 1 registered by the token's user from a run's `model` directory.
async fn registered(s: &Server, by: &str) {
    let (st, run) = post_as(s, Some(by), "runs/create", json!({"experiment_id": "0"})).await;
    assert_eq!(st, 200, "{run}");
    let run_id = run["run"]["info"]["run_id"].as_str().unwrap().to_string();
    let (st, _) = post_as(
        s,
        Some(by),
        "registered-models/create",
        json!({"name": "m"}),
    )
    .await;
    assert_eq!(st, 200);
    let (st, v) = post_as(
        s,
        Some(by),
        "model-versions/create",
        json!({"name": "m", "source": format!("runs:/{run_id}/model")}),
    )
    .await;
    assert_eq!(st, 200, "{v}");
}

fn to(stage: &str, comment: &str) -> Value {
    json!({"name": "m", "version": "1", "stage": stage, "comment": comment})
}

#[tokio::test]
async fn a_second_pair_of_eyes_approves_and_the_version_moves() {
    for s in servers().await {
        let alice = token(&s, "alice").await;
        let bob = token(&s, "bob").await;
        let carol = token(&s, "carol").await;
        registered(&s, &alice).await;
        let (st, created) = post_as(
            &s,
            Some(&bob),
            "transition-requests/create",
            to("Production", "ready"),
        )
        .await;
        assert_eq!(st, 200, "{created}");
        let req = &created["request"];
        assert_eq!(req["to_stage"], "Production");
        assert_eq!(req["user_id"], "bob");
        assert_eq!(req["status"], "open");
        assert_eq!(req["comment"], "ready");
        assert!(req["creation_timestamp"].as_i64().is_some());
        let (_, again) = post_as(
            &s,
            Some(&bob),
            "transition-requests/create",
            to("production", ""),
        )
        .await;
        assert_eq!(again["request"]["id"], req["id"], "the open one answers");

        // Four eyes: the requester, the registrant and anonymous callers are refused.
        for who in [Some(bob.as_str()), Some(alice.as_str()), None] {
            let r = post_as(&s, who, "transition-requests/approve", to("Production", "")).await;
            assert_error(&r, 403, "PERMISSION_DENIED");
        }
        let (st, c) = post_as(
            &s,
            Some(&carol),
            "comments/create",
            json!({"name": "m", "version": 1, "comment": "checked the metrics"}),
        )
        .await;
        assert_eq!(st, 200, "{c}");
        assert_eq!(c["comment"]["user_id"], "carol");

        let (st, listed) = s.get("transition-requests/list?name=m&version=1").await;
        assert_eq!(st, 200);
        let requests = listed["requests"].as_array().unwrap();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0]["comments"].as_array().unwrap().len(), 1);
        assert_eq!(requests[0]["approvals"], json!([]));

        let (st, done) = post_as(
            &s,
            Some(&carol),
            "transition-requests/approve",
            to("Production", "lgtm"),
        )
        .await;
        assert_eq!(st, 200, "{done}");
        assert_eq!(done["request"]["status"], "applied");
        assert_eq!(done["request"]["approvals"][0]["user_id"], "carol");
        let (_, v) = s.get("model-versions/get?name=m&version=1").await;
        assert_eq!(v["model_version"]["current_stage"], "Production");

        // Decided: 409.
        let r = post_as(
            &s,
            Some(&carol),
            "transition-requests/approve",
            to("Production", ""),
        )
        .await;
        assert_error(&r, 409, "RESOURCE_CONFLICT");
        let r = post_as(
            &s,
            Some(&bob),
            "transition-requests/delete",
            to("Production", ""),
        )
        .await;
        assert_error(&r, 409, "RESOURCE_CONFLICT");
        // The AJAX prefix answers too.
        let r = s
            .client
            .get(s.url(
                "/ajax-api/2.0/mlflow/transition-requests/list?name=m&version=1&status=applied",
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["requests"].as_array().unwrap().len(), 1);
    }
}

#[tokio::test]
async fn reject_cancel_and_error_shapes() {
    for s in servers().await {
        let alice = token(&s, "alice").await;
        let bob = token(&s, "bob").await;
        let carol = token(&s, "carol").await;
        registered(&s, &alice).await;
        let (st, _) = post_as(
            &s,
            Some(&bob),
            "transition-requests/create",
            to("Staging", ""),
        )
        .await;
        assert_eq!(st, 200);

        // Bad input: 400.
        let r = post_as(
            &s,
            Some(&carol),
            "transition-requests/approve",
            json!({"name": "m", "version": "1"}),
        )
        .await;
        assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
        let r = post_as(&s, Some(&bob), "transition-requests/create", to("Prod", "")).await;
        assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
        let r = post_as(
            &s,
            Some(&carol),
            "transition-requests/reject",
            to("Staging", " "),
        )
        .await;
        assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
        let r = post_as(
            &s,
            Some(&bob),
            "transition-requests/create",
            json!({"name": "m", "version": "1", "stage": "Archived", "archive_existing_versions": true}),
        )
        .await;
        assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
        // Unknown things: 404.
        let r = post_as(
            &s,
            Some(&bob),
            "transition-requests/create",
            json!({"name": "nope", "version": "1", "stage": "Staging"}),
        )
        .await;
        assert_error(&r, 404, "RESOURCE_DOES_NOT_EXIST");
        let r = post_as(
            &s,
            Some(&bob),
            "transition-requests/create",
            json!({"name": "m", "version": "9", "stage": "Staging"}),
        )
        .await;
        assert_error(&r, 404, "RESOURCE_DOES_NOT_EXIST");
        let r = post_as(
            &s,
            Some(&carol),
            "transition-requests/approve",
            to("Production", ""),
        )
        .await;
        assert_error(&r, 404, "RESOURCE_DOES_NOT_EXIST");
        let r = s.get("transition-requests/list?name=nope&version=1").await;
        assert_error(&r, 404, "RESOURCE_DOES_NOT_EXIST");

        // Only the requester cancels; any eligible approver rejects, with a reason.
        let r = post_as(
            &s,
            Some(&carol),
            "transition-requests/delete",
            to("Staging", ""),
        )
        .await;
        assert_error(&r, 403, "PERMISSION_DENIED");
        let (st, rejected) = post_as(
            &s,
            Some(&carol),
            "transition-requests/reject",
            to("Staging", "needs a bias review"),
        )
        .await;
        assert_eq!(st, 200, "{rejected}");
        assert_eq!(rejected["request"]["status"], "rejected");
        assert_eq!(
            rejected["request"]["decision_comment"],
            "needs a bias review"
        );

        let (_, second) = post_as(
            &s,
            Some(&bob),
            "transition-requests/create",
            to("Staging", ""),
        )
        .await;
        assert_eq!(second["request"]["status"], "open");
        assert_ne!(second["request"]["id"], rejected["request"]["id"]);
        let r = s
            .client
            .delete(s.url("/api/2.0/mlflow/transition-requests/delete"))
            .bearer_auth(&bob)
            .json(&to("Staging", "not yet"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let cancelled: Value = r.json().await.unwrap();
        assert_eq!(cancelled["request"]["status"], "cancelled");
        let (_, v) = s.get("model-versions/get?name=m&version=1").await;
        assert_eq!(v["model_version"]["current_stage"], "None");
        // No open request left to comment on.
        let r = post_as(
            &s,
            Some(&carol),
            "comments/create",
            json!({"name": "m", "version": "1", "comment": "hello?"}),
        )
        .await;
        assert_error(&r, 404, "RESOURCE_DOES_NOT_EXIST");
        let (_, listed) = s.get("transition-requests/list?name=m&version=1").await;
        let statuses: Vec<&str> = listed["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["rejected", "cancelled"]);
    }
}
