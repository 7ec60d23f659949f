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
pub mod metrics;
pub mod model_versions;
pub mod registered_models;
pub mod run_sql;
pub mod runs;
pub mod search;
pub mod users;
pub mod version_source;

/// The registry service. Cheap to clone; share one per process.
#[derive(Clone, Debug)]
pub struct Registry {
    pub store: Store,
    pub blobs: Arc<dyn BlobStore>,
    pub settings: Settings,
}

/// Registry-wide behaviour an operator chooses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// The Production policy new models start with: true (the default) allows one
    /// Production version at a time; false keeps MLflow's behaviour of several.
    pub single_production_default: bool,
    /// Whether artifacts may be written outside any run's or logged model's root (MLflow's
    /// proxy allows it; Pedigree refuses by default). Run and model roots stay guarded.
    pub allow_unowned_artifacts: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            single_production_default: true,
            allow_unowned_artifacts: false,
        }
    }
}

impl Registry {
    /// The same registry with other settings.
    pub fn with_settings(self, settings: Settings) -> Registry {
        Registry { settings, ..self }
    }

    /// Opens the database (running migrations) and the local blob store under `data_dir`.
    pub async fn open(url: &DatabaseUrl, data_dir: &Path) -> Result<Registry> {
        let store = Store::open(url).await?;
        let blobs = LocalBlobStore::open(data_dir.to_path_buf()).await?;
        Ok(Registry {
            store,
            blobs: Arc::new(blobs),
            settings: Settings::default(),
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
