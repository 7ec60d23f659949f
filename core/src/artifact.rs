//! Artifact paths and the artifact tree's entries. A path is parsed once, here, under the
//! rules that MLflow's path-traversal advisories teach: the result can only name a file
//! *inside* a root, whatever the caller sent.
use crate::error::{Error, Result};
use crate::names::Sha256;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A relative artifact path such as `model/MLmodel`: normal segments joined by `/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ArtifactPath(String);

/// Longest artifact path we accept.
pub const MAX_ARTIFACT_PATH_LEN: usize = 1024;

impl ArtifactPath {
    /// Parses an already percent-decoded path (axum's extractors decode once).
    pub fn parse(raw: &str) -> Result<Self> {
        let bad = |why: &str| {
            Err(Error::invalid(format!(
                "Invalid artifact path '{}': {why}",
                raw.escape_debug()
            )))
        };
        if raw.is_empty() {
            return bad("empty");
        }
        if raw.len() > MAX_ARTIFACT_PATH_LEN {
            return bad("too long");
        }
        if raw.chars().any(|c| c.is_control()) {
            return bad("control characters are not allowed");
        }
        if raw.contains('\\') || raw.contains('#') || raw.contains('?') || raw.contains(";/") {
            return bad("'\\', '#', '?' and ';/' are not allowed");
        }
        // Anything still percent-encoded after the one decode is a second encoding layer:
        // refuse encoded '.', '/' and '\' outright (the double-decoding lesson).
        let lower = raw.to_ascii_lowercase();
        if ["%2e", "%2f", "%5c", "%25"]
            .iter()
            .any(|e| lower.contains(e))
        {
            return bad("encoded path characters are not allowed");
        }
        if raw.starts_with('/') {
            return bad("absolute paths are not allowed");
        }
        let b = raw.as_bytes();
        if b.len() >= 2 && b[1] == b':' && b[0].is_ascii_alphabetic() {
            return bad("drive letters are not allowed");
        }
        for seg in raw.split('/') {
            if seg.is_empty() || seg == "." || seg == ".." {
                return bad("empty, '.' and '..' segments are not allowed");
            }
        }
        Ok(ArtifactPath(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }

    /// `a/b` joined with `c/d`.
    pub fn join(&self, rest: &ArtifactPath) -> ArtifactPath {
        ArtifactPath(format!("{}/{}", self.0, rest.0))
    }

    /// True when `self` is `dir` or lies below it.
    pub fn is_within(&self, dir: &ArtifactPath) -> bool {
        self.0 == dir.0
            || (self.0.starts_with(&dir.0) && self.0.as_bytes().get(dir.0.len()) == Some(&b'/'))
    }
}

impl TryFrom<String> for ArtifactPath {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        ArtifactPath::parse(&s)
    }
}
impl From<ArtifactPath> for String {
    fn from(p: ArtifactPath) -> String {
        p.0
    }
}
impl fmt::Display for ArtifactPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One file in the artifact tree: its path → the blob that holds its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactEntry {
    pub path: ArtifactPath,
    pub digest: Sha256,
    pub size: i64,
    pub created_at: i64,
}

/// A listing row: a file (with size and digest) or a directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactListing {
    pub path: String,
    pub is_dir: bool,
    pub size: Option<i64>,
    pub digest: Option<Sha256>,
}

/// One file of a model version, as its page lists it: its path below the version's root,
/// its size and the SHA-256 of its bytes (hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionFile {
    pub path: String,
    pub size: i64,
    pub sha256: String,
}

/// The files a model version froze at registration, in path order, with the manifest
/// digest over them that a transition request is bound to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionFiles {
    /// Where they are in the artifact tree.
    pub root: String,
    /// SHA-256 (hex) of the manifest: every file's path, digest and size.
    pub digest: String,
    pub files: Vec<VersionFile>,
}

impl VersionFiles {
    /// The total size of the files, in bytes.
    pub fn total_size(&self) -> i64 {
        self.files.iter().map(|f| f.size).sum()
    }
}
