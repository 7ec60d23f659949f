//! The services both front doors call: `Registry` holds the store and the blob store, and
//! each aggregate's operations live in the module of the same name. Every mutation takes an
//! `Actor`, runs in one write transaction and appends exactly one audit event to it.
use crate::blob::{BlobStore, LocalBlobStore};
use crate::error::Result;
use crate::store::{DatabaseUrl, Store};
use std::path::Path;
use std::sync::Arc;

pub mod artifacts;
pub mod audit;
pub mod bulk;
pub mod experiments;
pub mod logged_models;
pub mod model_versions;
pub mod registered_models;
pub mod runs;
pub mod search;
pub mod users;

/// The registry service. Cheap to clone; share one per process.
#[derive(Clone, Debug)]
pub struct Registry {
    pub store: Store,
    pub blobs: Arc<dyn BlobStore>,
}

impl Registry {
    /// Opens the database (running migrations) and the local blob store under `data_dir`.
    pub async fn open(url: &DatabaseUrl, data_dir: &Path) -> Result<Registry> {
        let store = Store::open(url).await?;
        let blobs = LocalBlobStore::open(data_dir.to_path_buf()).await?;
        Ok(Registry {
            store,
            blobs: Arc::new(blobs),
        })
    }
}

/// MLflow-style paging: an offset token, strictly parsed so a forged token is a clean 400.
pub fn parse_page_token(token: Option<&str>) -> Result<i64> {
    match token {
        None | Some("") => Ok(0),
        Some(t) => t
            .strip_prefix("o")
            .and_then(|n| n.parse::<i64>().ok())
            .filter(|n| *n >= 0 && *n <= 1_000_000_000)
            .ok_or_else(|| crate::Error::invalid("Invalid page token")),
    }
}

/// The token for the page after `offset + returned`, when more rows exist.
pub fn next_page_token(offset: i64, returned: usize, more: bool) -> Option<String> {
    more.then(|| format!("o{}", offset + returned as i64))
}
