//! Governance through HTTP, on both databases, review gate on: a team's model is invisible
//! to another team (gets 403, searches leave it out) and visible to a viewer; the
//! production alias is protected on the MLflow API; an approver's rollback and the holder
//! history on the native API; `/me` says what the caller holds.
use crate::common::{servers_with, Server};
use pedigree_core::access::{Role, TeamName};
use pedigree_core::user::Actor;
use pedigree_core::{ModelName, UserName};
use pedigree_server::config::Layer;
use serde_json::{json, Value};

async fn token(s: &Server, name: &str, role: Option<Role>) -> String {
    crate::common::user_token(s, name, role).await
}

async fn call(
    s: &Server,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = s.client.request(method, s.url(path)).bearer_auth(token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn post(s: &Server, token: &str, path: &str, body: Value) -> (u16, Value) {
    call(
        s,
        token,
        reqwest::Method::POST,
        &format!("/api/2.0/mlflow/{path}"),
        Some(body),
    )
    .await
}

async fn get(s: &Server, token: &str, path: &str) -> (u16, Value) {
    call(s, token, reqwest::Method::GET, path, None).await
}

#[tokio::test]
async fn teams_see_their_models_and_approvers_roll_back() {
    for s in servers_with(Layer::default().review_gate(true)).await {
        let carl = token(&s, "carl", None).await;
        let bea = token(&s, "bea", Some(Role::Approver)).await;
        let otto = token(&s, "otto", None).await;
        let vera = token(&s, "vera", Some(Role::Viewer)).await;
        let (st, run) = post(&s, &carl, "runs/create", json!({"experiment_id": "0"})).await;
        assert_eq!(st, 200, "{run}");
        let run_id = run["run"]["info"]["run_id"].as_str().unwrap().to_string();
        assert_eq!(
            post(
                &s,
                &carl,
                "registered-models/create",
                json!({"name": "fraud"})
            )
            .await
            .0,
            200
        );
        for _ in 0..2 {
            let (st, v) = post(
                &s,
                &carl,
                "model-versions/create",
                json!({"name": "fraud", "source": format!("runs:/{run_id}/model"), "run_id": run_id}),
            )
            .await;
            assert_eq!(st, 200, "{v}");
        }
        // Team fraud-team (carl) owns fraud; otto is in no team.
        let sys = Actor::system();
        let team = TeamName::parse("fraud-team").unwrap();
        s.registry
            .create_team(&sys, team.clone(), String::new())
            .await
            .unwrap();
        s.registry
            .add_team_member(&sys, &team, &UserName::parse("carl").unwrap())
            .await
            .unwrap();
        let fraud = ModelName::parse("fraud").unwrap();
        s.registry
            .set_model_owner(&sys, &fraud, Some(&team))
            .await
            .unwrap();

        // Reads: otto is refused and sees nothing in searches; vera and carl see it.
        let (st, body) = get(
            &s,
            &otto,
            "/api/2.0/mlflow/registered-models/get?name=fraud",
        )
        .await;
        assert_eq!(
            (st, body["error_code"].as_str()),
            (403, Some("PERMISSION_DENIED")),
            "{body}"
        );
        let (_, found) = get(&s, &otto, "/api/2.0/mlflow/registered-models/search").await;
        assert!(found.get("registered_models").is_none(), "{found}");
        let (_, versions) = get(
            &s,
            &otto,
            "/api/2.0/mlflow/model-versions/search?filter=name%3D%27fraud%27",
        )
        .await;
        assert!(versions.get("model_versions").is_none(), "{versions}");
        assert_eq!(
            get(
                &s,
                &otto,
                "/api/2.0/mlflow/model-versions/get?name=fraud&version=1"
            )
            .await
            .0,
            403
        );
        for who in [&vera, &carl] {
            let (_, found) = get(&s, who, "/api/2.0/mlflow/registered-models/search").await;
            assert_eq!(found["registered_models"][0]["name"], "fraud", "{found}");
        }
        let (_, me) = get(&s, &otto, "/api/pedigree/v1/me?model=fraud").await;
        assert_eq!(me["role"], Value::Null, "{me}");
        let (_, me) = get(&s, &carl, "/api/pedigree/v1/me?model=fraud").await;
        assert_eq!(me["role"], "contributor", "{me}");

        // bea promotes v1, then v2 (her direct calls are approvals); champion follows.
        for v in ["1", "2"] {
            let (st, body) = post(
                &s,
                &bea,
                "model-versions/transition-stage",
                json!({"name": "fraud", "version": v, "stage": "Production", "archive_existing_versions": true}),
            )
            .await;
            assert_eq!(st, 200, "{body}");
        }
        // carl may not move the protected production alias.
        let (st, body) = post(
            &s,
            &carl,
            "registered-models/alias",
            json!({"name": "fraud", "alias": "champion", "version": "1"}),
        )
        .await;
        assert_eq!(st, 403, "{body}");
        assert!(
            body["message"].as_str().unwrap().contains("protected"),
            "{body}"
        );
        // bea rolls back to v1 in one call.
        let (st, _) = call(
            &s,
            &carl,
            reqwest::Method::POST,
            "/api/pedigree/v1/models/fraud/versions/1/rollback",
            Some(json!({})),
        )
        .await;
        assert_eq!(st, 403);
        let (st, body) = call(
            &s,
            &bea,
            reqwest::Method::POST,
            "/api/pedigree/v1/models/fraud/versions/1/rollback",
            Some(json!({})),
        )
        .await;
        assert_eq!(st, 200, "{body}");
        assert_eq!(body["model_version"]["current_stage"], "Production");
        assert_eq!(body["archived"], json!([2]));
        let (_, alias) = get(
            &s,
            &vera,
            "/api/2.0/mlflow/registered-models/alias?name=fraud&alias=champion",
        )
        .await;
        assert_eq!(alias["model_version"]["version"], "1", "{alias}");
        // The holder history tells the story; `at` answers what served then.
        let (st, h) = get(&s, &vera, "/api/pedigree/v1/models/fraud/holders").await;
        assert_eq!(st, 200, "{h}");
        let prod: Vec<(i64, &str)> = h["holdings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["slot"] == "Production")
            .map(|x| (x["version"].as_i64().unwrap(), x["how"].as_str().unwrap()))
            .collect();
        assert_eq!(prod, [(1, "review"), (2, "review"), (1, "rollback")], "{h}");
        let second = h["holdings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["slot"] == "Production" && x["version"] == 2)
            .unwrap();
        let at = second["from"].as_i64().unwrap();
        let (_, then) = get(
            &s,
            &vera,
            &format!("/api/pedigree/v1/models/fraud/holders?at={at}"),
        )
        .await;
        let champ: Vec<i64> = then["holdings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["slot"] == "champion")
            .map(|x| x["version"].as_i64().unwrap())
            .collect();
        assert_eq!(champ, [2], "{then}");
        assert_eq!(
            get(&s, &otto, "/api/pedigree/v1/models/fraud/holders")
                .await
                .0,
            403
        );
        let (st, bad) = get(&s, &vera, "/api/pedigree/v1/models/fraud/holders?at=soon").await;
        assert_eq!(st, 400, "{bad}");
    }
}
