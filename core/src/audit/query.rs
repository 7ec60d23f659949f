//! What a reader of the audit trail asks for: the filters (actor, model, actions, subject,
//! time window) every read and export shares, and a page of them (an opaque cursor and a
//! limit). Everything here is checked as it is built, so the services and the store only
//! ever see a well-formed question; a forged cursor or an out-of-range limit is an
//! invalid-argument error, never a database error.
use super::Action;
use crate::error::{Error, Result};
use crate::names::{ModelName, UserName};
use crate::time::Millis;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Events per page when the caller does not say.
pub const DEFAULT_LIMIT: i64 = 100;
/// The most events one page holds.
pub const MAX_LIMIT: i64 = 1000;

/// Which subjects an event may be about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubjectFilter {
    /// Exactly this subject (`run:0123…`).
    Exact(String),
    /// Every subject starting with this text (`artifact:1/0123…/`), compared as text:
    /// `%` and `_` are themselves, case counts.
    Prefix(String),
}

impl SubjectFilter {
    /// Reads the query-string form: a trailing `*` makes a prefix, anything else is exact.
    pub fn parse(text: &str) -> Result<SubjectFilter> {
        let f = match text.strip_suffix('*') {
            Some(prefix) => SubjectFilter::Prefix(prefix.to_string()),
            None => SubjectFilter::Exact(text.to_string()),
        };
        match &f {
            SubjectFilter::Exact(s) if s.is_empty() => {
                Err(Error::invalid("The subject filter is empty"))
            }
            _ => Ok(f),
        }
    }
}

/// The events a reader wants; every field left empty matches every event. Shared by the
/// paged read, the export and the API's and CLI's parsers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    pub actor: Option<UserName>,
    /// All of the model's own subjects: `registered_model:NAME`, its aliases
    /// (`registered_model:NAME@alias`) and its versions (`model_version:NAME/N`), and no
    /// other model's, whatever its name starts with.
    pub model: Option<ModelName>,
    /// Any of these actions; empty for all.
    pub actions: Vec<Action>,
    pub subject: Option<SubjectFilter>,
    /// Events at or after this time (epoch ms).
    pub from: Option<Millis>,
    /// Events before this time (epoch ms, exclusive), so consecutive windows such as one
    /// export per day never hold an event twice.
    pub to: Option<Millis>,
}

impl AuditFilter {
    /// Refuses a window that can hold nothing, which is always a mistake in the request.
    pub fn check(&self) -> Result<()> {
        if let (Some(from), Some(to)) = (self.from, self.to) {
            if from >= to {
                return Err(Error::invalid(format!(
                    "The time window is empty: 'from' ({from}) must be before 'to' ({to})"
                )));
            }
        }
        Ok(())
    }

    /// Adds actions from a repeatable, comma-separated parameter (`a,b` or `a` then `b`),
    /// keeping each once.
    pub fn add_actions(&mut self, text: &str) -> Result<()> {
        for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let a: Action = name.parse()?;
            if !self.actions.contains(&a) {
                self.actions.push(a);
            }
        }
        Ok(())
    }
}

/// Where the next page starts: after the event with this sequence number, going back in
/// time. Written as `e` and the number in lower-case hex; the text is for handing back, not
/// for reading, and anything not written by `Display` is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct AuditCursor(i64);

impl AuditCursor {
    /// The page after the event numbered `seq`.
    pub fn after(seq: i64) -> Result<AuditCursor> {
        if seq < 1 {
            return Err(Error::invalid("Invalid audit cursor"));
        }
        Ok(AuditCursor(seq))
    }
    /// The page holds events numbered below this.
    pub fn before_seq(self) -> i64 {
        self.0
    }
}

impl fmt::Display for AuditCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "e{:x}", self.0)
    }
}

impl FromStr for AuditCursor {
    type Err = Error;
    fn from_str(s: &str) -> Result<AuditCursor> {
        let bad = || Error::invalid(format!("Invalid audit cursor '{s}'"));
        let hex = s.strip_prefix('e').ok_or_else(bad)?;
        // Strict: lower-case hex digits, no sign, no leading zero, so every cursor has one
        // spelling and a hand-edited one is refused rather than read as something else.
        if hex.is_empty()
            || hex.len() > 16
            || hex.starts_with('0')
            || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(bad());
        }
        let seq = i64::from_str_radix(hex, 16).map_err(|_| bad())?;
        AuditCursor::after(seq).map_err(|_| bad())
    }
}

impl From<AuditCursor> for String {
    fn from(c: AuditCursor) -> String {
        c.to_string()
    }
}

impl TryFrom<String> for AuditCursor {
    type Error = Error;
    fn try_from(s: String) -> Result<AuditCursor> {
        s.parse()
    }
}

/// One page of a filtered read, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub filter: AuditFilter,
    /// `None` for the newest events.
    pub cursor: Option<AuditCursor>,
    limit: i64,
}

impl Default for AuditQuery {
    fn default() -> Self {
        AuditQuery {
            filter: AuditFilter::default(),
            cursor: None,
            limit: DEFAULT_LIMIT,
        }
    }
}

impl AuditQuery {
    pub fn new(filter: AuditFilter) -> AuditQuery {
        AuditQuery {
            filter,
            ..AuditQuery::default()
        }
    }
    /// The same query with a page size, 1 to [`MAX_LIMIT`].
    pub fn limit(self, limit: i64) -> Result<AuditQuery> {
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(Error::invalid(format!(
                "Invalid limit {limit}: it must be between 1 and {MAX_LIMIT}"
            )));
        }
        Ok(AuditQuery { limit, ..self })
    }
    pub fn cursor(self, cursor: Option<AuditCursor>) -> AuditQuery {
        AuditQuery { cursor, ..self }
    }
    pub fn page_size(&self) -> i64 {
        self.limit
    }
}

/// A page of events, newest first, and where the next one starts when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub events: Vec<super::AuditEvent>,
    pub next_cursor: Option<AuditCursor>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_read_back_and_forgeries_are_refused() {
        for seq in [1, 15, 255, 1 << 40, i64::MAX] {
            let c = AuditCursor::after(seq).unwrap();
            assert_eq!(c.to_string().parse::<AuditCursor>().unwrap(), c);
        }
        for bad in [
            "",
            "e",
            "e0",
            "e00f",
            "eF",
            "e-1",
            "e+1",
            "f10",
            "10",
            "e10 ",
            " e10",
            "e1g",
            "e8000000000000000",
            "e10000000000000000",
            "o100",
        ] {
            assert!(bad.parse::<AuditCursor>().is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn limits_and_windows_are_checked() {
        assert_eq!(AuditQuery::default().page_size(), DEFAULT_LIMIT);
        assert!(AuditQuery::default().limit(0).is_err());
        assert!(AuditQuery::default().limit(1001).is_err());
        assert_eq!(AuditQuery::default().limit(1000).unwrap().page_size(), 1000);
        let f = AuditFilter {
            from: Some(10),
            to: Some(10),
            ..AuditFilter::default()
        };
        assert!(f.check().is_err());
    }

    #[test]
    fn actions_come_repeated_or_comma_separated_and_subjects_exact_or_prefix() {
        let mut f = AuditFilter::default();
        f.add_actions("alias.set, model_version.create").unwrap();
        f.add_actions("alias.set").unwrap();
        assert_eq!(
            f.actions,
            vec![Action::AliasSet, Action::ModelVersionCreate]
        );
        assert!(f.add_actions("alias.sett").is_err());
        assert_eq!(
            SubjectFilter::parse("run:ab*").unwrap(),
            SubjectFilter::Prefix("run:ab".into())
        );
        assert_eq!(
            SubjectFilter::parse("run:ab").unwrap(),
            SubjectFilter::Exact("run:ab".into())
        );
        assert!(SubjectFilter::parse("").is_err());
    }
}
