//! A model's review policy over HTTP (`GET`/`PUT /api/pedigree/v1/models/{name}/review-policy`)
//! and required checks as MLflow-side clients see them, on both databases: an admin sets
//! checks, a condition that does not parse is a 400 naming its position, a request shows
//! its check results, a failing check makes an approval a 409 naming it, and only an
//! admin's `override_checks` approval goes through.
use crate::common::{assert_error, servers, Server};
use pedigree_core::access::{Principal, Role, Scope};
use pedigree_core::user::Actor;
use pedigree_core::UserName;
use reqwest::Method;
use serde_json::{json, Value};

const POLICY: &str = "/api/pedigree/v1/models/m/review-policy";

/// A user of that name, with `role` over the registry (none: the default role), and a
/// token for them.
async fn token(s: &Server, name: &str, role: Option<Role>) -> String {
    let system = Actor::system();
    let user = UserName::parse(name).unwrap();
    s.registry
        .create_user(&system, user.clone(), String::new(), false)
        .await
        .unwrap();
    if let Some(role) = role {
        s.registry
            .grant(
                &system,
                &Principal::User(user.clone()),
                &Scope::Global,
                role,
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

async fn call(s: &Server, token: &str, method: Method, path: &str, body: Value) -> (u16, Value) {
    let mut r = s
        .client
        .request(method.clone(), s.url(path))
        .bearer_auth(token);
    if method != Method::GET {
        r = r.json(&body);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn mlflow(s: &Server, token: &str, path: &str, body: Value) -> (u16, Value) {
    let path = format!("/api/2.0/mlflow/{path}");
    call(s, token, Method::POST, &path, body).await
}

/// Model `m` with version 1 from a run whose `auc` is `auc`, registered by the token's user.
async fn registered(s: &Server, by: &str, auc: f64) {
    let (st, run) = mlflow(s, by, "runs/create", json!({"experiment_id": "0"})).await;
    assert_eq!(st, 200, "{run}");
    let run_id = run["run"]["info"]["run_id"].as_str().unwrap().to_string();
    let point = json!({"run_id": run_id, "key": "auc", "value": auc, "timestamp": 1, "step": 0});
    let (st, v) = mlflow(s, by, "runs/log-metric", point).await;
    assert_eq!(st, 200, "{v}");
    let (st, v) = mlflow(s, by, "registered-models/create", json!({"name": "m"})).await;
    assert_eq!(st, 200, "{v}");
    let source = format!("runs:/{run_id}/model");
    let body = json!({"name": "m", "source": source});
    let (st, v) = mlflow(s, by, "model-versions/create", body).await;
    assert_eq!(st, 200, "{v}");
}

fn to_production(extra: Value) -> Value {
    let mut b = json!({"name": "m", "version": "1", "stage": "Production", "comment": ""});
    b.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    b
}

#[tokio::test]
async fn an_admin_sets_checks_and_a_failing_check_blocks_approval_until_overridden() {
    for s in servers().await {
        let alice = token(&s, "alice", None).await;
        let bob = token(&s, "bob", None).await;
        let carol = token(&s, "carol", Some(Role::Approver)).await;
        let erin = token(&s, "erin", Some(Role::Admin)).await;
        registered(&s, &alice, 0.8).await;

        let (st, got) = call(&s, &bob, Method::GET, POLICY, Value::Null).await;
        assert_eq!(st, 200, "{got}");
        assert_eq!(
            got,
            json!({"model": "m", "policy": {"gated_stages": ["Production"], "approvals_needed": 1,
                   "production_alias": "champion", "checks": []}})
        );

        let policy = json!({
            "approvals_needed": 1,
            "checks": [
                {"name": "quality", "condition": "metrics.auc >= 0.9"},
                {"name": "no-regression", "metric": "auc"},
            ],
        });
        let r = call(&s, &bob, Method::PUT, POLICY, policy.clone()).await;
        assert_error(&r, 403, "PERMISSION_DENIED");
        let bad = json!({"checks": [{"name": "q", "condition": "metrics.auc >= 0.9 AND params.x ~ 'a'"}]});
        let r = call(&s, &erin, Method::PUT, POLICY, bad).await;
        assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
        assert!(
            r.1["message"].as_str().unwrap().contains("position 33"),
            "{}",
            r.1
        );
        let (st, set) = call(&s, &erin, Method::PUT, POLICY, policy).await;
        assert_eq!(st, 200, "{set}");
        let checks = &set["policy"]["checks"];
        assert_eq!(
            checks[0],
            json!({"name": "quality", "kind": "filter", "condition": "metrics.auc >= 0.9"})
        );
        assert_eq!(checks[1]["kind"], "not_worse_than");
        assert_eq!(checks[1]["metric"], "auc");
        assert_eq!(checks[1]["direction"], "higher");
        let (_, again) = call(&s, &bob, Method::GET, POLICY, Value::Null).await;
        assert_eq!(again, set);

        let (st, created) = mlflow(
            &s,
            &bob,
            "transition-requests/create",
            to_production(json!({})),
        )
        .await;
        assert_eq!(st, 200, "{created}");
        let checks = created["request"]["checks"].as_array().unwrap().clone();
        assert_eq!(checks.len(), 2, "{created}");
        assert_eq!(checks[0]["name"], "quality");
        assert_eq!(checks[0]["condition"], "metrics.auc >= 0.9");
        assert_eq!(checks[0]["passed"], false);
        assert_eq!(checks[0]["values"]["candidate"]["metrics.auc"], 0.8);
        assert_eq!(checks[0]["reason"], "metrics.auc is 0.8, not >= 0.9");
        assert!(checks[0]["evaluated_at"].as_i64().is_some());
        assert_eq!(checks[1]["passed"], true);
        assert_eq!(
            checks[1]["reason"],
            "no version is in Production yet: nothing to compare against"
        );

        let r = mlflow(
            &s,
            &carol,
            "transition-requests/approve",
            to_production(json!({})),
        )
        .await;
        assert_error(&r, 409, "RESOURCE_CONFLICT");
        let m = r.1["message"].as_str().unwrap();
        assert!(m.contains("'quality'") && m.contains("0.8"), "{m}");
        let over = json!({"override_checks": true});
        let r = mlflow(
            &s,
            &carol,
            "transition-requests/approve",
            to_production(over.clone()),
        )
        .await;
        assert_error(&r, 403, "PERMISSION_DENIED");
        let (_, listed) = call(
            &s,
            &bob,
            Method::GET,
            "/api/2.0/mlflow/transition-requests/list?name=m&version=1",
            Value::Null,
        )
        .await;
        assert_eq!(listed["requests"][0]["status"], "open", "{listed}");
        assert_eq!(listed["requests"][0]["checks"][0]["passed"], false);

        let (st, done) = mlflow(
            &s,
            &erin,
            "transition-requests/approve",
            to_production(over),
        )
        .await;
        assert_eq!(st, 200, "{done}");
        assert_eq!(done["request"]["status"], "applied");
        assert_eq!(done["request"]["decided_by"], "erin");
        let (st, events) = call(
            &s,
            &erin,
            Method::GET,
            "/api/pedigree/v1/audit/events?action=review.override",
            Value::Null,
        )
        .await;
        assert_eq!(st, 200, "{events}");
        assert_eq!(events["events"].as_array().unwrap().len(), 1, "{events}");
    }
}

#[tokio::test]
async fn put_replaces_the_policy_and_refuses_what_it_cannot_read() {
    for s in servers().await {
        let alice = token(&s, "alice", None).await;
        let erin = token(&s, "erin", Some(Role::Admin)).await;
        registered(&s, &alice, 0.9).await;
        let body = json!({"gated_stages": ["Staging", "Production"], "approvals_needed": 2,
                          "production_alias": null,
                          "checks": [{"name": "loss", "kind": "not_worse_than", "metric": "loss", "direction": "lower"}]});
        let (st, set) = call(&s, &erin, Method::PUT, POLICY, body).await;
        assert_eq!(st, 200, "{set}");
        let p = &set["policy"];
        assert_eq!(p["gated_stages"], json!(["Production", "Staging"]));
        assert_eq!(p["approvals_needed"], 2);
        assert_eq!(p["production_alias"], Value::Null);
        assert_eq!(p["checks"][0]["direction"], "lower");
        // Left out: the defaults again.
        let (st, reset) = call(&s, &erin, Method::PUT, POLICY, json!({})).await;
        assert_eq!(st, 200, "{reset}");
        assert_eq!(reset["policy"]["production_alias"], "champion");
        assert_eq!(reset["policy"]["checks"], json!([]));
        for bad in [
            json!({"approvals_needed": 0}),
            json!({"gated": ["Production"]}),
            json!({"checks": [{"name": "x"}]}),
            json!({"checks": [{"name": "x", "condition": "metrics.a > 1", "metric": "a"}]}),
            json!({"checks": [{"name": "x", "kind": "filter", "metric": "a"}]}),
            json!({"checks": [{"name": "x", "metric": "a", "direction": "sideways"}]}),
            json!({"checks": [{"name": "x", "condition": "metrics.a > 1"},
                              {"name": "x", "condition": "metrics.a > 2"}]}),
        ] {
            let r = call(&s, &erin, Method::PUT, POLICY, bad.clone()).await;
            assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
        }
        let missing = "/api/pedigree/v1/models/nope/review-policy";
        let r = call(&s, &erin, Method::GET, missing, Value::Null).await;
        assert_error(&r, 404, "RESOURCE_DOES_NOT_EXIST");
    }
}

fn pedigree(data: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pedigree"))
        .args(args)
        .arg("--data")
        .arg(data)
        .env_remove("PEDIGREE_DATABASE_URL")
        .env("PEDIGREE_LOG", "warn")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[tokio::test]
async fn the_cli_sets_and_shows_a_policy_with_checks() {
    let dir = tempfile::tempdir().unwrap();
    {
        let url = pedigree_core::store::DatabaseUrl::sqlite_in(dir.path());
        let reg = pedigree_core::service::Registry::open(&url, dir.path())
            .await
            .unwrap();
        let name = pedigree_core::ModelName::parse("m").unwrap();
        reg.create_registered_model(&Actor::system(), name, String::new(), vec![])
            .await
            .unwrap();
    }
    let (ok, out) = pedigree(
        dir.path(),
        &[
            "policy",
            "set",
            "m",
            "--approvals",
            "2",
            "--gated",
            "Production,Staging",
            "--check",
            "quality=metrics.auc >= 0.9 AND params.dataset = 'q3'",
            "--not-worse-than",
            "loss:lower",
        ],
    );
    assert!(ok, "{out}");
    let shown: Value = serde_json::from_str(&out).unwrap();
    let p = &shown["policy"];
    assert_eq!(p["approvals_needed"], 2);
    assert_eq!(p["gated_stages"], json!(["Production", "Staging"]));
    assert_eq!(p["checks"][0]["name"], "quality");
    assert_eq!(p["checks"][1]["name"], "not-worse-than-loss");
    assert_eq!(p["checks"][1]["direction"], "lower");

    // What is not given keeps its value.
    let (ok, out) = pedigree(dir.path(), &["policy", "set", "m", "--approvals", "1"]);
    assert!(ok, "{out}");
    let (ok, out) = pedigree(dir.path(), &["policy", "show", "m"]);
    assert!(ok, "{out}");
    let shown: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(shown["policy"]["approvals_needed"], 1);
    assert_eq!(shown["policy"]["checks"].as_array().unwrap().len(), 2);

    let (ok, out) = pedigree(
        dir.path(),
        &["policy", "set", "m", "--check", "q=metrics.auc >> 1"],
    );
    assert!(!ok && out.contains("position 13"), "{out}");
    let (ok, out) = pedigree(dir.path(), &["policy", "set", "m", "--no-checks"]);
    assert!(ok, "{out}");
    assert!(out.contains("\"checks\": []"), "{out}");
}
