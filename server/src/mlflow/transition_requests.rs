//! The review queue on the MLflow API, Databricks-style:
//! `POST /transition-requests/{create,approve,reject,delete}` (body: `name`, `version`,
//! `stage`, `archive_existing_versions`, `comment`, and on `approve` `override_checks`: an
//! admin approving past failing required checks; `delete` cancels and also answers
//! DELETE), `GET /transition-requests/list?name=&version=` (`{"requests": [...]}`) and
//! `POST /comments/create` (`name`, `version`, `comment`). A request is addressed by its
//! version and stage (the open one, else the newest, so a decided one says it is decided),
//! or exactly by an optional `id`. The rules are `core`'s (`service::reviews`).
//!
//! Errors: an unknown model, version or request is 404 RESOURCE_DOES_NOT_EXIST; bad input
//! (a missing field, an unknown stage, a reject without a reason) is 400
//! INVALID_PARAMETER_VALUE; four eyes (the requester or the version's registrant
//! deciding), a cancel by someone else and anonymous callers are 403 PERMISSION_DENIED; a
//! request already decided, and an apply whose artifacts no longer match the request, are
//! 409 RESOURCE_CONFLICT, as is an approval while a required check fails (the message
//! names each failing check and what it saw). A request's `checks` are its required
//! checks as last evaluated: `name`, `condition`, `passed`, `values`, `reason`,
//! `evaluated_at`.
use super::error::{ApiError, ApiResult};
use super::extract::{de, required, Body, QueryMap};
use super::registered_models::model_name;
use super::Ctx;
use crate::shell::permission::Routes;
use axum::extract::State;
use axum::{Extension, Json};
use pedigree_core::access::Need;
use pedigree_core::review::{
    CommentText, RequestComment, RequestId, RequestStatus, TransitionRequest,
};
use pedigree_core::service::reviews::OpenRequest;
use pedigree_core::user::Actor;
use pedigree_core::{ModelName, Stage, Version};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Routes {
    Routes::new()
        .post("/transition-requests/create", Need::CONTRIBUTOR, create)
        .post("/transition-requests/approve", Need::APPROVER, approve)
        .post("/transition-requests/reject", Need::APPROVER, reject)
        .post("/transition-requests/delete", Need::CONTRIBUTOR, cancel)
        .delete("/transition-requests/delete", Need::CONTRIBUTOR, cancel)
        .get("/transition-requests/list", Need::VIEWER, list)
        .post("/comments/create", Need::CONTRIBUTOR, comment)
}

#[derive(Deserialize)]
struct Req {
    name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    version: Option<String>,
    stage: Option<String>,
    #[serde(default)]
    archive_existing_versions: Option<bool>,
    comment: Option<String>,
    /// The request itself, when the caller knows it.
    #[serde(default, deserialize_with = "de::opt_string")]
    id: Option<String>,
    #[serde(default)]
    override_checks: Option<bool>,
}

impl Req {
    fn target(&self) -> ApiResult<(ModelName, Version)> {
        let name = model_name(self.name.clone())?;
        let version = required(self.version.clone(), "version")?.parse()?;
        Ok((name, version))
    }
    fn stage(&self) -> ApiResult<Option<Stage>> {
        Ok(self.stage.as_deref().map(str::parse).transpose()?)
    }
    fn comment(&self) -> ApiResult<CommentText> {
        Ok(CommentText::parse(
            self.comment.clone().unwrap_or_default(),
        )?)
    }
    /// The request this body addresses.
    async fn request(&self, ctx: &Ctx, stage_required: bool) -> ApiResult<RequestId> {
        if let Some(id) = &self.id {
            return Ok(id.parse()?);
        }
        let (name, version) = self.target()?;
        let stage = match self.stage()? {
            Some(s) => Some(s),
            None if stage_required => return Err(missing("stage")),
            None => None,
        };
        Ok(ctx
            .reg
            .find_transition_request(&name, version, stage)
            .await?)
    }
}

fn missing(field: &str) -> ApiError {
    ApiError::invalid(format!("Missing value for required parameter '{field}'. See the API docs for more information about request parameters."))
}

/// A request as the wire shows it.
pub fn request(r: &TransitionRequest) -> Value {
    json!({
        "id": r.id.to_string(),
        "name": r.name,
        "version": r.version.to_string(),
        "to_stage": r.to_stage.as_str(),
        "creation_timestamp": r.created_at,
        "user_id": r.requested_by,
        "comment": r.comment.as_str(),
        "archive_existing_versions": r.archive_existing_versions,
        "status": r.status.as_str(),
        "approvals_needed": r.approvals_needed,
        "approvals": r.approvals.iter().map(|a| json!({"user_id": a.approver, "timestamp": a.at})).collect::<Vec<_>>(),
        "comments": r.comments.iter().map(comment_json).collect::<Vec<_>>(),
        "candidate_digest": r.candidate_digest,
        "decided_by": r.decided_by,
        "decided_timestamp": r.decided_at,
        "decision_comment": r.decision_comment,
        "checks": r.checks,
    })
}

fn comment_json(c: &RequestComment) -> Value {
    json!({"user_id": c.author, "comment": c.body.as_str(), "creation_timestamp": c.at})
}

fn answer(r: &TransitionRequest) -> Json<Value> {
    Json(json!({"request": request(r)}))
}

async fn create(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<Req>,
) -> ApiResult<Json<Value>> {
    let (name, version) = b.target()?;
    let to_stage = b.stage()?.ok_or_else(|| missing("stage"))?;
    let r = ctx
        .reg
        .open_transition_request(
            &actor,
            OpenRequest {
                name,
                version,
                to_stage,
                archive_existing_versions: b.archive_existing_versions.unwrap_or(false),
                comment: b.comment()?,
            },
        )
        .await?;
    Ok(answer(&r))
}

/// What a decision call does to the request it names.
#[derive(Clone, Copy)]
enum Decision {
    Approve,
    Reject,
    Cancel,
}

async fn decide(ctx: Ctx, actor: Actor, b: Req, d: Decision) -> ApiResult<Json<Value>> {
    let id = b.request(&ctx, true).await?;
    let comment = b.comment()?;
    let reg = &ctx.reg;
    let r = match d {
        Decision::Approve => {
            let over = b.override_checks.unwrap_or(false);
            reg.approve_transition_request_with(&actor, id, comment, over)
                .await?
        }
        Decision::Reject => reg.reject_transition_request(&actor, id, comment).await?,
        Decision::Cancel => reg.cancel_transition_request(&actor, id, comment).await?,
    };
    Ok(answer(&r))
}

async fn approve(st: State<Ctx>, a: Extension<Actor>, b: Body<Req>) -> ApiResult<Json<Value>> {
    decide(st.0, a.0, b.0, Decision::Approve).await
}

async fn reject(st: State<Ctx>, a: Extension<Actor>, b: Body<Req>) -> ApiResult<Json<Value>> {
    decide(st.0, a.0, b.0, Decision::Reject).await
}

async fn cancel(st: State<Ctx>, a: Extension<Actor>, b: Body<Req>) -> ApiResult<Json<Value>> {
    decide(st.0, a.0, b.0, Decision::Cancel).await
}

/// `name` and `version` required; `status` optional.
async fn list(State(ctx): State<Ctx>, q: QueryMap) -> ApiResult<Json<Value>> {
    let name = model_name(q.get("name").map(str::to_string))?;
    let version: Version = q.required("version")?.parse()?;
    let status = q
        .get("status")
        .filter(|s| !s.is_empty())
        .map(str::parse::<RequestStatus>)
        .transpose()?;
    let rs = ctx
        .reg
        .list_transition_requests(Some(&name), Some(version), status)
        .await?;
    Ok(Json(
        json!({"requests": rs.iter().map(request).collect::<Vec<_>>()}),
    ))
}

/// A comment on the version's one open request (or the request `id`, or the version's
/// request to `stage`).
async fn comment(
    State(ctx): State<Ctx>,
    Extension(actor): Extension<Actor>,
    Body(b): Body<Req>,
) -> ApiResult<Json<Value>> {
    let body = CommentText::parse(required(b.comment.clone(), "comment")?)?;
    let id = b.request(&ctx, false).await?;
    let r = ctx.reg.comment_transition_request(&actor, id, body).await?;
    let c = r.comments.last();
    Ok(Json(json!({
        "comment": c.map(comment_json),
        "request": request(&r),
    })))
}
