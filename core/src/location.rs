//! Experiment artifact locations. Every experiment's artifact root is server-owned
//! (`mlflow-artifacts:/<id>`) unless a client names an *external location* for it when it
//! creates the experiment (MLflow's `artifact_location`, e.g. `s3://bucket/prefix`), and the
//! operator allows that location: it must lie under one of the configured
//! `external_artifact_roots` (none by default, so the default stays "server-owned only").
//!
//! An external location is, like an external model-version source (`crate::external`),
//! recorded verbatim and never read, resolved, fetched or served by the server; runs and
//! logged models under it get `<location>/<run_id>/artifacts` (the path appended before any
//! `?query`, as MLflow's `append_to_uri_path` does), and clients talk to that store
//! themselves. What stays refused is every shape that names a local or hidden location
//! (security rules 1 and 2): no scheme (a bare or relative local path), `file:` and the
//! other schemes of `crate::external`, `runs:`, `models:`, drive letters, traversal, escaped
//! dots or slashes, NUL and control characters, backslashes, fragments and `;` parameters.
//! Only a single trailing `?query` is kept, verbatim.
use crate::error::{Error, Result};
use crate::external::shape_problem;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The scheme of the artifact roots the server owns.
pub const OWNED_SCHEME: &str = "mlflow-artifacts:";

/// Schemes that name something inside this registry rather than a store: never a root.
const NOT_A_STORE: &[&str] = &["runs", "models"];

/// Whether a stored artifact location (an experiment's, a run's or a logged model's) is one
/// the server owns, as opposed to an external location it never touches.
pub fn is_server_owned(location: &str) -> bool {
    location.starts_with(OWNED_SCHEME)
}

/// `location` with `rel` (segments without a leading `/`) appended to its path, before any
/// `?query`: `s3://b/root` + `1/artifacts` → `s3://b/root/1/artifacts`, and
/// `mysql://h/db?driver=x` → `mysql://h/db/1/artifacts?driver=x`.
pub fn join_location(location: &str, rel: &str) -> String {
    let (path, query) = match location.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (location, None),
    };
    let mut out = format!("{}/{rel}", path.trim_end_matches('/'));
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

fn scheme_of(s: &str) -> Option<String> {
    s.split_once(':').map(|(s, _)| s.to_ascii_lowercase())
}

/// Shape checks shared by locations and roots; `query` allows a trailing `?query`.
fn check(text: &str, what: &str, query: bool) -> Result<()> {
    let why = shape_problem(text, query).or_else(|| match scheme_of(text) {
        None => Some("it has no scheme (a local path is not allowed)".into()),
        Some(s) if NOT_A_STORE.contains(&s.as_str()) => Some(format!(
            "the '{s}:' scheme names something in this registry, not a store"
        )),
        Some(_) => None,
    });
    match why {
        Some(why) => Err(Error::invalid(format!(
            "Invalid {what} '{}': {why}.",
            text.chars().take(200).collect::<String>()
        ))),
        None => Ok(()),
    }
}

/// A client-chosen experiment artifact location in a store outside this registry, checked
/// for shape (see the module docs) and kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ExternalLocation(String);

impl ExternalLocation {
    pub fn parse(s: impl Into<String>) -> Result<ExternalLocation> {
        let s = s.into();
        check(&s, "artifact_location", true)?;
        Ok(ExternalLocation(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The location without its `?query`.
    pub fn path(&self) -> &str {
        self.0.split_once('?').map_or(&self.0, |(p, _)| p)
    }
}

impl std::fmt::Display for ExternalLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One operator-configured root external locations may lie under: a store URI without a
/// query (`s3://bucket/prefix`, `gs://bucket`, or a bare `s3://` for any bucket), or `*`
/// for any location of a safe shape.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ExternalRoot(String);

impl ExternalRoot {
    pub const ANY: &'static str = "*";

    pub fn parse(s: impl Into<String>) -> Result<ExternalRoot> {
        let s = s.into();
        if s == Self::ANY {
            return Ok(ExternalRoot(s));
        }
        // `s3://` alone names every bucket: check it as if it named one.
        let probe = if s.ends_with("://") {
            format!("{s}x")
        } else {
            s.clone()
        };
        check(&probe, "external artifact root", false)?;
        Ok(ExternalRoot(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `location` is this root or lies below it (at a `/` boundary: the root
    /// `s3://b` admits `s3://b/x` but not `s3://b-other/x`).
    pub fn admits(&self, location: &ExternalLocation) -> bool {
        if self.0 == Self::ANY {
            return true;
        }
        let root = self.0.trim_end_matches('/');
        let path = location.path().trim_end_matches('/');
        match path.strip_prefix(root) {
            Some(rest) => rest.is_empty() || rest.starts_with('/') || self.0.ends_with("://"),
            None => false,
        }
    }
}

/// The external roots an operator allows (empty by default: every experiment's artifact
/// root is then server-owned). Cheap to clone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExternalRoots(Arc<[ExternalRoot]>);

impl ExternalRoots {
    pub fn parse<S: AsRef<str>>(roots: impl IntoIterator<Item = S>) -> Result<ExternalRoots> {
        Ok(ExternalRoots(
            roots
                .into_iter()
                .map(|r| ExternalRoot::parse(r.as_ref().trim()))
                .collect::<Result<Vec<_>>>()?
                .into(),
        ))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn roots(&self) -> &[ExternalRoot] {
        &self.0
    }

    /// Refuses a location outside every configured root.
    pub fn check(&self, location: &ExternalLocation) -> Result<()> {
        if self.0.iter().any(|r| r.admits(location)) {
            return Ok(());
        }
        Err(Error::invalid(format!(
            "artifact_location '{}' is not allowed: {}",
            location.path().chars().take(200).collect::<String>(),
            if self.is_empty() {
                "Pedigree chooses every experiment's artifact location (an operator may allow external locations with [registry] external_artifact_roots)"
            } else {
                "it lies under none of the external artifact roots the operator allows"
            }
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(s: &str) -> ExternalLocation {
        ExternalLocation::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn remote_locations_are_kept_verbatim_with_their_query() {
        for s in [
            "s3://bucketname/rootpath",
            "s3://bucketname/rootpath/",
            "gs://b/p",
            "mysql://user:password@host:port/dbname?driver=mydriver",
            "dbfs:/databricks/mlflow",
        ] {
            assert_eq!(loc(s).as_str(), s);
        }
        assert_eq!(loc("mysql://h/db?driver=x").path(), "mysql://h/db");
    }

    #[test]
    fn local_hidden_or_tricky_locations_are_refused() {
        for s in [
            "",
            "/tmp/x",
            "relative/path",
            "~/x",
            "file:///etc",
            "FILE:/etc",
            "C:/x",
            "http://169.254.169.254/x",
            "https://example.com/x",
            "mlflow-artifacts:/1",
            "runs:/abc/x",
            "models:/m/1",
            "s3://b/../x",
            "s3://b/./x",
            "s3://b//x",
            "s3://b/a%2e%2e/x",
            "s3://b/x?a=%2F",
            "s3://b/x\0",
            "s3://b/x\n",
            "s3:\\\\b\\x",
            "s3://b/x#frag",
            "s3://b/x?a#frag",
            "s3://b/x;/y",
            "s3://b/x?",
            "s3://b/x?a?b",
            "s3://b/x?a b",
            "s3://",
        ] {
            assert!(ExternalLocation::parse(s).is_err(), "accepted {s:?}");
        }
    }

    #[test]
    fn paths_are_appended_before_the_query() {
        assert_eq!(
            join_location("mysql://u:p@h:port/db?driver=d", "r1/artifacts"),
            "mysql://u:p@h:port/db/r1/artifacts?driver=d"
        );
        assert_eq!(
            join_location("s3://b/root/", "r1/artifacts"),
            "s3://b/root/r1/artifacts"
        );
        assert_eq!(
            join_location("mlflow-artifacts:/3", "r1/artifacts"),
            "mlflow-artifacts:/3/r1/artifacts"
        );
    }

    #[test]
    fn roots_admit_only_what_lies_below_them() {
        let roots = ExternalRoots::parse(["s3://bucketname", "gs://"]).unwrap();
        for ok in ["s3://bucketname", "s3://bucketname/a/b", "gs://any/x"] {
            roots
                .check(&loc(ok))
                .unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for no in ["s3://bucketname-evil/x", "s3://other/x", "dbfs:/x"] {
            assert!(roots.check(&loc(no)).is_err(), "admitted {no}");
        }
        assert!(ExternalRoots::default().check(&loc("s3://b/x")).is_err());
        assert!(ExternalRoots::parse(["*"])
            .unwrap()
            .check(&loc("dbfs:/x"))
            .is_ok());
        for bad in [
            "/data",
            "file:///",
            "s3://b/x?q=1",
            "mlflow-artifacts:/",
            "x",
        ] {
            assert!(ExternalRoot::parse(bad).is_err(), "root {bad:?} accepted");
        }
    }
}
