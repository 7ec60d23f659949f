//! The review queue's domain: a transition request (a proposal to move one model version
//! to a stage, bound to the version's artifact set as it was when the request was opened),
//! its approvals and comments, its status, and a model's review policy. The rules that
//! decide over them live in `service::reviews`; the SQL in `store::reviews`.
use crate::error::{Error, Result};
use crate::names::{AliasName, ModelName, Stage, Version};
use crate::time::Millis;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

pub mod checks;
pub use checks::{CheckResult, RequiredCheck};

/// Longest comment or reason we accept: refuse, never truncate.
pub const MAX_COMMENT_LEN: usize = 20_000;
/// The most approvals a policy may ask for.
pub const MAX_APPROVALS: i64 = 10;

/// A transition request's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct RequestId(i64);

impl RequestId {
    pub fn new(id: i64) -> Result<Self> {
        if id < 1 {
            return Err(Error::invalid(format!(
                "A transition request id must be a positive integer, got {id}"
            )));
        }
        Ok(RequestId(id))
    }
    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for RequestId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let n: i64 = s.trim().parse().map_err(|_| {
            Error::invalid(format!(
                "A transition request id must be an integer, got '{s}'"
            ))
        })?;
        RequestId::new(n)
    }
}

impl TryFrom<i64> for RequestId {
    type Error = Error;
    fn try_from(v: i64) -> Result<Self> {
        RequestId::new(v)
    }
}

impl From<RequestId> for i64 {
    fn from(id: RequestId) -> i64 {
        id.0
    }
}

/// Where a request is in its life. `Open` is the only undecided status; every other one is
/// final. `Approved` (enough approvals, not yet applied) is reserved: today the last
/// approval applies the transition in the same transaction, so a request goes straight
/// from `Open` to `Applied`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum RequestStatus {
    Open,
    Approved,
    Rejected,
    Cancelled,
    Applied,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 5] = [
        RequestStatus::Open,
        RequestStatus::Approved,
        RequestStatus::Rejected,
        RequestStatus::Cancelled,
        RequestStatus::Applied,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Open => "open",
            RequestStatus::Approved => "approved",
            RequestStatus::Rejected => "rejected",
            RequestStatus::Cancelled => "cancelled",
            RequestStatus::Applied => "applied",
        }
    }
    pub fn is_open(self) -> bool {
        self == RequestStatus::Open
    }
}

impl fmt::Display for RequestStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RequestStatus {
    type Err = Error;
    /// Case-insensitive (`OPEN` and `open` alike).
    fn from_str(s: &str) -> Result<Self> {
        RequestStatus::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                Error::invalid(format!(
                    "Invalid transition request status '{s}'. Valid statuses are open, approved, rejected, cancelled, applied."
                ))
            })
    }
}

impl From<RequestStatus> for &'static str {
    fn from(s: RequestStatus) -> &'static str {
        s.as_str()
    }
}

impl TryFrom<String> for RequestStatus {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

/// A comment or a decision's reason: free text, bounded, no NUL (a 5xx on PostgreSQL).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CommentText(String);

impl CommentText {
    pub fn parse(s: impl Into<String>) -> Result<Self> {
        let s = s.into();
        if s.chars().count() > MAX_COMMENT_LEN {
            return Err(Error::invalid(format!(
                "A comment is longer than {MAX_COMMENT_LEN} characters"
            )));
        }
        if s.contains('\0') {
            return Err(Error::invalid("A comment must not contain NUL characters"));
        }
        Ok(CommentText(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl TryFrom<String> for CommentText {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        CommentText::parse(s)
    }
}

impl From<CommentText> for String {
    fn from(c: CommentText) -> String {
        c.0
    }
}

/// One approver's approval; an approver counts once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub approver: String,
    pub at: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestComment {
    pub author: String,
    pub body: CommentText,
    pub at: Millis,
}

/// A request to move `version` of `name` to `to_stage`, and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransitionRequest {
    pub id: RequestId,
    pub name: ModelName,
    pub version: Version,
    pub to_stage: Stage,
    pub requested_by: String,
    pub comment: CommentText,
    pub archive_existing_versions: bool,
    pub status: RequestStatus,
    pub approvals_needed: i64,
    /// The version's source when the request was opened.
    pub candidate_source: String,
    /// The SHA-256 (hex) of the version's artifact manifest when the request was opened;
    /// `None` for an external reference. Applying refuses if it no longer matches.
    pub candidate_digest: Option<String>,
    pub created_at: Millis,
    pub decided_at: Option<Millis>,
    pub decided_by: Option<String>,
    pub decision_comment: Option<String>,
    pub approvals: Vec<Approval>,
    pub comments: Vec<RequestComment>,
    /// The policy's required checks as last evaluated (when opened, then at each approval).
    #[serde(default)]
    pub checks: Vec<CheckResult>,
}

/// A model's review policy. Every request asks for `approvals_needed` distinct approvals
/// (fixed when it is opened). `gated_stages` names the stages a direct transition will
/// need a request for once the transition endpoint is wired to the queue (a later slice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewPolicy {
    pub gated_stages: Vec<Stage>,
    pub approvals_needed: i64,
    /// The alias that an applied promotion to Production moves to the new version (the
    /// model's production alias); `None`: no alias moves.
    pub production_alias: Option<AliasName>,
    /// Conditions a candidate must meet before a request may be approved (`checks`).
    #[serde(default)]
    pub checks: Vec<RequiredCheck>,
}

impl Default for ReviewPolicy {
    fn default() -> Self {
        ReviewPolicy {
            gated_stages: vec![Stage::Production],
            approvals_needed: 1,
            production_alias: Some(default_production_alias()),
            checks: Vec::new(),
        }
    }
}

/// `champion`: the alias serving code loads (`models:/name@champion`).
pub fn default_production_alias() -> AliasName {
    AliasName::parse("champion").expect("static alias is valid")
}

impl ReviewPolicy {
    pub fn new(gated_stages: Vec<Stage>, approvals_needed: i64) -> Result<Self> {
        if !(1..=MAX_APPROVALS).contains(&approvals_needed) {
            return Err(Error::invalid(format!(
                "approvals_needed must be between 1 and {MAX_APPROVALS}, got {approvals_needed}"
            )));
        }
        let mut gated_stages = gated_stages;
        gated_stages.sort_by_key(|s| s.as_str());
        gated_stages.dedup();
        Ok(ReviewPolicy {
            gated_stages,
            approvals_needed,
            production_alias: Some(default_production_alias()),
            checks: Vec::new(),
        })
    }

    /// The same policy requiring `checks` (names unique, at most `checks::MAX_CHECKS`).
    pub fn with_checks(mut self, checks: Vec<RequiredCheck>) -> Result<Self> {
        checks::validate(&checks)?;
        self.checks = checks;
        Ok(self)
    }

    /// The stored form of `gated_stages`: comma-separated stage names.
    pub fn gated_text(&self) -> String {
        self.gated_stages
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads `gated_text`'s form back.
    pub fn parse_gated(text: &str) -> Result<Vec<Stage>> {
        text.split(',')
            .filter(|s| !s.is_empty())
            .map(str::parse)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_ids_read_back() {
        for s in RequestStatus::ALL {
            assert_eq!(s.as_str().parse::<RequestStatus>().unwrap(), s);
        }
        assert!("done".parse::<RequestStatus>().is_err());
        assert_eq!("7".parse::<RequestId>().unwrap().get(), 7);
        assert!("0".parse::<RequestId>().is_err());
        assert!(CommentText::parse("a\0b").is_err());
    }

    #[test]
    fn policy_bounds_and_stored_form() {
        assert!(ReviewPolicy::new(vec![], 0).is_err());
        let p = ReviewPolicy::new(
            vec![Stage::Production, Stage::Staging, Stage::Production],
            2,
        )
        .unwrap();
        assert_eq!(p.gated_text(), "Production,Staging");
        assert_eq!(
            ReviewPolicy::parse_gated(&p.gated_text()).unwrap(),
            p.gated_stages
        );
        assert_eq!(ReviewPolicy::parse_gated("").unwrap(), vec![]);
    }
}
