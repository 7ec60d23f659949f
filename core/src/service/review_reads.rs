//! The review queue's reads (a request, a filtered list, the request a version's name,
//! version and stage address) and each model's review policy (read and set, through the
//! one write path). The rules of deciding are `super::reviews`'s; the SQL is
//! `store::reviews`'s.
use super::reviews::load_one;
use super::Registry;
use crate::audit::{Action, Subject};
use crate::error::{Entity, Error, Result};
use crate::names::{ModelName, Stage, Version};
use crate::review::{RequestId, RequestStatus, ReviewPolicy, TransitionRequest};
use crate::store::models;
use crate::store::reviews::{self, Filter};
use crate::user::Actor;

impl Registry {
    pub async fn get_transition_request(&self, id: RequestId) -> Result<TransitionRequest> {
        let mut conn = self.store.acquire().await?;
        load_one(&mut conn, id).await
    }

    /// Requests of a model (every model without `name`), optionally of one version and in
    /// one status, oldest first.
    pub async fn list_transition_requests(
        &self,
        name: Option<&ModelName>,
        version: Option<Version>,
        status: Option<RequestStatus>,
    ) -> Result<Vec<TransitionRequest>> {
        let mut conn = self.store.acquire().await?;
        let model_id = match name {
            Some(n) => Some(models::id(&mut conn, n).await?),
            None => None,
        };
        let filter = Filter {
            id: None,
            model_id,
            version,
            status,
        };
        reviews::load(&mut conn, filter).await
    }

    /// The request a version's (name, version, stage) names, as the MLflow-style endpoints
    /// address them: the open one, else the newest (so a decided one answers that it is
    /// decided). Without a stage, the version must have exactly one open request.
    pub async fn find_transition_request(
        &self,
        name: &ModelName,
        version: Version,
        stage: Option<Stage>,
    ) -> Result<RequestId> {
        let mut conn = self.store.acquire().await?;
        let model = models::id(&mut conn, name).await?;
        let missing = || {
            let to = stage.map(|s| format!(" to {s}")).unwrap_or_default();
            Error::not_found(
                Entity::TransitionRequest,
                format!("{name}/{version}"),
                format!("No transition request of {name}/{version}{to} found"),
            )
        };
        if stage.is_none() {
            let open = reviews::newest_for(&mut conn, model, version, None, true).await?;
            return match open.as_slice() {
                [one] => Ok(*one),
                [] => Err(missing()),
                _ => Err(Error::invalid(format!(
                    "{name}/{version} has several open transition requests: name the stage."
                ))),
            };
        }
        if let Some(open) = reviews::newest_for(&mut conn, model, version, stage, true)
            .await?
            .first()
        {
            return Ok(*open);
        }
        let all = reviews::newest_for(&mut conn, model, version, stage, false).await?;
        all.first().copied().ok_or_else(missing)
    }

    /// A model's review policy (the defaults until one is set).
    pub async fn review_policy(&self, name: &ModelName) -> Result<ReviewPolicy> {
        let mut conn = self.store.acquire().await?;
        let id = models::id(&mut conn, name).await?;
        reviews::policy(&mut conn, id).await
    }

    /// Sets a model's review policy, required checks included (an admin's). Requests
    /// already open keep the approvals they asked for; their checks are the policy's at
    /// each approval.
    pub async fn set_review_policy(
        &self,
        actor: &Actor,
        name: &ModelName,
        policy: ReviewPolicy,
    ) -> Result<ReviewPolicy> {
        crate::review::checks::validate(&policy.checks)?;
        let mut w = self.begin(actor).await?;
        let m = models::lock(w.tx(), name).await?;
        let before = reviews::policy(w.conn(), m.id).await?;
        w.authorize(
            Action::ReviewSetPolicy,
            Subject::RegisteredModel(name.clone()),
        )
        .await?;
        reviews::set_policy(w.conn(), m.id, &policy, self.now()).await?;
        w.commit(&before, &policy).await?;
        Ok(policy)
    }
}
