//! A registered model as its page shows it: the model, one page of its versions, every
//! stage and alias tenure, and one metric across its versions (each version's source run's
//! latest value), with the versions that ever held Production marked. Built by
//! `Registry::model_view`; plain data, so the browser build shares it.
use crate::holders::{HoldKind, Holding};
use crate::model_version::ModelVersion;
use crate::names::{Key, Stage, Version};
use crate::registered_model::RegisteredModel;
use serde::{Deserialize, Serialize};

/// Versions per page of the model page.
pub const VERSIONS_PER_PAGE: i64 = 50;

/// What the model page asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelQuery {
    /// Versions to skip, newest first.
    pub offset: i64,
    /// The metric to chart; `None` picks one (see [`pick_metric`]).
    pub metric: Option<Key>,
}

/// One version's value of the charted metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionPoint {
    pub version: Version,
    pub value: f64,
    /// Whether the version ever held Production.
    pub production: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelView {
    pub model: RegisteredModel,
    /// The model's description, markdown rendered through the allow-list.
    pub description_html: crate::markdown::SafeHtml,
    /// This page of versions, newest first.
    pub versions: Vec<ModelVersion>,
    pub offset: i64,
    /// Whether older versions follow this page.
    pub more: bool,
    /// Every stage and alias tenure, oldest first.
    pub holdings: Vec<Holding>,
    /// The metric keys the versions' runs logged.
    pub metric_keys: Vec<Key>,
    /// The metric charted and shown per version, if any run logged one.
    pub metric: Option<Key>,
    /// Its value per version, in version order.
    pub points: Vec<VersionPoint>,
}

impl ModelView {
    /// Version `v`'s value of the charted metric.
    pub fn value_of(&self, v: Version) -> Option<f64> {
        self.points.iter().find(|p| p.version == v).map(|p| p.value)
    }
}

/// The metric a model page charts: the one asked for if any run logged it, otherwise the
/// first of the usual quality measures present, otherwise the first key.
pub fn pick_metric(keys: &[Key], asked: Option<&Key>) -> Option<Key> {
    const USUAL: [&str; 6] = ["auc", "roc_auc", "accuracy", "f1", "r2", "rmse"];
    if let Some(k) = asked.filter(|k| keys.contains(k)) {
        return Some(k.clone());
    }
    USUAL
        .iter()
        .find_map(|u| keys.iter().find(|k| k.as_str() == *u))
        .or_else(|| keys.first())
        .cloned()
}

/// The versions that ever held Production, per `holdings`.
pub fn production_holders(holdings: &[Holding]) -> Vec<Version> {
    let mut out: Vec<Version> = holdings
        .iter()
        .filter(|h| h.kind == HoldKind::Stage && h.slot == Stage::Production.as_str())
        .map(|h| h.version)
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(ks: &[&str]) -> Vec<Key> {
        ks.iter().map(|k| Key::parse(*k).unwrap()).collect()
    }

    #[test]
    fn the_charted_metric_is_the_one_asked_then_a_usual_one_then_the_first() {
        let ks = keys(&["accuracy", "auc", "loss"]);
        let loss = Key::parse("loss").unwrap();
        assert_eq!(pick_metric(&ks, Some(&loss)), Some(loss));
        let nope = Key::parse("nope").unwrap();
        assert_eq!(pick_metric(&ks, Some(&nope)).unwrap().as_str(), "auc");
        assert_eq!(
            pick_metric(&keys(&["loss", "zeta"]), None)
                .unwrap()
                .as_str(),
            "loss"
        );
        assert_eq!(pick_metric(&[], None), None);
    }
}
