//! MLflow 3 logged models: a model produced by a run, with its own artifact root.
use crate::external::RunRef;
use crate::names::{ExperimentId, LoggedModelId, Tag};
use crate::time::Millis;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoggedModelStatus {
    Pending,
    Ready,
    Failed,
}

impl LoggedModelStatus {
    /// MLflow's wire names.
    pub fn as_str(self) -> &'static str {
        match self {
            LoggedModelStatus::Pending => "LOGGED_MODEL_PENDING",
            LoggedModelStatus::Ready => "LOGGED_MODEL_READY",
            LoggedModelStatus::Failed => "LOGGED_MODEL_UPLOAD_FAILED",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "LOGGED_MODEL_PENDING" => Some(LoggedModelStatus::Pending),
            "LOGGED_MODEL_READY" => Some(LoggedModelStatus::Ready),
            "LOGGED_MODEL_UPLOAD_FAILED" => Some(LoggedModelStatus::Failed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedModel {
    pub model_id: LoggedModelId,
    pub experiment_id: ExperimentId,
    pub name: String,
    /// The run that made it: tracked here, or an external run reference kept verbatim.
    pub source_run_id: Option<RunRef>,
    pub status: LoggedModelStatus,
    pub artifact_location: String,
    pub model_type: Option<String>,
    pub creation_time: Millis,
    pub last_updated_time: Millis,
    pub params: Vec<Tag>,
    pub tags: Vec<Tag>,
}
