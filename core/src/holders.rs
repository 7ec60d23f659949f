//! Holder history: who held each stage and alias of a model, from when to when, who moved
//! it, how (directly, by an applied review, a rollback or a demotion) and under which
//! request. One [`Holding`] per tenure; an open one (`to` is `None`) lasts until now.
pub mod timeline;

use crate::error::{Error, Result};
use crate::names::Version;
use crate::time::Millis;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What is held: a stage (`Staging`, `Production`, `Archived`) or an alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldKind {
    Stage,
    Alias,
}

impl HoldKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HoldKind::Stage => "stage",
            HoldKind::Alias => "alias",
        }
    }
}

impl FromStr for HoldKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<HoldKind> {
        match s {
            "stage" => Ok(HoldKind::Stage),
            "alias" => Ok(HoldKind::Alias),
            _ => Err(Error::invalid(format!("Unknown holding kind '{s}'"))),
        }
    }
}

/// How a holding began.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HowMoved {
    /// A direct call (a stage transition, setting an alias).
    Direct,
    /// The apply of an approved transition request.
    Review,
    /// An approver's rollback to a version that held Production before.
    Rollback,
    /// Leaving a gated stage (the production alias is cleared with it).
    Demotion,
    /// Already held when the history began.
    Seeded,
}

impl HowMoved {
    pub const ALL: [HowMoved; 5] = [
        HowMoved::Direct,
        HowMoved::Review,
        HowMoved::Rollback,
        HowMoved::Demotion,
        HowMoved::Seeded,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            HowMoved::Direct => "direct",
            HowMoved::Review => "review",
            HowMoved::Rollback => "rollback",
            HowMoved::Demotion => "demotion",
            HowMoved::Seeded => "seeded",
        }
    }
}

impl fmt::Display for HowMoved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for HowMoved {
    type Err = Error;
    fn from_str(s: &str) -> Result<HowMoved> {
        HowMoved::ALL
            .into_iter()
            .find(|h| h.as_str() == s)
            .ok_or_else(|| Error::invalid(format!("Unknown way of moving '{s}'")))
    }
}

/// One tenure of a stage or alias by a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holding {
    pub kind: HoldKind,
    /// The stage's or alias's name.
    pub slot: String,
    pub version: Version,
    pub from: Millis,
    /// When it ended; `None` while it lasts.
    pub to: Option<Millis>,
    pub moved_by: String,
    pub how: HowMoved,
    /// The transition request it was applied under, if any.
    pub request_id: Option<i64>,
    /// Who ended it (moved the slot on, or the version out).
    pub ended_by: Option<String>,
}

impl Holding {
    /// Whether the holding covered instant `t` (from inclusive, to exclusive).
    pub fn covers(&self, t: Millis) -> bool {
        self.from <= t && self.to.is_none_or(|to| t < to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_holding_covers_its_half_open_interval_and_names_read_back() {
        let h = Holding {
            kind: HoldKind::Alias,
            slot: "champion".into(),
            version: Version::new(2).unwrap(),
            from: 10,
            to: Some(20),
            moved_by: "bob".into(),
            how: HowMoved::Review,
            request_id: Some(1),
            ended_by: Some("ada".into()),
        };
        assert!(!h.covers(9) && h.covers(10) && h.covers(19) && !h.covers(20));
        let open = Holding { to: None, ..h };
        assert!(open.covers(1_000_000));
        for how in HowMoved::ALL {
            assert_eq!(how.as_str().parse::<HowMoved>().unwrap(), how);
        }
        assert_eq!("alias".parse::<HoldKind>().unwrap(), HoldKind::Alias);
    }
}
