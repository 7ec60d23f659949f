//! Search over every aggregate: the `Searchable` view of each domain type, filtering,
//! ordering and paging with MLflow's filter language, and run search's two paths (one SQL
//! query planned by `run_sql`, or bulk loading only the keys a search mentions). Loads go
//! through the bulk loaders (a fixed number of queries whatever the row count).
use super::{next_page_token, parse_page_token, Registry};
use crate::error::{Error, Result};
use crate::experiment::{Experiment, ViewType};
use crate::logged_model::LoggedModel;
use crate::model_version::ModelVersion;
use crate::names::{ModelName, RunId};
use crate::registered_model::RegisteredModel;
use crate::run::Run;
use crate::search::{
    compare, parse_filter, parse_order_by, Entity, Field, Filter, Op, Operand, OrderBy, Searchable,
    SortKey, Value,
};
use crate::store::runs::{Needs, Scope};
use crate::ExperimentId;

/// What a search request asks for.
#[derive(Debug, Clone, Default)]
pub struct SearchArgs {
    pub filter: String,
    pub order_by: Vec<String>,
    pub max_results: Option<i64>,
    pub page_token: Option<String>,
    /// The page size when the caller gives none.
    pub default_max: i64,
    /// The largest page a caller may ask for; more is refused, never silently cut.
    pub cap: i64,
}

/// A page size outside `[1, cap]`, in MLflow's words (scripts match on them).
pub fn max_results_error(max: i64, cap: i64) -> Error {
    Error::invalid(format!(
        "Invalid value {max} for parameter 'max_results' supplied. It must be between 1 and {cap}."
    ))
}

/// Filters, orders (stably) and pages.
pub fn search_page<T: Searchable>(
    mut items: Vec<T>,
    entity: Entity,
    args: SearchArgs,
) -> Result<(Vec<T>, Option<String>)> {
    let filter = parse_filter(&args.filter, entity)?;
    let order = parse_order_by(&args.order_by, entity)?;
    let max = args.max_results.unwrap_or(args.default_max);
    if max < 1 || max > args.cap {
        return Err(max_results_error(max, args.cap));
    }
    let offset = parse_page_token(args.page_token.as_deref())?;
    if !filter.is_empty() {
        items.retain(|i| filter.matches(i));
    }
    items.sort_by(|a, b| compare(&order, a, b));
    let total = items.len();
    let start = (offset as usize).min(total);
    let end = start.saturating_add(max as usize).min(total);
    let page: Vec<T> = items.drain(start..end).collect();
    let next = next_page_token(offset, page.len(), end < total);
    Ok((page, next))
}

fn num(v: i64) -> Option<Value> {
    Some(Value::Num(v as f64))
}
fn text(s: &str) -> Option<Value> {
    Some(Value::Str(s.to_string()))
}

impl Searchable for Run {
    /// MLflow's run search joins on the param or tag: a missing one matches no clause.
    fn missing_matches_not_equal(&self) -> bool {
        false
    }

    fn attribute(&self, name: &str) -> Option<Value> {
        let i = &self.info;
        match name {
            "run_id" => text(i.run_id.as_str()),
            "run_name" => text(&i.run_name),
            "status" => text(i.status.as_str()),
            "start_time" => num(i.start_time),
            "end_time" => i.end_time.and_then(num),
            "user_id" => text(&i.user_id),
            "artifact_uri" => text(&i.artifact_uri),
            "lifecycle_stage" => text(i.lifecycle_stage.as_str()),
            "experiment_id" => text(&i.experiment_id.to_string()),
            _ => None,
        }
    }
    fn metric(&self, key: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|m| m.key.as_str() == key)
            .map(|m| m.value)
    }
    fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|p| p.key.as_str() == key)
            .map(|p| p.value.as_str())
    }
    fn tag(&self, key: &str) -> Option<&str> {
        Run::tag(self, key)
    }
    fn datasets(&self) -> Vec<(&str, &str, Option<&str>)> {
        self.inputs
            .iter()
            .map(|i| {
                let ctx = i
                    .tags
                    .iter()
                    .find(|t| t.key.as_str() == "mlflow.data.context")
                    .map(|t| t.value.as_str());
                (i.dataset.name.as_str(), i.dataset.digest.as_str(), ctx)
            })
            .collect()
    }
}

impl Searchable for Experiment {
    /// MLflow's experiment search joins on the tag: a missing tag matches no clause.
    fn missing_matches_not_equal(&self) -> bool {
        false
    }

    fn attribute(&self, name: &str) -> Option<Value> {
        match name {
            "name" => text(self.name.as_str()),
            "experiment_id" => text(&self.id.to_string()),
            "creation_timestamp" | "creation_time" => num(self.creation_time),
            "last_updated_timestamp" | "last_update_time" => num(self.last_update_time),
            "lifecycle_stage" => text(self.lifecycle_stage.as_str()),
            _ => None,
        }
    }
    fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|t| t.key.as_str() == key)
            .map(|t| t.value.as_str())
    }
}

impl Searchable for RegisteredModel {
    fn attribute(&self, name: &str) -> Option<Value> {
        match name {
            "name" => text(self.name.as_str()),
            "creation_timestamp" => num(self.creation_time),
            "last_updated_timestamp" => num(self.last_updated_time),
            _ => None,
        }
    }
    fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|t| t.key.as_str() == key)
            .map(|t| t.value.as_str())
    }
}

impl Searchable for ModelVersion {
    fn attribute(&self, name: &str) -> Option<Value> {
        match name {
            "name" => text(self.name.as_str()),
            "version_number" => num(self.version.get()),
            "run_id" => self.run_id.as_ref().and_then(|r| text(r.as_str())),
            "source_path" => text(&self.source),
            "current_stage" => text(self.stage.as_str()),
            "creation_timestamp" => num(self.creation_time),
            "last_updated_timestamp" => num(self.last_updated_time),
            "model_id" => self.logged_model_id.as_ref().and_then(|m| text(m.as_str())),
            _ => None,
        }
    }
    fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|t| t.key.as_str() == key)
            .map(|t| t.value.as_str())
    }
}

impl Searchable for LoggedModel {
    fn attribute(&self, name: &str) -> Option<Value> {
        match name {
            "name" => text(&self.name),
            "model_id" => text(self.model_id.as_str()),
            "source_run_id" => self.source_run_id.as_ref().and_then(|r| text(r.as_str())),
            "status" => text(self.status.as_str()),
            "creation_timestamp" => num(self.creation_time),
            "last_updated_timestamp" => num(self.last_updated_time),
            "experiment_id" => text(&self.experiment_id.to_string()),
            _ => None,
        }
    }
    fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|p| p.key.as_str() == key)
            .map(|p| p.value.as_str())
    }
    fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|t| t.key.as_str() == key)
            .map(|t| t.value.as_str())
    }
}

impl Registry {
    /// Every experiment in a view.
    pub async fn all_experiments(&self, view: ViewType) -> Result<Vec<Experiment>> {
        Ok(self.list_experiments(view, i64::MAX / 2, 0).await?.0)
    }

    /// Every registered model with its tags, aliases and latest versions.
    pub async fn all_registered_models(&self) -> Result<Vec<RegisteredModel>> {
        self.registered_models_bulk().await
    }

    /// Searches model versions. A `name = '…'` clause (what clients send) loads only that
    /// model's versions instead of every version of every model.
    pub async fn search_model_versions(
        &self,
        args: SearchArgs,
    ) -> Result<(Vec<ModelVersion>, Option<String>)> {
        let filter = parse_filter(&args.filter, Entity::ModelVersion)?;
        let named = filter
            .clauses()
            .iter()
            .find_map(|c| match (&c.field, c.op, &c.operand) {
                (Field::Attribute { name: "name", .. }, Op::Eq, Operand::Text(n)) => {
                    Some(n.clone())
                }
                _ => None,
            });
        // The clients' own query, `name = '…'` ordered newest first, pages in SQL.
        let order = parse_order_by(&args.order_by, Entity::ModelVersion)?;
        let newest_first = order.iter().all(|o| match &o.key {
            SortKey::Attribute { name: "name", .. } => true,
            SortKey::Attribute {
                name: "version_number",
                ..
            } => o.descending,
            _ => false,
        }) && order.iter().any(|o| {
            matches!(
                o.key,
                SortKey::Attribute {
                    name: "version_number",
                    ..
                }
            )
        });
        // MLflow's default order (what clients get without `order_by`) pages in SQL too.
        let is = |o: &crate::search::OrderBy, attr: &str, desc: bool| {
            matches!(o.key, SortKey::Attribute { name, .. } if name == attr) && o.descending == desc
        };
        let recent_first = order.len() == 3
            && is(&order[0], "last_updated_timestamp", true)
            && matches!(order[1].key, SortKey::Attribute { name: "name", .. })
            && is(&order[2], "version_number", true);
        if let (Some(n), true, 1) = (&named, newest_first || recent_first, filter.clauses().len()) {
            let max = args.max_results.unwrap_or(args.default_max);
            if max < 1 || max > args.cap {
                return Err(max_results_error(max, args.cap));
            }
            let offset = parse_page_token(args.page_token.as_deref())?;
            let Ok(name) = ModelName::parse(n.clone()) else {
                return Ok((Vec::new(), None));
            };
            let page = self
                .model_versions_page(&name, !newest_first, offset, max)
                .await;
            return match page {
                Ok((page, more)) => {
                    let next = next_page_token(offset, page.len(), more);
                    Ok((page, next))
                }
                Err(Error::NotFound { .. }) => Ok((Vec::new(), None)),
                Err(e) => Err(e),
            };
        }
        let candidates = match named {
            Some(n) => match ModelName::parse(n) {
                Ok(name) => match self.list_model_versions(&name).await {
                    Ok(v) => v,
                    Err(Error::NotFound { .. }) => Vec::new(),
                    Err(e) => return Err(e),
                },
                Err(_) => Vec::new(),
            },
            // Every version of every model in a fixed number of queries, not one per model.
            None => {
                let mut conn = self.store.acquire().await?;
                crate::store::versions::of_every_model(&mut conn).await?
            }
        };
        search_page(candidates, Entity::ModelVersion, args)
    }

    /// Searches runs in two passes: filter and order over only the keys the filter and
    /// order mention, then load the page's runs in full.
    pub async fn search_runs(
        &self,
        experiments: &[ExperimentId],
        view: ViewType,
        mut args: SearchArgs,
    ) -> Result<(Vec<Run>, Option<String>)> {
        // MLflow's tie-break, so equal sort keys come back in the same order on every page.
        args.order_by
            .extend(["start_time DESC".to_string(), "run_id ASC".to_string()]);
        let filter = parse_filter(&args.filter, Entity::Run)?;
        let order = parse_order_by(&args.order_by, Entity::Run)?;
        let max = args.max_results.unwrap_or(args.default_max);
        if max < 1 || max > args.cap {
            return Err(max_results_error(max, args.cap));
        }
        let offset = parse_page_token(args.page_token.as_deref())?;
        if let Some(q) = super::run_sql::plan(experiments, view, &filter, &order, offset, max + 1) {
            let mut conn = self.store.acquire().await?;
            let mut ids = crate::store::search::run_ids(&mut conn, &q).await?;
            drop(conn);
            let more = ids.len() as i64 > max;
            ids.truncate(max as usize);
            let next = next_page_token(offset, ids.len(), more);
            return Ok((self.runs_in_order(&ids).await?, next));
        }
        let needs = needs_for(&filter, &order);
        let slim = self
            .load_runs(Scope::Experiments(experiments), view, &needs)
            .await?;
        let (page, next) = search_page(slim, Entity::Run, args)?;
        let ids: Vec<RunId> = page.iter().map(|r| r.info.run_id.clone()).collect();
        Ok((self.runs_in_order(&ids).await?, next))
    }

    /// Runs by id, fully loaded, in the order of `ids` (missing ones left out).
    pub(crate) async fn runs_in_order(&self, ids: &[RunId]) -> Result<Vec<Run>> {
        let mut runs = self.runs_by_id(ids).await?;
        let pos: std::collections::HashMap<&RunId, usize> =
            ids.iter().enumerate().map(|(i, id)| (id, i)).collect();
        runs.sort_by_key(|r| pos.get(&r.info.run_id).copied().unwrap_or(usize::MAX));
        Ok(runs)
    }

    /// The general path only, for checking the fast path against it.
    #[doc(hidden)]
    pub async fn search_runs_in_memory(
        &self,
        experiments: &[ExperimentId],
        view: ViewType,
        mut args: SearchArgs,
    ) -> Result<(Vec<Run>, Option<String>)> {
        args.order_by
            .extend(["start_time DESC".to_string(), "run_id ASC".to_string()]);
        let runs = self.runs_in(experiments, view).await?;
        search_page(runs, Entity::Run, args)
    }
}

/// The keys a run search must load to filter and order.
fn needs_for(filter: &Filter, order: &[OrderBy]) -> Needs {
    let mut n = Needs {
        metrics: Some(vec![]),
        params: Some(vec![]),
        tags: Some(vec![]),
        inputs: false,
        outputs: false,
    };
    let add = |slot: &mut Option<Vec<String>>, k: &str| {
        if let Some(v) = slot {
            if !v.iter().any(|x| x == k) {
                v.push(k.to_string());
            }
        }
    };
    for c in filter.clauses() {
        match &c.field {
            Field::Metric(k) => add(&mut n.metrics, k),
            Field::Param(k) => add(&mut n.params, k),
            Field::Tag(k) => add(&mut n.tags, k),
            Field::Dataset(_) => n.inputs = true,
            Field::Attribute { .. } => {}
        }
    }
    for o in order {
        match &o.key {
            SortKey::Metric(k) => add(&mut n.metrics, k),
            SortKey::Param(k) => add(&mut n.params, k),
            SortKey::Tag(k) => add(&mut n.tags, k),
            SortKey::Attribute { .. } => {}
        }
    }
    n
}
