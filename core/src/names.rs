//! Newtypes parsed at the boundary: once a value has one of these types it is valid, so
//! nothing behind the front doors validates again.
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Longest name we accept (models, experiments, users, aliases): refuse, never truncate.
pub const MAX_NAME_LEN: usize = 500;
/// Longest key for params, tags and metrics (MLflow's limit).
pub const MAX_KEY_LEN: usize = 250;
/// Longest tag value (MLflow's limit).
pub const MAX_TAG_VALUE_LEN: usize = 8000;
/// Longest param value (MLflow's limit).
pub const MAX_PARAM_VALUE_LEN: usize = 6000;

fn has_control(s: &str) -> bool {
    s.chars().any(|c| c.is_control())
}

/// Shared rules for names: non-empty, bounded, no control characters (a NUL would be a 5xx
/// on PostgreSQL), no surrounding whitespace.
pub(crate) fn check_name(what: &str, s: &str, max: usize) -> Result<()> {
    if s.is_empty() {
        return Err(Error::invalid(format!("{what} must not be empty")));
    }
    if s.chars().count() > max {
        return Err(Error::invalid(format!(
            "{what} is longer than {max} characters"
        )));
    }
    if has_control(s) {
        return Err(Error::invalid(format!(
            "{what} must not contain control characters"
        )));
    }
    if s.trim() != s {
        return Err(Error::invalid(format!(
            "{what} must not start or end with whitespace"
        )));
    }
    Ok(())
}

macro_rules! string_newtype {
    ($(#[$doc:meta])* $name:ident, $parse:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(s: impl Into<String>) -> Result<Self> {
                let s = s.into();
                let check: fn(&str) -> Result<()> = $parse;
                check(&s)?;
                Ok(Self(s))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $name {
            type Error = Error;
            fn try_from(s: String) -> Result<Self> {
                Self::parse(s)
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                Self::parse(s)
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

pub(crate) use string_newtype;

string_newtype!(
    /// A registered model's name. `/` and `@` are refused because `models:/name/Stage` and
    /// `models:/name@alias` must stay unambiguous.
    ModelName,
    |s| {
        check_name("Registered model name", s, MAX_NAME_LEN)?;
        if s.contains('/') || s.contains('@') || s.contains(':') {
            return Err(Error::invalid(format!(
                "Invalid model name '{s}': '/', '@' and ':' are not allowed"
            )));
        }
        // Browsers resolve `.` and `..` path segments (even written `%2E`), so a model of
        // that name could never be linked to from the dashboard.
        if s == "." || s == ".." {
            return Err(Error::invalid(format!(
                "Invalid model name '{s}': '.' and '..' are not allowed"
            )));
        }
        Ok(())
    }
);

string_newtype!(
    /// An experiment's name.
    ExperimentName,
    |s| check_name("Experiment name", s, MAX_NAME_LEN)
);

string_newtype!(
    /// A user's login name: letters, digits, `.`, `_`, `-`, `@`.
    UserName,
    |s| {
        check_name("User name", s, 128)?;
        if !s.chars().all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c)) {
            return Err(Error::invalid(format!(
                "Invalid user name '{s}': use letters, digits, '.', '_', '-' or '@'"
            )));
        }
        Ok(())
    }
);

string_newtype!(
    /// A model alias such as `champion`. MLflow's rules: word characters and `-`, at most 255,
    /// and not `latest` or `v<digits>`, which would shadow version references.
    AliasName,
    |s| {
        if s.is_empty() || s.chars().count() > 255 {
            return Err(Error::invalid("Alias must be between 1 and 255 characters"));
        }
        if !s.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-') {
            return Err(Error::invalid(format!(
                "Invalid alias name: '{s}'. Names may only contain alphanumerics, underscores (_) and dashes (-)."
            )));
        }
        let lower = s.to_ascii_lowercase();
        let v_digits = lower.len() > 1 && lower.starts_with('v') && lower[1..].bytes().all(|b| b.is_ascii_digit());
        if lower == "latest" || v_digits {
            return Err(Error::invalid(format!(
                "'{s}' alias name (case insensitive) is reserved."
            )));
        }
        Ok(())
    }
);

string_newtype!(
    /// A key of a param, tag or metric. MLflow's rules: bounded, and no path tricks, since
    /// keys end up in file names in other stores.
    Key,
    |s| {
        if s.is_empty() {
            return Err(Error::invalid("Key must not be empty"));
        }
        if s.chars().count() > MAX_KEY_LEN {
            return Err(Error::invalid(format!("Key '{}…' is longer than {MAX_KEY_LEN} characters", &s[..s.char_indices().nth(40).map(|(i, _)| i).unwrap_or(s.len())])));
        }
        if has_control(s) {
            return Err(Error::invalid("Key must not contain control characters"));
        }
        // Empty segments too (`a//b`, `a/`): as a file name the key would alias another key.
        let tricky = |seg: &str| seg.is_empty() || seg == ".." || seg == ".";
        if s.starts_with('/') || s.split('/').any(tricky) {
            return Err(Error::invalid(format!("Invalid key '{s}': path-like keys are not allowed")));
        }
        Ok(())
    }
);

/// A model version number: a positive integer. MLflow sends it as a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Version(i64);

impl Version {
    pub fn new(v: i64) -> Result<Self> {
        if v < 1 {
            return Err(Error::invalid(format!(
                "Model version must be a positive integer, got {v}"
            )));
        }
        Ok(Version(v))
    }
    pub fn get(self) -> i64 {
        self.0
    }
}
impl FromStr for Version {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let n: i64 = s.trim().parse().map_err(|_| {
            Error::invalid(format!(
                "Parameter 'version' must be an integer, got '{s}'."
            ))
        })?;
        Version::new(n)
    }
}
// Deserializing goes through `new`, so a stored or sent `0` cannot become a `Version`.
impl TryFrom<i64> for Version {
    type Error = Error;
    fn try_from(v: i64) -> Result<Self> {
        Version::new(v)
    }
}
impl From<Version> for i64 {
    fn from(v: Version) -> i64 {
        v.0
    }
}
impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An experiment id. MLflow sends ids as decimal strings; `0` is the Default experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct ExperimentId(i64);

impl ExperimentId {
    pub const DEFAULT: ExperimentId = ExperimentId(0);
    pub fn new(v: i64) -> Result<Self> {
        if v < 0 {
            return Err(Error::invalid(format!("Invalid experiment id: {v}")));
        }
        Ok(ExperimentId(v))
    }
    pub fn get(self) -> i64 {
        self.0
    }
}
impl FromStr for ExperimentId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let n: i64 = s
            .parse()
            .map_err(|_| Error::invalid(format!("Invalid experiment id: '{s}'")))?;
        ExperimentId::new(n)
    }
}
impl TryFrom<i64> for ExperimentId {
    type Error = Error;
    fn try_from(v: i64) -> Result<Self> {
        ExperimentId::new(v)
    }
}
impl From<ExperimentId> for i64 {
    fn from(v: ExperimentId) -> i64 {
        v.0
    }
}
impl fmt::Display for ExperimentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

fn check_hex_id(what: &str, s: &str, len: usize) -> Result<()> {
    if s.len() != len
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(Error::invalid(format!(
            "Invalid {what} '{}': expected {len} lowercase hex characters",
            s.chars().take(80).collect::<String>()
        )));
    }
    Ok(())
}

string_newtype!(
    /// A run id: 32 lowercase hex characters (a UUID without dashes, as MLflow makes them).
    RunId,
    |s| check_hex_id("run id", s, 32)
);

string_newtype!(
    /// An MLflow 3 logged model id: `m-` followed by 32 lowercase hex characters.
    LoggedModelId,
    |s| match s.strip_prefix("m-") {
        Some(rest) => check_hex_id("model id", rest, 32),
        None => Err(Error::invalid(format!(
            "Invalid model id '{}': expected 'm-' and 32 hex characters",
            s.chars().take(80).collect::<String>()
        ))),
    }
);

/// A SHA-256 digest, the address of a blob.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sha256(pub [u8; 32]);

impl Sha256 {
    pub fn to_hex(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(HEX[(b >> 4) as usize] as char);
            s.push(HEX[(b & 15) as usize] as char);
        }
        s
    }
}
impl FromStr for Sha256 {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let s = s.strip_prefix("sha256:").unwrap_or(s);
        check_hex_id("sha256 digest", s, 64)?;
        let mut out = [0u8; 32];
        for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
            let hi = (chunk[0] as char).to_digit(16).unwrap_or(0) as u8;
            let lo = (chunk[1] as char).to_digit(16).unwrap_or(0) as u8;
            out[i] = (hi << 4) | lo;
        }
        Ok(Sha256(out))
    }
}
impl TryFrom<String> for Sha256 {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}
impl From<Sha256> for String {
    fn from(v: Sha256) -> String {
        v.to_hex()
    }
}
impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}
impl fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.to_hex())
    }
}

/// A model version's lifecycle stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Stage {
    #[default]
    None,
    Staging,
    Production,
    Archived,
}

impl Stage {
    pub const ALL: [Stage; 4] = [
        Stage::None,
        Stage::Staging,
        Stage::Production,
        Stage::Archived,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::None => "None",
            Stage::Staging => "Staging",
            Stage::Production => "Production",
            Stage::Archived => "Archived",
        }
    }
}
impl Stage {
    /// Staging and Production: the stages versions are served from, which archiving and
    /// the external-source gate apply to (MLflow's "active" stages).
    pub fn is_active(self) -> bool {
        matches!(self, Stage::Staging | Stage::Production)
    }
}
impl FromStr for Stage {
    type Err = Error;
    /// Case-insensitive, as MLflow's `get_canonical_stage`, and otherwise exact: no
    /// surrounding whitespace.
    fn from_str(s: &str) -> Result<Self> {
        Stage::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                Error::invalid(format!(
                    "Invalid Model Version stage: {s}. Value must be one of None, Staging, Production, Archived."
                ))
            })
    }
}
impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A validated tag (or param) value for a key. Deserializing applies the tag rules (the
/// looser length limit): a param's own limit is checked where it is parsed as a param.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawTag")]
pub struct Tag {
    pub key: Key,
    pub value: String,
}

/// `Tag`'s wire shape before its value is checked.
#[derive(Deserialize)]
struct RawTag {
    key: String,
    value: String,
}

impl TryFrom<RawTag> for Tag {
    type Error = Error;
    fn try_from(raw: RawTag) -> Result<Self> {
        Tag::parse(raw.key, raw.value)
    }
}

impl Tag {
    pub fn parse(key: impl Into<String>, value: impl Into<String>) -> Result<Tag> {
        let key = Key::parse(key)?;
        let value = value.into();
        if value.chars().count() > MAX_TAG_VALUE_LEN {
            return Err(Error::invalid(format!(
                "Tag value for '{key}' is longer than {MAX_TAG_VALUE_LEN} characters"
            )));
        }
        if value.contains('\0') {
            return Err(Error::invalid(format!(
                "Tag value for '{key}' contains a NUL character"
            )));
        }
        Ok(Tag { key, value })
    }

    /// A param: same shape as a tag, with MLflow's param value limit.
    pub fn param(key: impl Into<String>, value: impl Into<String>) -> Result<Tag> {
        let key = Key::parse(key)?;
        let value = value.into();
        if value.chars().count() > MAX_PARAM_VALUE_LEN {
            return Err(Error::invalid(format!(
                "Param value for '{key}' is longer than {MAX_PARAM_VALUE_LEN} characters"
            )));
        }
        if value.contains('\0') {
            return Err(Error::invalid(format!(
                "Param value for '{key}' contains a NUL character"
            )));
        }
        Ok(Tag { key, value })
    }
}

#[cfg(test)]
mod tests;
