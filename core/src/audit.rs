//! The audit log: the spine of governance. Every mutation appends exactly one event in the
//! same transaction as the change; events are hash-chained so an edited or deleted row is
//! detected by `verify`.
use crate::access::TeamName;
use crate::artifact::ArtifactPath;
use crate::error::{Error, Result};
use crate::names::{AliasName, ExperimentId, LoggedModelId, ModelName, RunId, UserName, Version};
use crate::time::Millis;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

pub mod export;
pub mod query;
pub use query::{AuditCursor, AuditFilter, AuditPage, AuditQuery, SubjectFilter};

/// The hash before the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub seq: i64,
    pub at: Millis,
    pub actor: String,
    pub action: String,
    /// What changed, e.g. `registered_model:fraud-detector` or `model_version:fraud-detector/3`.
    pub subject: String,
    /// A JSON summary of the state before, `null` for a creation.
    pub before: String,
    /// A JSON summary of the state after, `null` for a deletion.
    pub after: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEvent {
    /// The event's action, typed. The stored text is kept as written, since it is what
    /// the chain hashes; every event written through the write path parses.
    pub fn action(&self) -> Result<Action> {
        self.action.parse()
    }

    /// The event's subject, typed (see `action`).
    pub fn subject(&self) -> Result<Subject> {
        self.subject.parse()
    }
}

/// The fields an event is made of, before it is chained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub before: String,
    pub after: String,
}

/// The canonical byte form of an event that the chain hashes: length-prefixed fields in a
/// fixed order, so no choice of field contents can make two events collide.
pub fn canonical(seq: i64, at: Millis, r: &AuditRecord) -> Vec<u8> {
    let seq = seq.to_string();
    let at = at.to_string();
    let fields = [
        seq.as_str(),
        at.as_str(),
        &r.actor,
        &r.action,
        &r.subject,
        &r.before,
        &r.after,
    ];
    let mut out = Vec::with_capacity(fields.iter().map(|f| f.len() + 8).sum());
    for f in fields {
        out.extend_from_slice(&(f.len() as u64).to_be_bytes());
        out.extend_from_slice(f.as_bytes());
    }
    out
}

/// `sha256(prev_hash ‖ canonical(event))`, hex.
#[cfg(feature = "server")]
pub fn chain_hash(prev_hash: &str, seq: i64, at: Millis, r: &AuditRecord) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(canonical(seq, at, r));
    hex::encode(h.finalize())
}

/// The outcome of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum VerifyOutcome {
    /// A sound chain: its length, its head, and how many of its events did what (by the
    /// stored action name).
    Ok {
        events: i64,
        head: String,
        actions: std::collections::BTreeMap<String, i64>,
    },
    Broken {
        seq: i64,
        reason: String,
    },
}

/// Declares `Action` with its stored names, once: `Display`, `FromStr` and `ALL` agree.
macro_rules! actions {
    ($($variant:ident => $name:literal,)*) => {
        /// What a change did. Stored as its dotted name (`model_version.transition`); the
        /// audit page, the audit API and webhooks read it back with `FromStr`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(into = "&'static str", try_from = "String")]
        pub enum Action { $($variant,)* }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];
            pub fn as_str(self) -> &'static str {
                match self { $(Action::$variant => $name,)* }
            }
        }

        impl FromStr for Action {
            type Err = Error;
            fn from_str(s: &str) -> Result<Action> {
                match s {
                    $($name => Ok(Action::$variant),)*
                    _ => Err(Error::invalid(format!("Unknown audit action '{s}'"))),
                }
            }
        }
    };
}

actions! {
    ExperimentCreate => "experiment.create",
    ExperimentRename => "experiment.rename",
    ExperimentDelete => "experiment.delete",
    ExperimentRestore => "experiment.restore",
    ExperimentSetTag => "experiment.set_tag",
    ExperimentDeleteTag => "experiment.delete_tag",
    RunCreate => "run.create",
    RunUpdate => "run.update",
    RunDelete => "run.delete",
    RunRestore => "run.restore",
    RunLogBatch => "run.log_batch",
    RunDeleteTag => "run.delete_tag",
    RunLogInputs => "run.log_inputs",
    RunLogOutputs => "run.log_outputs",
    LoggedModelCreate => "logged_model.create",
    LoggedModelFinalize => "logged_model.finalize",
    LoggedModelSetTags => "logged_model.set_tags",
    LoggedModelLogParams => "logged_model.log_params",
    LoggedModelDeleteTag => "logged_model.delete_tag",
    LoggedModelDelete => "logged_model.delete",
    RegisteredModelCreate => "registered_model.create",
    RegisteredModelRename => "registered_model.rename",
    RegisteredModelUpdate => "registered_model.update",
    RegisteredModelSetPolicy => "registered_model.set_policy",
    RegisteredModelDelete => "registered_model.delete",
    RegisteredModelSetTag => "registered_model.set_tag",
    RegisteredModelDeleteTag => "registered_model.delete_tag",
    ModelVersionCreate => "model_version.create",
    ModelVersionUpdate => "model_version.update",
    ModelVersionTransition => "model_version.transition",
    ModelVersionDelete => "model_version.delete",
    ModelVersionSetTag => "model_version.set_tag",
    ModelVersionDeleteTag => "model_version.delete_tag",
    AliasSet => "alias.set",
    AliasDelete => "alias.delete",
    ArtifactPut => "artifact.put",
    ArtifactDelete => "artifact.delete",
    UserCreate => "user.create",
    TokenIssue => "token.issue",
    TokenRevoke => "token.revoke",
    UserSetPassword => "user.set_password",
    UserChangePassword => "user.change_password",
    SessionSignIn => "session.sign_in",
    SessionSignInFailed => "session.sign_in_failed",
    SessionSignOut => "session.sign_out",
    ReviewOpen => "review.open",
    ReviewApprove => "review.approve",
    ReviewReject => "review.reject",
    ReviewCancel => "review.cancel",
    ReviewComment => "review.comment",
    ReviewApply => "review.apply",
    ReviewSetPolicy => "review.set_policy",
    RegisteredModelSetOwner => "registered_model.set_owner",
    TeamCreate => "team.create",
    TeamAddMember => "team.add_member",
    TeamRemoveMember => "team.remove_member",
    GrantSet => "grant.set",
    GrantRevoke => "grant.revoke",
    ModelVersionRollback => "model_version.rollback",
    ReviewOverride => "review.override",
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Action> for &'static str {
    fn from(a: Action) -> &'static str {
        a.as_str()
    }
}

impl TryFrom<String> for Action {
    type Error = Error;
    fn try_from(s: String) -> Result<Action> {
        s.parse()
    }
}

/// What a change was made to. Stored as `kind:key` (`model_version:fraud-detector/3`,
/// `registered_model:fraud-detector@champion`); model names cannot hold `/`, `@` or `:`,
/// so every form parses back to the subject it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Subject {
    Experiment(ExperimentId),
    Run(RunId),
    LoggedModel(LoggedModelId),
    RegisteredModel(ModelName),
    ModelVersion(ModelName, Version),
    Alias(ModelName, AliasName),
    Artifact(ArtifactPath),
    User(UserName),
    Token(i64),
    Team(TeamName),
}

impl Subject {
    /// The registered model this subject belongs to, where it belongs to one.
    pub fn model(&self) -> Option<&ModelName> {
        match self {
            Subject::RegisteredModel(m) | Subject::ModelVersion(m, _) | Subject::Alias(m, _) => {
                Some(m)
            }
            _ => None,
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Experiment(id) => write!(f, "experiment:{id}"),
            Subject::Run(id) => write!(f, "run:{id}"),
            Subject::LoggedModel(id) => write!(f, "logged_model:{id}"),
            Subject::RegisteredModel(m) => write!(f, "registered_model:{m}"),
            Subject::ModelVersion(m, v) => write!(f, "model_version:{m}/{v}"),
            Subject::Alias(m, a) => write!(f, "registered_model:{m}@{a}"),
            Subject::Artifact(p) => write!(f, "artifact:{p}"),
            Subject::User(u) => write!(f, "user:{u}"),
            Subject::Token(id) => write!(f, "token:{id}"),
            Subject::Team(t) => write!(f, "team:{t}"),
        }
    }
}

impl FromStr for Subject {
    type Err = Error;
    fn from_str(s: &str) -> Result<Subject> {
        let bad = || Error::invalid(format!("Unknown audit subject '{s}'"));
        let (kind, key) = s.split_once(':').ok_or_else(bad)?;
        Ok(match kind {
            "experiment" => Subject::Experiment(key.parse()?),
            "run" => Subject::Run(RunId::parse(key)?),
            "logged_model" => Subject::LoggedModel(LoggedModelId::parse(key)?),
            "registered_model" => match key.split_once('@') {
                Some((m, a)) => Subject::Alias(ModelName::parse(m)?, AliasName::parse(a)?),
                None => Subject::RegisteredModel(ModelName::parse(key)?),
            },
            "model_version" => {
                let (m, v) = key.rsplit_once('/').ok_or_else(bad)?;
                Subject::ModelVersion(ModelName::parse(m)?, v.parse()?)
            }
            "artifact" => Subject::Artifact(ArtifactPath::parse(key)?),
            "user" => Subject::User(UserName::parse(key)?),
            "token" => Subject::Token(key.parse().map_err(|_| bad())?),
            "team" => Subject::Team(TeamName::parse(key)?),
            _ => return Err(bad()),
        })
    }
}

impl From<Subject> for String {
    fn from(s: Subject) -> String {
        s.to_string()
    }
}

impl TryFrom<String> for Subject {
    type Error = Error;
    fn try_from(s: String) -> Result<Subject> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_reads_back_as_itself() {
        for a in Action::ALL {
            assert_eq!(a.as_str().parse::<Action>().unwrap(), *a);
        }
        let mut names: Vec<_> = Action::ALL.iter().map(|a| a.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len(), "two actions share a name");
        assert!("model_version.promote".parse::<Action>().is_err());
    }

    #[test]
    fn every_subject_reads_back_as_itself() {
        let m = ModelName::parse("fraud #2 ü?x").unwrap();
        let subjects = [
            Subject::Experiment(ExperimentId::new(7).unwrap()),
            Subject::Run(RunId::parse("0123456789abcdef0123456789abcdef").unwrap()),
            Subject::LoggedModel(
                LoggedModelId::parse("m-0123456789abcdef0123456789abcdef").unwrap(),
            ),
            Subject::RegisteredModel(m.clone()),
            Subject::ModelVersion(m.clone(), Version::new(12).unwrap()),
            Subject::Alias(m.clone(), AliasName::parse("champion").unwrap()),
            Subject::Artifact(ArtifactPath::parse("1/abc/artifacts/model.pkl").unwrap()),
            Subject::User(UserName::parse("alice").unwrap()),
            Subject::Token(42),
            Subject::Team(crate::access::TeamName::parse("fraud-team").unwrap()),
        ];
        for s in subjects {
            let text = s.to_string();
            assert_eq!(text.parse::<Subject>().unwrap(), s, "{text}");
        }
        assert_eq!(
            Subject::ModelVersion(m.clone(), Version::new(3).unwrap()).model(),
            Some(&m)
        );
        for bad in ["", "model", "model_version:x", "token:x", "planet:earth"] {
            assert!(bad.parse::<Subject>().is_err(), "{bad}");
        }
    }
}
