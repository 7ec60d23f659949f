//! Reading one model version for its page: the version, its tracked run, its files and its
//! holder history, checked against what the reader may see. The reads are the other
//! services' and `review_digest`'s; this module only gathers them.
use super::review_digest;
use super::Registry;
use crate::error::Result;
use crate::names::{ModelName, Version};
use crate::store::models;
use crate::user::Actor;
use crate::version_view::VersionView;

impl Registry {
    /// Every metric `run` logged, over its steps, downsampled for a page.
    pub async fn run_charts(&self, run: &crate::run::Run) -> Result<Vec<crate::chart::Series>> {
        let mut keys: Vec<crate::names::Key> = run.metrics.iter().map(|m| m.key.clone()).collect();
        keys.sort();
        keys.dedup();
        self.metric_series(&run.info.run_id, &keys, crate::version_view::CHART_POINTS)
            .await
    }

    /// Version `version` of model `name` as its page shows it, for `actor` (`None` reads
    /// as anonymous). A reader with no role on the model gets a permission error, one
    /// asking for a model or version that does not exist a not-found error naming it.
    pub async fn version_view(
        &self,
        actor: Option<&Actor>,
        name: &ModelName,
        version: Version,
    ) -> Result<VersionView> {
        let who = actor.map_or("anonymous", Actor::name);
        let scope = self.scope_of(actor).await?;
        scope.check(who, name)?;
        let v = self.get_model_version(name, version).await?;
        let run = self.run_of(&v).await?;
        let charts = match &run {
            Some(r) => self.run_charts(r).await?,
            None => Vec::new(),
        };
        let mut lineage = self.version_lineage(name, version).await?;
        // Upstream models the reader may not see stay in the picture, without a link.
        lineage.unlink_unreadable(|m| scope.allows(m.as_str()));
        let files = {
            let mut conn = self.store.acquire().await?;
            review_digest::files(&mut conn, &v).await?
        };
        let holdings = {
            let mut conn = self.store.acquire().await?;
            let id = models::id(&mut conn, name).await?;
            crate::store::holders::history(&mut conn, id, None).await?
        }
        .into_iter()
        .filter(|h| h.version == version)
        .collect();
        Ok(VersionView {
            description_html: crate::markdown::render(&v.description),
            version: v,
            run,
            files,
            holdings,
            charts,
            lineage,
        })
    }
}

impl Registry {
    /// Versions `base` and `other` of model `name` side by side, for `actor`. Left out,
    /// `base` is the version `@champion` names (else the newest in Production, else the
    /// second newest) and `other` the one `@challenger` names (else the newest other one).
    pub async fn compare_versions(
        &self,
        actor: Option<&Actor>,
        name: &ModelName,
        base: Option<Version>,
        other: Option<Version>,
    ) -> Result<crate::version_view::CompareView> {
        use crate::error::Error;
        use crate::names::Stage;
        use crate::review_view::{compare_metrics, compare_params};
        let who = actor.map_or("anonymous", Actor::name);
        self.scope_of(actor).await?.check(who, name)?;
        let all = self.list_model_versions(name).await?;
        let alias = |a: &str| {
            all.iter()
                .find(|v| v.aliases.iter().any(|x| x.as_str() == a))
                .map(|v| v.version)
        };
        let base = base
            .or_else(|| alias("champion"))
            .or_else(|| {
                all.iter()
                    .find(|v| v.stage == Stage::Production)
                    .map(|v| v.version)
            })
            .or_else(|| all.get(1).map(|v| v.version));
        let other = other
            .or_else(|| alias("challenger").filter(|c| Some(*c) != base))
            .or_else(|| all.iter().map(|v| v.version).find(|v| Some(*v) != base));
        let (Some(base), Some(other)) = (base, other) else {
            return Err(Error::FailedPrecondition(format!(
                "Model {name} has fewer than two versions: there is nothing to compare."
            )));
        };
        let base = self.version_view(actor, name, base).await?;
        let other = self.version_view(actor, name, other).await?;
        let (none_p, none_m) = (Vec::new(), Vec::new());
        let params = compare_params(
            other.run.as_ref().map_or(&none_p, |r| &r.params),
            base.run.as_ref().map_or(&none_p, |r| &r.params),
        );
        let metrics = compare_metrics(
            other.run.as_ref().map_or(&none_m, |r| &r.metrics),
            base.run.as_ref().map_or(&none_m, |r| &r.metrics),
        );
        Ok(crate::version_view::CompareView {
            base,
            other,
            params,
            metrics,
        })
    }
}
