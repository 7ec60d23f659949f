//! The services both front doors call: `Registry` holds the store, the blob store and the
//! policy, and each aggregate's operations live in the module of the same name. Services
//! hold the rules and the order of steps, never SQL (that is `crate::store`'s). Every
//! mutation takes an `Actor` and goes through the one write path in `write`.
use crate::blob::{BlobStore, LocalBlobStore};
use crate::error::Result;
use crate::policy::{AllowAll, Policy};
use crate::store::{DatabaseUrl, Store};
use std::path::Path;
use std::sync::Arc;

pub mod access;
pub mod artifacts;
pub mod audit;
pub mod bootstrap;
pub(crate) mod cache;
pub mod changes;
pub mod charts;
pub mod experiments;
mod gate;
pub mod holders;
pub mod lineage;
pub mod logged_models;
pub mod metrics;
pub mod model_versions;
mod model_view;
pub mod passwords;
pub mod registered_models;
mod review_checks;
mod review_digest;
mod review_queue;
mod review_reads;
pub mod reviews;
pub mod run_sql;
mod run_view;
pub mod runs;
pub mod search;
pub mod sessions;
pub mod throttle;
pub mod users;
pub mod version_source;
mod version_view;
pub(crate) mod write;

/// The registry service. Cheap to clone; share one per process.
#[derive(Clone, Debug)]
pub struct Registry {
    store: Store,
    blobs: Arc<dyn BlobStore>,
    policy: Arc<dyn Policy>,
    settings: Settings,
    cache: Arc<cache::ReadCache>,
    clock: Arc<dyn crate::time::Clock>,
}

/// Registry-wide behaviour an operator chooses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// The Production policy new models start with: true (the default) allows one
    /// Production version at a time; false keeps MLflow's behaviour of several.
    pub single_production_default: bool,
    /// Whether artifacts may be written outside any run's or logged model's root (MLflow's
    /// proxy allows it; Pedigree refuses by default). Run and model roots stay guarded.
    pub allow_unowned_artifacts: bool,
    /// Whether a version whose source is an external reference (files this registry
    /// neither holds nor verifies) may enter Staging or Production. Off by default.
    pub allow_external_promotion: bool,
    /// The stores a client may point a new experiment's artifact location into (an
    /// external location, recorded verbatim and never touched by the server). Empty by
    /// default: every experiment's artifact root is then server-owned.
    pub external_artifact_roots: crate::location::ExternalRoots,
    /// What signed-in users without grants, and requests without credentials, may do.
    pub base_roles: crate::access::BaseRoles,
    /// Whether moving a version into a model's gated stages (default: Production) takes a
    /// reviewed transition request. Off gives plain MLflow semantics: anyone with the
    /// contributor role moves stages directly.
    pub review_gate: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            single_production_default: true,
            allow_unowned_artifacts: false,
            allow_external_promotion: false,
            external_artifact_roots: crate::location::ExternalRoots::default(),
            base_roles: crate::access::BaseRoles::default(),
            review_gate: true,
        }
    }
}

impl Registry {
    /// The same registry with other settings.
    pub fn with_settings(self, settings: Settings) -> Registry {
        Registry { settings, ..self }
    }

    /// The same registry answering repeated reads from memory (see `cache`). Only the one
    /// process that writes the database may: on SQLite it takes the database's lock file
    /// (`<file>.lock`) for as long as the registry lives, and refuses when another server
    /// holds it; on PostgreSQL the cache stays off.
    pub fn with_read_cache(self, url: &DatabaseUrl) -> Result<Registry> {
        let cache = match (self.backend(), url.sqlite_file()) {
            (crate::store::Backend::Postgres, _) => cache::ReadCache::new(false),
            (_, None) => cache::ReadCache::new(true),
            (_, Some(file)) => cache::ReadCache::locked(&file)?,
        };
        Ok(Registry {
            cache: Arc::new(cache),
            ..self
        })
    }

    /// Whether repeated reads are answered from memory.
    pub fn read_cache_enabled(&self) -> bool {
        self.cache.enabled()
    }

    /// The read cache's generation (moved by every committed write), `None` when it is off.
    pub fn read_generation(&self) -> Option<u64> {
        self.cache.generation()
    }

    /// The same registry reading the time from `clock` (the demo loader dates a history).
    pub fn with_clock(self, clock: Arc<dyn crate::time::Clock>) -> Registry {
        Registry { clock, ..self }
    }

    /// The registry clock's time: what every change records as when it happened.
    pub fn now(&self) -> crate::time::Millis {
        self.clock.now()
    }

    /// The same registry deciding writes with another policy.
    pub fn with_policy(self, policy: Arc<dyn Policy>) -> Registry {
        Registry { policy, ..self }
    }

    pub fn settings(&self) -> Settings {
        self.settings.clone()
    }

    pub fn blobs(&self) -> &Arc<dyn BlobStore> {
        &self.blobs
    }

    /// Which database the registry runs on.
    pub fn backend(&self) -> crate::store::Backend {
        self.store.backend()
    }

    /// Whether the database answers (the health check asks a constant question).
    pub async fn ping(&self) -> Result<()> {
        self.store.ping().await
    }

    /// Closes the database pool (graceful shutdown).
    pub async fn close(&self) {
        self.store.close().await
    }

    /// Opens the database (running migrations) and the local blob store under `data_dir`.
    pub async fn open(url: &DatabaseUrl, data_dir: &Path) -> Result<Registry> {
        let store = Store::open(url).await?;
        let blobs = LocalBlobStore::open(data_dir.to_path_buf()).await?;
        Ok(Registry {
            store,
            blobs: Arc::new(blobs),
            policy: Arc::new(AllowAll),
            settings: Settings::default(),
            cache: Arc::new(cache::ReadCache::new(false)),
            clock: Arc::new(crate::time::SystemClock),
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
