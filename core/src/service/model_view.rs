//! Reading one registered model for its page: the model, a page of versions, the holder
//! history and one metric across every version, checked against what the reader may see.
use super::Registry;
use crate::error::Result;
use crate::model_view::{
    pick_metric, production_holders, ModelQuery, ModelView, VersionPoint, VERSIONS_PER_PAGE,
};
use crate::names::ModelName;
use crate::store::{holders, models, versions};
use crate::user::Actor;

impl Registry {
    /// Model `name` as its page shows it, for `actor` (`None` reads as anonymous).
    pub async fn model_view(
        &self,
        actor: Option<&Actor>,
        name: &ModelName,
        query: &ModelQuery,
    ) -> Result<ModelView> {
        let who = actor.map_or("anonymous", Actor::name);
        self.scope_of(actor).await?.check(who, name)?;
        let model = self.get_registered_model(name).await?;
        let offset = query.offset.max(0);
        let (versions, more) = self
            .model_versions_page(name, false, offset, VERSIONS_PER_PAGE)
            .await?;
        let mut conn = self.store.acquire().await?;
        let id = models::id(&mut conn, name).await?;
        let holdings = holders::history(&mut conn, id, None).await?;
        let metric_keys = versions::metric_keys(&mut conn, id).await?;
        let metric = pick_metric(&metric_keys, query.metric.as_ref());
        let held = production_holders(&holdings);
        let points = match &metric {
            Some(k) => versions::metric_by_version(&mut conn, id, k)
                .await?
                .into_iter()
                .map(|(version, m)| VersionPoint {
                    version,
                    value: m.value,
                    production: held.contains(&version),
                })
                .collect(),
            None => Vec::new(),
        };
        Ok(ModelView {
            description_html: crate::markdown::render(&model.description),
            model,
            versions,
            offset,
            more,
            holdings,
            metric_keys,
            metric,
            points,
        })
    }
}
