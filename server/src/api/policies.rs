//! A model's review policy on the native API: `GET /models/{name}/review-policy` (anyone
//! who may read the model) and `PUT /models/{name}/review-policy` (an admin's, `core`'s
//! rule), both answering `{"model", "policy": {"gated_stages", "approvals_needed",
//! "production_alias", "checks"}}`.
//!
//! `PUT` replaces the whole policy: a field left out takes its default (`["Production"]`,
//! one approval, the `champion` alias, no checks); `"production_alias": null` moves no
//! alias. A check is `{"name", "condition"}` (an MLflow filter on the candidate's run) or
//! `{"name", "metric", "direction"?}` (not worse than the Production version on that
//! metric; `higher` is better unless `lower`), with an optional `"kind"` (`filter`,
//! `not_worse_than`) that must agree. A condition that does not parse is a 400 naming the
//! position.
use crate::mlflow::error::{ApiError, ApiResult};
use crate::mlflow::extract::Body;
use crate::shell::permission::Routes;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::{Extension, Json};
use pedigree_core::access::Need;
use pedigree_core::review::checks::{CheckRule, Direction};
use pedigree_core::review::{default_production_alias, RequiredCheck, ReviewPolicy};
use pedigree_core::user::Actor;
use pedigree_core::{AliasName, ModelName, Stage};
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};

pub fn routes() -> Routes {
    Routes::new()
        .get("/models/{name}/review-policy", Need::VIEWER, show)
        .put("/models/{name}/review-policy", Need::ADMIN, set)
}

/// The policy as both the API and `pedigree policy show` print it.
pub fn policy_json(name: &ModelName, p: &ReviewPolicy) -> Value {
    let checks: Vec<Value> = p
        .checks
        .iter()
        .map(|c| match &c.rule {
            CheckRule::Filter { condition } => {
                json!({"name": c.name, "kind": "filter", "condition": condition})
            }
            CheckRule::NotWorseThan { metric, direction } => json!({
                "name": c.name, "kind": "not_worse_than", "metric": metric,
                "direction": direction.as_str(), "condition": c.condition(),
            }),
        })
        .collect();
    json!({
        "model": name,
        "policy": {
            "gated_stages": p.gated_stages.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            "approvals_needed": p.approvals_needed,
            "production_alias": p.production_alias,
            "checks": checks,
        }
    })
}

/// `Some(None)` for an explicit `null`, `None` when the field is left out.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyBody {
    gated_stages: Option<Vec<String>>,
    approvals_needed: Option<i64>,
    #[serde(default, deserialize_with = "present")]
    production_alias: Option<Option<String>>,
    checks: Option<Vec<CheckBody>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckBody {
    name: String,
    kind: Option<String>,
    condition: Option<String>,
    metric: Option<String>,
    direction: Option<String>,
}

impl CheckBody {
    fn check(self) -> ApiResult<RequiredCheck> {
        let name = &self.name;
        let kind = self.kind.as_deref().map(str::to_ascii_lowercase);
        match (kind.as_deref(), self.condition, self.metric) {
            (None | Some("filter"), Some(cond), None) => {
                if self.direction.is_some() {
                    return Err(ApiError::invalid(format!(
                        "Check '{name}': 'direction' belongs to a not_worse_than check"
                    )));
                }
                Ok(RequiredCheck::filter(name, &cond)?)
            }
            (None | Some("not_worse_than"), None, Some(metric)) => {
                let direction = match self.direction.as_deref() {
                    Some(d) => Direction::parse(d)?,
                    None => Direction::Higher,
                };
                Ok(RequiredCheck::not_worse_than(name, &metric, direction)?)
            }
            (Some(k), _, _) if k != "filter" && k != "not_worse_than" => {
                Err(ApiError::invalid(format!(
                    "Check '{name}': unknown kind '{k}' (valid: filter, not_worse_than)"
                )))
            }
            _ => Err(ApiError::invalid(format!(
                "Check '{name}' needs exactly one of 'condition' (a filter on the version's run) or 'metric' (not worse than the Production version), matching its kind"
            ))),
        }
    }
}

impl PolicyBody {
    fn policy(self) -> ApiResult<ReviewPolicy> {
        let gated = match self.gated_stages {
            Some(stages) => stages
                .iter()
                .map(|s| s.parse::<Stage>())
                .collect::<Result<Vec<_>, _>>()?,
            None => vec![Stage::Production],
        };
        let mut policy = ReviewPolicy::new(gated, self.approvals_needed.unwrap_or(1))?;
        policy.production_alias = match self.production_alias {
            None => Some(default_production_alias()),
            Some(None) => None,
            Some(Some(a)) => Some(AliasName::parse(a)?),
        };
        let checks = self
            .checks
            .unwrap_or_default()
            .into_iter()
            .map(CheckBody::check)
            .collect::<ApiResult<Vec<_>>>()?;
        Ok(policy.with_checks(checks)?)
    }
}

#[utoipa::path(
    get,
    path = "/api/pedigree/v1/models/{name}/review-policy",
    tag = "policies",
    summary = "A model review policy: gated stages, approvals needed, production alias, required checks",
    params(
        ("name" = String, Path, description = "name"),
    ),
    responses((status = 200, description = "OK"), (status = "4XX", description = "MLflow-shaped error: {error_code, message}"))
)]
async fn show(
    State(st): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    let name = ModelName::parse(name)?;
    st.reg.may_read(&actor, Some(&name)).await?;
    let policy = st.reg.review_policy(&name).await?;
    Ok(Json(policy_json(&name, &policy)))
}

#[utoipa::path(
    put,
    path = "/api/pedigree/v1/models/{name}/review-policy",
    tag = "policies",
    summary = "Replace a model review policy (admins)",
    params(
        ("name" = String, Path, description = "name"),
    ),
    responses((status = 200, description = "OK"), (status = "4XX", description = "MLflow-shaped error: {error_code, message}"))
)]
async fn set(
    State(st): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(name): Path<String>,
    Body(b): Body<PolicyBody>,
) -> ApiResult<Json<Value>> {
    let name = ModelName::parse(name)?;
    let policy = b.policy()?;
    let set = st.reg.set_review_policy(&actor, &name, policy).await?;
    Ok(Json(policy_json(&name, &set)))
}
