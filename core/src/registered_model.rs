//! Registered models: a name, a description, tags, aliases and a Production policy.
use crate::model_version::ModelVersion;
use crate::names::{AliasName, ModelName, Tag, Version};
use crate::time::Millis;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alias {
    pub alias: AliasName,
    pub version: Version,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisteredModel {
    pub name: ModelName,
    pub description: String,
    pub creation_time: Millis,
    pub last_updated_time: Millis,
    pub tags: Vec<Tag>,
    pub aliases: Vec<Alias>,
    /// When true (the default) at most one version is in Production: promoting one archives
    /// the previous Production version in the same transaction.
    pub single_production: bool,
    /// The newest version in each stage (MLflow's `latest_versions`).
    pub latest_versions: Vec<ModelVersion>,
}

/// A model-list row: what the dashboard's list shows without loading every version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    pub name: ModelName,
    pub description: String,
    pub last_updated_time: Millis,
    pub version_count: i64,
    pub production_version: Option<Version>,
    pub staging_version: Option<Version>,
    pub aliases: Vec<Alias>,
}
