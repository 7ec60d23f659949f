//! The review queue as the dashboard reads it: one tab of the queue with each request's
//! [`Eligibility`] for the viewer, the viewer's identity with the number of requests
//! waiting for them, and one request with its candidate compared against the current
//! Production version's run. Reads only, through the other services' reads; what a viewer
//! may not read is left out (a list) or refused (a request). The rules of deciding stay
//! `super::reviews`'s; the domain types are `crate::review_view`'s.
use super::Registry;
use crate::access::{ReadScope, Role};
use crate::error::{Error, Result};
use crate::model_version::ModelVersion;
use crate::names::{ModelName, Stage, Version};
use crate::review::{RequestId, RequestStatus, TransitionRequest};
use crate::review_view::{
    compare_metrics, compare_params, eligibility, Eligibility, Identity, QueuePage, QueueRow,
    QueueTab, ReviewPage,
};
use crate::run::Run;
use crate::time::now_millis;
use crate::user::Actor;
use std::collections::HashMap;

/// `Ok(None)` for what is not there, any other error as it is.
fn found<T>(r: Result<T>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The viewer's name, `None` for anonymous or no actor at all.
fn viewer(actor: Option<&Actor>) -> Option<&str> {
    actor.filter(|a| !a.is_anonymous()).map(Actor::name)
}

/// What deciding needs per model and version, read once per queue.
#[derive(Default)]
struct Facts {
    roles: HashMap<ModelName, Option<Role>>,
    registrants: HashMap<(ModelName, Version), String>,
}

impl Registry {
    /// The actor reads as itself; no actor (auth required, none sent) reads as anonymous.
    pub(crate) async fn scope_of(&self, actor: Option<&Actor>) -> Result<ReadScope> {
        match actor {
            Some(a) => self.read_scope(a).await,
            None => self.read_scope(&Actor::anonymous()).await,
        }
    }

    /// The viewer's eligibility on `req`, with `facts` remembering what was read.
    async fn eligibility_with(
        &self,
        actor: Option<&Actor>,
        req: &TransitionRequest,
        facts: &mut Facts,
    ) -> Result<Eligibility> {
        let Some(who) = actor.filter(|a| !a.is_anonymous()) else {
            return Ok(eligibility(None, None, req, ""));
        };
        if !req.status.is_open() {
            return Ok(eligibility(Some(who.name()), None, req, ""));
        }
        let role = match facts.roles.get(&req.name) {
            Some(r) => *r,
            None => {
                let r = self.role_of(who, Some(&req.name)).await?;
                facts.roles.insert(req.name.clone(), r);
                r
            }
        };
        let key = (req.name.clone(), req.version);
        let registrant = match facts.registrants.get(&key) {
            Some(r) => r.clone(),
            None => {
                let v = found(self.get_model_version(&req.name, req.version).await)?;
                let r = v.map(|v| v.user_id).unwrap_or_default();
                facts.registrants.insert(key, r.clone());
                r
            }
        };
        Ok(eligibility(Some(who.name()), role, req, &registrant))
    }

    /// One tab of the queue for `actor`, newest first, limited to the models it may read.
    pub async fn review_queue(&self, actor: Option<&Actor>, tab: QueueTab) -> Result<QueuePage> {
        let me = viewer(actor);
        let now = now_millis();
        let page = |rows| QueuePage {
            tab,
            signed_in: me.is_some(),
            rows,
            now,
        };
        if me.is_none() && tab != QueueTab::All {
            return Ok(page(vec![]));
        }
        let status = (tab == QueueTab::Awaiting).then_some(RequestStatus::Open);
        let scope = self.scope_of(actor).await?;
        let mut facts = Facts::default();
        let mut rows = Vec::new();
        for req in self.list_transition_requests(None, None, status).await? {
            if !scope.allows(req.name.as_str()) {
                continue;
            }
            if tab == QueueTab::Mine && me != Some(req.requested_by.as_str()) {
                continue;
            }
            let e = self.eligibility_with(actor, &req, &mut facts).await?;
            let row = QueueRow::new(&req, e);
            if row.in_tab(tab, me) {
                rows.push(row);
            }
        }
        rows.reverse();
        Ok(page(rows))
    }

    /// Who `actor` is, their registry-wide role and how many open requests they may decide.
    pub async fn identity(&self, actor: Option<&Actor>) -> Result<Identity> {
        let role = match actor {
            Some(a) => self.role_of(a, None).await?,
            None => None,
        };
        let awaiting = match viewer(actor) {
            Some(_) => self
                .review_queue(actor, QueueTab::Awaiting)
                .await?
                .rows
                .len(),
            None => 0,
        };
        Ok(Identity {
            user: viewer(actor).map(str::to_string),
            role,
            awaiting,
        })
    }

    /// A tracked run of `v`, if it names one that is still here.
    pub(crate) async fn run_of(&self, v: &ModelVersion) -> Result<Option<Run>> {
        match v.run_id.as_ref().and_then(|r| r.tracked()) {
            Some(id) => found(self.get_run(id).await),
            None => Ok(None),
        }
    }

    /// One request as its page shows it: the candidate version against the newest other
    /// version in Production, their runs' params and latest metrics side by side, and what
    /// `actor` may do about it.
    pub async fn review_page(&self, actor: Option<&Actor>, id: RequestId) -> Result<ReviewPage> {
        let request = self.get_transition_request(id).await?;
        let who = actor.map_or("anonymous", Actor::name);
        self.scope_of(actor).await?.check(who, &request.name)?;
        let candidate = found(self.get_model_version(&request.name, request.version).await)?;
        let production = self
            .list_model_versions(&request.name)
            .await?
            .into_iter()
            .find(|v| v.stage == Stage::Production && v.version != request.version);
        let candidate_run = match &candidate {
            Some(c) => self.run_of(c).await?,
            None => None,
        };
        let production_run = match &production {
            Some(p) => self.run_of(p).await?,
            None => None,
        };
        let (no_params, no_metrics) = (Vec::new(), Vec::new());
        let params = compare_params(
            candidate_run.as_ref().map_or(&no_params, |r| &r.params),
            production_run.as_ref().map_or(&no_params, |r| &r.params),
        );
        let metrics = compare_metrics(
            candidate_run.as_ref().map_or(&no_metrics, |r| &r.metrics),
            production_run.as_ref().map_or(&no_metrics, |r| &r.metrics),
        );
        let mut facts = Facts::default();
        facts.registrants.insert(
            (request.name.clone(), request.version),
            candidate
                .as_ref()
                .map(|c| c.user_id.clone())
                .unwrap_or_default(),
        );
        let eligibility = self.eligibility_with(actor, &request, &mut facts).await?;
        Ok(ReviewPage {
            request,
            candidate,
            production,
            params,
            metrics,
            eligibility,
            viewer: viewer(actor).map(str::to_string),
            now: now_millis(),
        })
    }
}
