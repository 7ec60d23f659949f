//! Experiments: named groups of runs, each with its own artifact root.
use crate::names::{ExperimentId, ExperimentName, Tag};
use crate::time::Millis;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LifecycleStage {
    Active,
    Deleted,
}

impl LifecycleStage {
    pub fn as_str(self) -> &'static str {
        match self {
            LifecycleStage::Active => "active",
            LifecycleStage::Deleted => "deleted",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(LifecycleStage::Active),
            "deleted" => Some(LifecycleStage::Deleted),
            _ => None,
        }
    }
}

/// Which lifecycle stages a listing includes (MLflow's `ViewType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ViewType {
    #[default]
    ActiveOnly,
    DeletedOnly,
    All,
}

impl ViewType {
    pub fn includes(self, stage: LifecycleStage) -> bool {
        matches!(
            (self, stage),
            (ViewType::All, _)
                | (ViewType::ActiveOnly, LifecycleStage::Active)
                | (ViewType::DeletedOnly, LifecycleStage::Deleted)
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Experiment {
    pub id: ExperimentId,
    pub name: ExperimentName,
    /// Server-owned (`mlflow-artifacts:/<id>`), or an external location the operator
    /// allows, recorded verbatim (`crate::location`).
    pub artifact_location: String,
    pub lifecycle_stage: LifecycleStage,
    pub creation_time: Millis,
    pub last_update_time: Millis,
    pub tags: Vec<Tag>,
}
