//! A model version as its page shows it: the version, the run it came from (when tracked
//! here) with its metric curves, its frozen files with the manifest digest, every stage and
//! alias tenure it held, and its lineage graph. Built by `Registry::version_view`; plain data, so the browser build shares it.
use crate::artifact::VersionFiles;
use crate::chart::Series;
use crate::holders::Holding;
use crate::lineage::LineageGraph;
use crate::model_version::ModelVersion;
use crate::run::Run;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionView {
    pub version: ModelVersion,
    /// The version's description, markdown rendered through the allow-list.
    pub description_html: crate::markdown::SafeHtml,
    /// The source run, when it is tracked here and still exists.
    pub run: Option<Run>,
    /// `None` for an external source: its files are not held here.
    pub files: Option<VersionFiles>,
    /// This version's stage and alias tenures, oldest first.
    pub holdings: Vec<Holding>,
    /// Each of the run's metrics over its steps, downsampled to [`CHART_POINTS`].
    pub charts: Vec<Series>,
    /// Datasets and upstream models → run → logged model → version → stages and aliases.
    pub lineage: LineageGraph,
}

/// Points per series on a page's metric charts: enough for any screen's width, few enough
/// that a 100,000-step history stays a small SVG.
pub const CHART_POINTS: usize = 500;

impl VersionView {
    /// The run's latest value of metric `key`, if it logged one.
    pub fn metric(&self, key: &str) -> Option<f64> {
        self.run
            .as_ref()?
            .metrics
            .iter()
            .find(|m| m.key.as_str() == key)
            .map(|m| m.value)
    }
}

/// Two versions of one model side by side: `base` (by default the champion) and `other`
/// (by default the challenger), their runs' params and latest metrics compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareView {
    pub base: VersionView,
    pub other: VersionView,
    /// `candidate` is `other`'s value, `production` is `base`'s.
    pub params: Vec<crate::review_view::ParamRow>,
    pub metrics: Vec<crate::review_view::MetricRow>,
}

/// Which way a metric is better, from its name: losses and errors fall, scores rise;
/// `None` where the name does not say.
pub fn higher_is_better(key: &str) -> Option<bool> {
    let k = key.to_ascii_lowercase();
    const LOWER: [&str; 8] = [
        "loss",
        "error",
        "rmse",
        "mae",
        "mse",
        "mape",
        "perplexity",
        "latency",
    ];
    const HIGHER: [&str; 9] = [
        "auc",
        "accuracy",
        "acc",
        "f1",
        "precision",
        "recall",
        "r2",
        "ndcg",
        "map",
    ];
    let words: Vec<&str> = k.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    if words.iter().any(|w| LOWER.contains(w)) {
        Some(false)
    } else if words.iter().any(|w| HIGHER.contains(w)) {
        Some(true)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::higher_is_better;

    #[test]
    fn metric_names_say_which_way_is_better() {
        assert_eq!(higher_is_better("val_loss"), Some(false));
        assert_eq!(higher_is_better("RMSE"), Some(false));
        assert_eq!(higher_is_better("auc"), Some(true));
        assert_eq!(higher_is_better("test.accuracy"), Some(true));
        assert_eq!(higher_is_better("throughput"), None);
        assert_eq!(higher_is_better("lossless_ratio"), None);
    }
}
