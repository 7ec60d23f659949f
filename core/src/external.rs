//! External references: a run or a model source that lives outside this registry.
//!
//! MLflow lets a model version (or a logged model) name a run it never tracked
//! (`run_id="run_id_1"`) and a source anywhere (`s3://bucket/model`, `path/to/model`).
//! Pedigree accepts such names as *references*: recorded verbatim, never read, resolved or
//! served by the server, and marked external in every view (no digest, nothing frozen).
//! What stays refused is every shape that could make the server, or a client trusting it,
//! touch a local or hidden location (security rules 1 and 2): `file:` and other local
//! schemes, absolute local paths and drive letters, `http(s)`, traversal (`..`, `.`, empty
//! segments, escaped dots or slashes), NUL and control characters, backslashes, queries,
//! fragments and `;` parameters. Experiment artifact locations (`crate::location`) are
//! checked the same way, except that one trailing `?query` is kept.
use crate::error::{Error, Result};
use crate::names::RunId;
use serde::{Deserialize, Serialize};

/// The longest external source or run reference kept (no silent truncation: longer is refused).
pub const MAX_SOURCE_LEN: usize = 1000;
pub const MAX_RUN_REF_LEN: usize = 256;

/// The run a model version or logged model names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RunRef {
    /// A run tracked here.
    Tracked(RunId),
    /// A run this registry does not track, named verbatim.
    External(String),
}

impl RunRef {
    pub fn as_str(&self) -> &str {
        match self {
            RunRef::Tracked(r) => r.as_str(),
            RunRef::External(s) => s,
        }
    }

    /// The tracked run, if this names one.
    pub fn tracked(&self) -> Option<&RunId> {
        match self {
            RunRef::Tracked(r) => Some(r),
            RunRef::External(_) => None,
        }
    }

    pub fn is_external(&self) -> bool {
        matches!(self, RunRef::External(_))
    }

    /// Checks the text of a reference to a run tracked elsewhere.
    pub fn external(s: &str) -> Result<RunRef> {
        let ok = !s.is_empty()
            && s.chars().count() <= MAX_RUN_REF_LEN
            && !s
                .chars()
                .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '/' | '\\'));
        if !ok {
            return Err(Error::invalid(format!(
                "Invalid run id '{}': a run reference is 1 to {MAX_RUN_REF_LEN} characters without whitespace, control characters, '/' or '\\'",
                s.chars().take(80).collect::<String>()
            )));
        }
        Ok(RunRef::External(s.to_string()))
    }
}

impl std::fmt::Display for RunRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a model version's files are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum SourceKind {
    /// Inside a tracked run's or logged model's artifact root: frozen at registration and
    /// served with digests.
    #[default]
    Owned,
    /// A reference to files elsewhere: recorded verbatim, never read or served here, not
    /// frozen, no digest.
    External,
}

impl SourceKind {
    pub fn is_external(self) -> bool {
        self == SourceKind::External
    }
}

fn bad(source: &str, why: &str) -> Error {
    Error::invalid(format!(
        "Invalid model version source '{}': {why}.",
        source.chars().take(200).collect::<String>()
    ))
}

/// Schemes that name this machine, the server's own storage, or a location the server
/// might be led to fetch: never accepted as an external reference.
const REFUSED_SCHEMES: &[&str] = &[
    "file",
    "http",
    "https",
    "ftp",
    "sftp",
    "ssh",
    "local",
    "mlflow-artifacts",
    "data",
    "javascript",
];

/// Checks a source that is kept as an external reference (see the module docs).
pub fn check_external_source(source: &str) -> Result<()> {
    match shape_problem(source, false) {
        Some(why) => Err(bad(source, &why)),
        None => Ok(()),
    }
}

/// What is wrong with the shape of a reference to a location elsewhere, if anything (the
/// module docs list the refused shapes). With `query`, one non-empty `?query` may end it:
/// it is kept verbatim and never interpreted, and the path before it is checked as usual.
pub(crate) fn shape_problem(source: &str, query: bool) -> Option<String> {
    if source.is_empty() {
        return Some("it is empty".into());
    }
    if source.chars().count() > MAX_SOURCE_LEN {
        return Some(format!("it is longer than {MAX_SOURCE_LEN} characters"));
    }
    if source.chars().any(|c| c.is_control()) {
        return Some("it contains NUL or control characters".into());
    }
    if source.contains('\\') {
        return Some("it contains a backslash".into());
    }
    let (source, q) = match source.split_once('?') {
        Some((path, q)) if query => (path, Some(q)),
        _ => (source, None),
    };
    if q.is_some_and(|q| q.is_empty() || q.contains('?') || q.chars().any(char::is_whitespace)) {
        return Some("the query is empty or malformed".into());
    }
    if source.contains('#')
        || source.contains('?')
        || source.contains(';')
        || q.is_some_and(|q| q.contains('#') || q.contains(';'))
    {
        return Some(if query {
            "a fragment or parameters are not allowed".into()
        } else {
            "a query, fragment or parameters are not allowed".into()
        });
    }
    let lower = source.to_ascii_lowercase() + &q.unwrap_or_default().to_ascii_lowercase();
    if ["%2e", "%2f", "%5c", "%00", "%25"]
        .iter()
        .any(|e| lower.contains(e))
    {
        return Some("it contains an escaped dot, slash or percent".into());
    }
    if source.starts_with('/') || source.starts_with('~') {
        return Some("a local absolute path is not allowed".into());
    }
    // `scheme:rest`, where a scheme is a letter then letters, digits, `+`, `-` or `.`.
    let (scheme, rest) = match source.split_once(':') {
        Some((s, r))
            if s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) =>
        {
            (Some(s.to_ascii_lowercase()), r)
        }
        Some(_) => return Some("it is not a URI or a relative path".into()),
        None => (None, source),
    };
    if let Some(scheme) = &scheme {
        if scheme.len() == 1 {
            return Some("a drive letter (a local path) is not allowed".into());
        }
        if REFUSED_SCHEMES.contains(&scheme.as_str()) {
            return Some(format!(
                "the '{scheme}:' scheme names a location this server would reach"
            ));
        }
    }
    let path = rest.trim_start_matches('/').trim_end_matches('/');
    if path.is_empty() {
        return Some("it names no location".into());
    }
    if path
        .split('/')
        .any(|seg| seg.is_empty() || seg == "." || seg == "..")
    {
        return Some("empty, '.' or '..' path segments are not allowed".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_elsewhere_are_accepted_verbatim() {
        for s in [
            "s3://bucket/model",
            "s3:/some/path/to/model",
            "path/to/source",
            "runs:/run_id/model",
            "runs:/run_id_2/a/b/c",
            "gs://b/p/",
            "dbfs:/databricks/mlflow/1/model",
            "models:/test-model/1",
        ] {
            check_external_source(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        }
    }

    #[test]
    fn every_local_hidden_or_tricky_shape_is_refused() {
        for s in [
            "",
            "/etc/passwd",
            "~/model",
            "file:///etc/passwd",
            "FILE:/etc",
            "C:/models/x",
            "c:model",
            "http://169.254.169.254/latest",
            "https://example.com/m",
            "mlflow-artifacts:/0/x",
            "s3://bucket/../secret",
            "path/./to",
            "path//to",
            "..",
            "s3://bucket/a%2e%2e/b",
            "s3://bucket/a%2Fb",
            "s3://bucket/model\0",
            "s3://bucket/mo\ndel",
            "s3:\\\\bucket\\model",
            "s3://bucket/model#frag",
            "s3://bucket/model?x=1",
            "s3://bucket/model;/x",
            "s3://",
        ] {
            assert!(check_external_source(s).is_err(), "accepted {s:?}");
        }
        assert!(check_external_source(&format!("s3://b/{}", "x".repeat(MAX_SOURCE_LEN))).is_err());
    }

    #[test]
    fn run_references_are_kept_and_checked() {
        let r = RunRef::external("run_id_1").unwrap();
        assert_eq!(r.as_str(), "run_id_1");
        assert!(r.is_external() && r.tracked().is_none());
        for bad in [
            "",
            "a/b",
            "a\\b",
            "a b",
            "a\0",
            "x".repeat(MAX_RUN_REF_LEN + 1).as_str(),
        ] {
            assert!(RunRef::external(bad).is_err(), "accepted {bad:?}");
        }
        let id = RunId::parse("0".repeat(32)).unwrap();
        assert_eq!(RunRef::Tracked(id.clone()).tracked(), Some(&id));
    }
}
