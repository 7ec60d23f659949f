//! Model versions: an immutable artifact set registered under a model, with a stage, or an
//! external reference to files elsewhere (see `crate::external`).
use crate::external::{RunRef, SourceKind};
use crate::names::{AliasName, LoggedModelId, ModelName, Stage, Tag, Version};
use crate::time::Millis;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VersionStatus {
    PendingRegistration,
    FailedRegistration,
    Ready,
}

impl VersionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VersionStatus::PendingRegistration => "PENDING_REGISTRATION",
            VersionStatus::FailedRegistration => "FAILED_REGISTRATION",
            VersionStatus::Ready => "READY",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "PENDING_REGISTRATION" => Some(VersionStatus::PendingRegistration),
            "FAILED_REGISTRATION" => Some(VersionStatus::FailedRegistration),
            "READY" => Some(VersionStatus::Ready),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelVersion {
    pub name: ModelName,
    pub version: Version,
    pub source: String,
    /// Owned (inside a run's or logged model's root here, frozen) or an external reference.
    #[serde(default)]
    pub source_kind: SourceKind,
    /// The run it came from: tracked here, or a reference kept verbatim.
    pub run_id: Option<RunRef>,
    pub run_link: String,
    pub logged_model_id: Option<LoggedModelId>,
    pub status: VersionStatus,
    pub stage: Stage,
    pub description: String,
    pub user_id: String,
    pub creation_time: Millis,
    pub last_updated_time: Millis,
    pub tags: Vec<Tag>,
    pub aliases: Vec<AliasName>,
}

/// What a caller supplies to register a version. The version number is never supplied: it
/// is allocated inside the transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewModelVersion {
    pub name: ModelName,
    pub source: String,
    /// As the client sent it: a run tracked here, or kept as an external run reference.
    pub run_id: Option<String>,
    pub run_link: String,
    pub logged_model_id: Option<LoggedModelId>,
    pub description: String,
    pub tags: Vec<Tag>,
}

impl ModelVersion {
    /// Whether the source is an external reference (never read or served, not frozen).
    pub fn is_external(&self) -> bool {
        self.source_kind.is_external()
    }
}

/// The result of a stage transition: the version moved and any version archived with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    pub version: ModelVersion,
    pub archived: Vec<Version>,
}

/// The versions a transition archives alongside moving `target` to `to`.
///
/// MLflow's rule: with `archive_existing`, every other version in the destination stage
/// (Staging or Production) is archived. Pedigree's rule on top: a model whose policy is
/// single-Production archives the previous Production version whatever the flag says,
/// because the schema allows only one.
pub fn versions_to_archive(
    target: Version,
    to: Stage,
    archive_existing: bool,
    single_production: bool,
    others: &[(Version, Stage)],
) -> Vec<Version> {
    let archive_stage = matches!(to, Stage::Staging | Stage::Production)
        && (archive_existing || (to == Stage::Production && single_production));
    if !archive_stage {
        return Vec::new();
    }
    others
        .iter()
        .filter(|(v, s)| *v != target && *s == to)
        .map(|(v, _)| *v)
        .collect()
}

#[cfg(test)]
mod rule_tests {
    use super::*;

    fn v(n: i64) -> Version {
        Version::new(n).unwrap()
    }

    #[test]
    fn single_production_archives_previous_even_without_flag() {
        let others = [
            (v(1), Stage::Production),
            (v(2), Stage::Staging),
            (v(3), Stage::None),
        ];
        assert_eq!(
            versions_to_archive(v(3), Stage::Production, false, true, &others),
            vec![v(1)]
        );
    }

    #[test]
    fn multi_production_keeps_others_unless_asked() {
        let others = [(v(1), Stage::Production), (v(2), Stage::Production)];
        assert!(versions_to_archive(v(3), Stage::Production, false, false, &others).is_empty());
        assert_eq!(
            versions_to_archive(v(3), Stage::Production, true, false, &others),
            vec![v(1), v(2)]
        );
    }

    #[test]
    fn archive_existing_applies_to_staging_only_in_that_stage() {
        let others = [(v(1), Stage::Staging), (v(2), Stage::Production)];
        assert_eq!(
            versions_to_archive(v(3), Stage::Staging, true, true, &others),
            vec![v(1)]
        );
    }

    #[test]
    fn moving_to_none_or_archived_archives_nothing() {
        let others = [(v(1), Stage::Production)];
        assert!(versions_to_archive(v(2), Stage::Archived, true, true, &others).is_empty());
        assert!(versions_to_archive(v(2), Stage::None, true, true, &others).is_empty());
    }

    #[test]
    fn the_target_itself_is_never_archived() {
        let others = [(v(1), Stage::Production)];
        assert!(versions_to_archive(v(1), Stage::Production, true, true, &others).is_empty());
    }
}
