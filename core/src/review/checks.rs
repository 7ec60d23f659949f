//! Required checks: the conditions a model's review policy sets on a candidate version
//! before a transition request may be approved, and what one evaluation of them saw.
//!
//! Two kinds, each under a name unique in its policy:
//!
//! - a filter on the candidate version's run, in MLflow's filter language (`crate::search`,
//!   as run search takes it): `metrics.auc >= 0.9 AND params.dataset = 'transactions-2026q3'`;
//! - "not worse than the current Production version on metric M": the candidate run's
//!   latest value of M against the value of every other version now in Production
//!   (higher is better unless the check says lower).
//!
//! Evaluation is pure (the caller loads the runs): the service evaluates when a request
//! opens and again at every approval (`service::review_checks`), and stores each result
//! with the values it saw, so a reviewer and the audit trail both see why a check passed or
//! failed.
use crate::error::{Error, Result};
use crate::names::{Key, Version};
use crate::search::{self, Entity, Searchable, Value};
use crate::time::Millis;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The most checks one policy may hold.
pub const MAX_CHECKS: usize = 20;
/// Longest check name, in characters.
pub const MAX_CHECK_NAME_LEN: usize = 100;

/// Which way a metric improves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    #[default]
    Higher,
    Lower,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Higher => "higher",
            Direction::Lower => "lower",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "higher" | "" => Ok(Direction::Higher),
            "lower" => Ok(Direction::Lower),
            _ => Err(Error::invalid(format!(
                "Invalid direction '{s}': use higher (higher is better) or lower (lower is better)"
            ))),
        }
    }
    /// Whether `candidate` is at least as good as `reference`.
    fn not_worse(self, candidate: f64, reference: f64) -> bool {
        match self {
            Direction::Higher => candidate >= reference,
            Direction::Lower => candidate <= reference,
        }
    }
}

/// What a check asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CheckRule {
    /// An MLflow filter that the candidate version's run must match.
    Filter { condition: String },
    /// The candidate's `metric` is not worse than any Production version's.
    NotWorseThan {
        metric: String,
        direction: Direction,
    },
}

/// One named check of a review policy. Built only through [`RequiredCheck::filter`] and
/// [`RequiredCheck::not_worse_than`], so a stored check always parses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequiredCheck {
    pub name: String,
    #[serde(flatten)]
    pub rule: CheckRule,
}

fn check_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_CHECK_NAME_LEN {
        return Err(Error::invalid(format!(
            "A check name must be 1 to {MAX_CHECK_NAME_LEN} characters, got '{name}'"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "A check name must not contain control characters",
        ));
    }
    Ok(name.to_string())
}

impl RequiredCheck {
    /// A filter check; `InvalidArgument` naming the position when `condition` does not
    /// parse as a run filter. An empty condition would pass everything, so it is refused.
    pub fn filter(name: &str, condition: &str) -> Result<Self> {
        let name = check_name(name)?;
        let parsed = search::parse_filter(condition, Entity::Run)
            .map_err(|e| Error::invalid(format!("Check '{name}': {e}")))?;
        if parsed.is_empty() {
            return Err(Error::invalid(format!(
                "Check '{name}' has an empty condition"
            )));
        }
        Ok(RequiredCheck {
            name,
            rule: CheckRule::Filter {
                condition: condition.trim().to_string(),
            },
        })
    }

    pub fn not_worse_than(name: &str, metric: &str, direction: Direction) -> Result<Self> {
        let name = check_name(name)?;
        let metric = Key::parse(metric)?.as_str().to_string();
        Ok(RequiredCheck {
            name,
            rule: CheckRule::NotWorseThan { metric, direction },
        })
    }

    /// The check as one line: the filter itself, or `metrics.M not worse than Production`.
    pub fn condition(&self) -> String {
        match &self.rule {
            CheckRule::Filter { condition } => condition.clone(),
            CheckRule::NotWorseThan { metric, direction } => format!(
                "metrics.{metric} not worse than the Production version ({} is better)",
                direction.as_str()
            ),
        }
    }

    /// Evaluates the check on the candidate's run and (for not-worse-than) the Production
    /// holders' runs.
    pub fn evaluate<E: Searchable>(
        &self,
        candidate: &RunSeen<'_, E>,
        production: &[(Version, RunSeen<'_, E>)],
        now: Millis,
    ) -> CheckResult {
        let mut values = CheckValues {
            run_id: candidate.run().map(|r| run_id(r)),
            ..CheckValues::default()
        };
        let (passed, reason) = match (&self.rule, candidate) {
            (_, RunSeen::Missing(why)) => (false, why.clone()),
            (CheckRule::Filter { condition }, RunSeen::Run(run)) => {
                eval::filter(condition, *run, &mut values)
            }
            (CheckRule::NotWorseThan { metric, direction }, RunSeen::Run(run)) => {
                eval::not_worse(metric, *direction, *run, production, &mut values)
            }
        };
        CheckResult {
            name: self.name.clone(),
            condition: self.condition(),
            passed,
            values,
            reason,
            evaluated_at: now,
        }
    }
}

/// A version's run as a check sees it: loaded, or the reason there is none to read.
pub enum RunSeen<'a, E> {
    Run(&'a E),
    Missing(String),
}

impl<E> RunSeen<'_, E> {
    fn run(&self) -> Option<&E> {
        match self {
            RunSeen::Run(r) => Some(r),
            RunSeen::Missing(_) => None,
        }
    }
}

fn run_id<E: Searchable>(e: &E) -> String {
    match e.attribute("run_id") {
        Some(Value::Str(s)) => s,
        _ => String::new(),
    }
}

/// A value a check read: a number, a text, or nothing (`null` on the wire).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Seen {
    Number(f64),
    Text(String),
    List(Vec<String>),
    Missing,
}

impl fmt::Display for Seen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Seen::Number(n) => write!(f, "{n}"),
            Seen::Text(t) => write!(f, "'{t}'"),
            Seen::List(l) => write!(f, "[{}]", l.join(", ")),
            Seen::Missing => f.write_str("missing"),
        }
    }
}

/// A Production version and its value of the compared metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HolderValue {
    pub version: Version,
    pub value: Seen,
}

/// What an evaluation saw.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CheckValues {
    /// The candidate's run, when it has one tracked here.
    pub run_id: Option<String>,
    /// Each field the check read from the candidate's run (`metrics.auc`, `params.dataset`)
    /// and its value there.
    #[serde(default)]
    pub candidate: BTreeMap<String, Seen>,
    /// Not-worse-than: every other version in Production and its value of the metric.
    #[serde(default)]
    pub production: Vec<HolderValue>,
}

/// One check's outcome on one request, with what it saw and why it passed or failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub name: String,
    pub condition: String,
    pub passed: bool,
    pub values: CheckValues,
    pub reason: String,
    pub evaluated_at: Millis,
}

impl CheckResult {
    /// `name (condition): reason`, for refusals.
    pub fn describe(&self) -> String {
        format!("'{}' ({}): {}", self.name, self.condition, self.reason)
    }
}

/// Refuses a list of checks that repeats a name or is longer than [`MAX_CHECKS`], or one
/// whose check would not be built by its constructor (the fields are public).
pub fn validate(checks: &[RequiredCheck]) -> Result<()> {
    for c in checks {
        let rebuilt = match &c.rule {
            CheckRule::Filter { condition } => RequiredCheck::filter(&c.name, condition)?,
            CheckRule::NotWorseThan { metric, direction } => {
                RequiredCheck::not_worse_than(&c.name, metric, *direction)?
            }
        };
        if &rebuilt != c {
            return Err(Error::invalid(format!(
                "Check '{}' has surrounding whitespace in its name or condition",
                c.name
            )));
        }
    }
    if checks.len() > MAX_CHECKS {
        return Err(Error::invalid(format!(
            "A review policy may hold at most {MAX_CHECKS} checks, got {}",
            checks.len()
        )));
    }
    for (i, c) in checks.iter().enumerate() {
        if checks[..i].iter().any(|o| o.name == c.name) {
            return Err(Error::invalid(format!(
                "Check name '{}' is used twice; each check needs its own name",
                c.name
            )));
        }
    }
    Ok(())
}

mod eval;

#[cfg(test)]
mod tests;
