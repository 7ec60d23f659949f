//! The review queue as a person meets it: who may decide a request and, when they may
//! not, the sentence that says why ([`Eligibility`]); the rows of the queue and its three
//! views ([`QueueTab`]); and the request page's comparison of the candidate against the
//! current Production version ([`ParamRow`], [`MetricRow`]). No I/O: the browser shares
//! these types; `service::review_queue` fills them.
//!
//! [`eligibility`] mirrors the rules `service::reviews` enforces (four eyes, the approver
//! role, one approval per approver) so a page can say in advance what a decision would
//! meet. The service still decides: a page that shows a button has promised nothing.
use crate::access::Role;
use crate::model_version::ModelVersion;
use crate::names::{ModelName, Stage, Tag, Version};
use crate::review::{RequestId, RequestStatus, TransitionRequest};
use crate::run::Metric;
use crate::time::Millis;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whether the viewer may approve or reject a request, and if not, why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Eligibility {
    /// May approve and reject.
    May,
    /// The request is decided already.
    Decided { status: RequestStatus },
    /// Not signed in.
    Anonymous,
    /// The viewer asked for this transition.
    Requester,
    /// The viewer registered the version.
    Registrant,
    /// The viewer's role on the model is below approver.
    NotApprover { role: Option<Role> },
    /// The viewer's approval is counted already.
    AlreadyApproved,
}

impl Eligibility {
    pub fn may_decide(&self) -> bool {
        *self == Eligibility::May
    }

    /// Why the viewer cannot decide, as a sentence; `None` when they can.
    pub fn reason(&self) -> Option<String> {
        Some(match self {
            Eligibility::May => return None,
            Eligibility::Decided { status } => {
                format!("This request is {status}; only an open request can be decided.")
            }
            Eligibility::Anonymous => "Sign in to approve or reject this request.".into(),
            Eligibility::Requester => {
                "You requested this transition; a second person must approve it.".into()
            }
            Eligibility::Registrant => {
                "You registered this version; a second person must approve its transition.".into()
            }
            Eligibility::NotApprover { role } => match role {
                Some(r) => {
                    format!("Approving needs the approver role on this model; you are a {r} here.")
                }
                None => "Approving needs the approver role on this model; you have none.".into(),
            },
            Eligibility::AlreadyApproved => {
                "You have approved this request; it waits for another approver.".into()
            }
        })
    }
}

/// Who may decide `req`: `viewer` (`None`: anonymous) holding `role` on the model, the
/// version registered by `registrant`.
pub fn eligibility(
    viewer: Option<&str>,
    role: Option<Role>,
    req: &TransitionRequest,
    registrant: &str,
) -> Eligibility {
    if !req.status.is_open() {
        return Eligibility::Decided { status: req.status };
    }
    let Some(who) = viewer else {
        return Eligibility::Anonymous;
    };
    if who == req.requested_by {
        return Eligibility::Requester;
    }
    if who == registrant {
        return Eligibility::Registrant;
    }
    if role < Some(Role::Approver) {
        return Eligibility::NotApprover { role };
    }
    if req.approvals.iter().any(|a| a.approver == who) {
        return Eligibility::AlreadyApproved;
    }
    Eligibility::May
}

/// The views of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueTab {
    /// Open requests the viewer may decide.
    #[default]
    Awaiting,
    /// Requests the viewer opened, any status.
    Mine,
    /// Every request the viewer may read, any status.
    All,
}

impl QueueTab {
    pub const ALL: [QueueTab; 3] = [QueueTab::Awaiting, QueueTab::Mine, QueueTab::All];

    /// The tab's name in a URL (`?tab=mine`).
    pub fn as_str(self) -> &'static str {
        match self {
            QueueTab::Awaiting => "awaiting",
            QueueTab::Mine => "mine",
            QueueTab::All => "all",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            QueueTab::Awaiting => "Awaiting me",
            QueueTab::Mine => "Mine",
            QueueTab::All => "All",
        }
    }

    /// The tab a URL names; anything else is the default.
    pub fn from_query(s: Option<&str>) -> QueueTab {
        QueueTab::ALL
            .into_iter()
            .find(|t| Some(t.as_str()) == s)
            .unwrap_or_default()
    }
}

/// One request as the queue lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueRow {
    pub id: RequestId,
    pub name: ModelName,
    pub version: Version,
    pub to_stage: Stage,
    pub requested_by: String,
    pub created_at: Millis,
    pub approvals: usize,
    pub approvals_needed: i64,
    pub status: RequestStatus,
    pub eligibility: Eligibility,
}

impl QueueRow {
    pub fn new(req: &TransitionRequest, eligibility: Eligibility) -> Self {
        QueueRow {
            id: req.id,
            name: req.name.clone(),
            version: req.version,
            to_stage: req.to_stage,
            requested_by: req.requested_by.clone(),
            created_at: req.created_at,
            approvals: req.approvals.len(),
            approvals_needed: req.approvals_needed,
            status: req.status,
            eligibility,
        }
    }

    /// Whether the row belongs in `tab` for `viewer`.
    pub fn in_tab(&self, tab: QueueTab, viewer: Option<&str>) -> bool {
        match tab {
            QueueTab::Awaiting => self.eligibility.may_decide(),
            QueueTab::Mine => viewer == Some(self.requested_by.as_str()),
            QueueTab::All => true,
        }
    }
}

/// A page of the queue: the rows of one tab, newest first, and the server's clock when it
/// read them (ages are measured against it, the same on the server and in the browser).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuePage {
    pub tab: QueueTab,
    pub signed_in: bool,
    pub rows: Vec<QueueRow>,
    pub now: Millis,
}

/// One parameter of the candidate's run beside the Production version's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamRow {
    pub key: String,
    pub candidate: Option<String>,
    pub production: Option<String>,
}

impl ParamRow {
    pub fn differs(&self) -> bool {
        self.candidate != self.production
    }
}

/// One metric's latest value in the candidate's run beside the Production version's.
/// Values travel as text so NaN and infinities survive JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricRow {
    pub key: String,
    #[serde(with = "float_text")]
    pub candidate: Option<f64>,
    #[serde(with = "float_text")]
    pub production: Option<f64>,
}

impl MetricRow {
    /// Candidate minus Production, when both are there.
    pub fn delta(&self) -> Option<f64> {
        Some(self.candidate? - self.production?)
    }
}

mod float_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(x) => s.serialize_some(&x.to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|t| t.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// The parameters of both runs by key, sorted.
pub fn compare_params(candidate: &[Tag], production: &[Tag]) -> Vec<ParamRow> {
    let mut rows: BTreeMap<&str, ParamRow> = BTreeMap::new();
    let blank = |k: &str| ParamRow {
        key: k.to_string(),
        candidate: None,
        production: None,
    };
    for t in candidate {
        let k = t.key.as_str();
        rows.entry(k).or_insert_with(|| blank(k)).candidate = Some(t.value.clone());
    }
    for t in production {
        let k = t.key.as_str();
        rows.entry(k).or_insert_with(|| blank(k)).production = Some(t.value.clone());
    }
    rows.into_values().collect()
}

/// The latest metric values of both runs by key, sorted.
pub fn compare_metrics(candidate: &[Metric], production: &[Metric]) -> Vec<MetricRow> {
    let mut rows: BTreeMap<&str, MetricRow> = BTreeMap::new();
    let blank = |k: &str| MetricRow {
        key: k.to_string(),
        candidate: None,
        production: None,
    };
    for m in candidate {
        let k = m.key.as_str();
        rows.entry(k).or_insert_with(|| blank(k)).candidate = Some(m.value);
    }
    for m in production {
        let k = m.key.as_str();
        rows.entry(k).or_insert_with(|| blank(k)).production = Some(m.value);
    }
    rows.into_values().collect()
}

/// What the request page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewPage {
    pub request: TransitionRequest,
    /// `None` when the version was deleted after the request was opened.
    pub candidate: Option<ModelVersion>,
    /// The newest other version in Production, if any.
    pub production: Option<ModelVersion>,
    pub params: Vec<ParamRow>,
    pub metrics: Vec<MetricRow>,
    pub eligibility: Eligibility,
    /// Who is reading; `None`: anonymous (who may not comment).
    pub viewer: Option<String>,
    pub now: Millis,
}

/// Who is signed in, their registry-wide role, and how many open requests wait for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// `None`: anonymous.
    pub user: Option<String>,
    pub role: Option<Role>,
    pub awaiting: usize,
}

#[cfg(test)]
mod tests;
