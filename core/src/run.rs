//! Runs: one training execution with its params, tags, metric history and dataset inputs.
//! The provenance MLflow clients send as `mlflow.*` tags (git commit, source, user) is lifted
//! into first-class fields in `Provenance`.
use crate::error::{Error, Result};
use crate::experiment::LifecycleStage;
use crate::names::{ExperimentId, Key, LoggedModelId, RunId, Tag};
use crate::time::Millis;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum RunStatus {
    #[default]
    Running,
    Scheduled,
    Finished,
    Failed,
    Killed,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "RUNNING",
            RunStatus::Scheduled => "SCHEDULED",
            RunStatus::Finished => "FINISHED",
            RunStatus::Failed => "FAILED",
            RunStatus::Killed => "KILLED",
        }
    }
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            RunStatus::Finished | RunStatus::Failed | RunStatus::Killed
        )
    }
}

impl FromStr for RunStatus {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "RUNNING" => RunStatus::Running,
            "SCHEDULED" => RunStatus::Scheduled,
            "FINISHED" => RunStatus::Finished,
            "FAILED" => RunStatus::Failed,
            "KILLED" => RunStatus::Killed,
            _ => {
                return Err(Error::invalid(format!(
                "Invalid run status '{s}': expected RUNNING, SCHEDULED, FINISHED, FAILED or KILLED"
            )))
            }
        })
    }
}

/// One metric observation. `value` may be NaN or ±Infinity (MLflow clients send them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    pub key: Key,
    pub value: f64,
    pub timestamp: Millis,
    pub step: i64,
    /// The MLflow 3 logged model this point belongs to, if any.
    #[serde(default)]
    pub model_id: Option<LoggedModelId>,
    /// The dataset the point was evaluated on (MLflow 3), by name and digest.
    #[serde(default)]
    pub dataset_name: Option<String>,
    #[serde(default)]
    pub dataset_digest: Option<String>,
}

/// A dataset as MLflow describes it: identified by (name, digest) within an experiment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dataset {
    pub name: String,
    pub digest: String,
    pub source_type: String,
    pub source: String,
    pub schema: Option<String>,
    pub profile: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetInput {
    pub dataset: Dataset,
    /// Input tags such as `mlflow.data.context = training`.
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub run_id: RunId,
    pub experiment_id: ExperimentId,
    pub run_name: String,
    pub user_id: String,
    pub status: RunStatus,
    pub start_time: Millis,
    pub end_time: Option<Millis>,
    pub artifact_uri: String,
    pub lifecycle_stage: LifecycleStage,
}

/// Where a run came from, lifted out of the `mlflow.*` tags clients send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Provenance {
    pub git_commit: Option<String>,
    pub source: Option<String>,
    pub source_type: Option<String>,
    pub user: Option<String>,
    pub hardware: Option<String>,
    pub duration_ms: Option<i64>,
}

/// The tag keys MLflow clients use for provenance.
pub const TAG_GIT_COMMIT: &str = "mlflow.source.git.commit";
pub const TAG_SOURCE_NAME: &str = "mlflow.source.name";
pub const TAG_SOURCE_TYPE: &str = "mlflow.source.type";
pub const TAG_USER: &str = "mlflow.user";
pub const TAG_RUN_NAME: &str = "mlflow.runName";
/// Pedigree's own tag for the hardware a run trained on (clients may set it).
pub const TAG_HARDWARE: &str = "pedigree.hardware";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub info: RunInfo,
    /// The latest value of each metric.
    pub metrics: Vec<Metric>,
    pub params: Vec<Tag>,
    pub tags: Vec<Tag>,
    pub inputs: Vec<DatasetInput>,
    /// MLflow 3 logged models this run consumed.
    #[serde(default)]
    pub model_inputs: Vec<LoggedModelId>,
    /// MLflow 3 logged models this run produced, with the step they were logged at.
    #[serde(default)]
    pub outputs: Vec<(LoggedModelId, i64)>,
}

impl Run {
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|t| t.key.as_str() == key)
            .map(|t| t.value.as_str())
    }

    pub fn provenance(&self) -> Provenance {
        let own = |k: &str| self.tag(k).map(str::to_string);
        Provenance {
            git_commit: own(TAG_GIT_COMMIT),
            source: own(TAG_SOURCE_NAME),
            source_type: own(TAG_SOURCE_TYPE),
            user: own(TAG_USER)
                .or_else(|| Some(self.info.user_id.clone()).filter(|u| !u.is_empty())),
            hardware: own(TAG_HARDWARE),
            duration_ms: self.info.end_time.map(|e| e - self.info.start_time),
        }
    }
}

/// A run as its page shows it: the run and each of its metrics over its steps,
/// downsampled for drawing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunView {
    pub run: Run,
    pub charts: Vec<crate::chart::Series>,
}
