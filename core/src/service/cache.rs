//! The read cache: the registry reads serving code and clients repeat (a model, a version,
//! an alias, a page of versions, a run, a metric's history) answered from memory while
//! nothing has been written since they were loaded.
//!
//! Correct by construction rather than by bookkeeping: one generation counter for the
//! whole registry, bumped after every write transaction ends (`Write::commit`, the one
//! write path, so no write can forget it). An entry is served only while its generation is
//! the current one; any write anywhere makes every entry stale. A reader takes the
//! generation *before* it reads the database, so data read before a commit can never be
//! stored as current after it. Failed reads are never cached.
//!
//! Only a process that is the database's one writer may cache: the server on SQLite, which
//! holds the database's lock file for its lifetime (`server::startup`), so no other process
//! writes what it caches. On PostgreSQL, replicas share the database and each one's writes
//! are invisible to the others' counters, so the cache stays off and reads go to the
//! database.
use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::names::{AliasName, Key as MetricKey, ModelName, RunId, Version};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// What was read, by its arguments.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    Model(ModelName),
    Version(ModelName, Version),
    Alias(ModelName, AliasName),
    VersionPage {
        name: ModelName,
        recent: bool,
        offset: i64,
        limit: i64,
    },
    Run(RunId),
    History(RunId, MetricKey),
}

/// Roughly how much memory the cache may hold, in units of about 200 bytes (one version,
/// one run field, fifty metric points): ~50 MiB. Past it the cache starts over.
const BUDGET: usize = 256 * 1024;

struct Entry {
    generation: u64,
    weight: usize,
    value: Arc<dyn Any + Send + Sync>,
}

#[derive(Default)]
struct Entries {
    map: HashMap<Key, Entry>,
    weight: usize,
}

pub(crate) struct ReadCache {
    enabled: bool,
    /// The database's lock file, held while this process caches.
    _lock: Option<std::fs::File>,
    generation: AtomicU64,
    entries: Mutex<Entries>,
}

impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadCache")
            .field("enabled", &self.enabled)
            .field("generation", &self.generation.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl ReadCache {
    pub fn new(enabled: bool) -> Self {
        ReadCache {
            enabled,
            _lock: None,
            generation: AtomicU64::new(0),
            entries: Mutex::new(Entries::default()),
        }
    }

    /// An enabled cache for the SQLite database in `db`, holding its lock file.
    pub fn locked(db: &Path) -> Result<Self> {
        let mut path = db.as_os_str().to_owned();
        path.push(".lock");
        let path = PathBuf::from(path);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::Internal(format!("cannot open {}: {e}", path.display())))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Error::FailedPrecondition(format!(
                    "another Pedigree server is serving the database {} (it holds {}): stop it \
                     first, or run several servers on PostgreSQL",
                    db.display(),
                    path.display()
                )))
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(Error::Internal(format!(
                    "cannot lock {}: {e}",
                    path.display()
                )))
            }
        }
        Ok(ReadCache {
            _lock: Some(file),
            ..ReadCache::new(true)
        })
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The current generation, `None` when the cache is off. A front door that keeps its
    /// own answers by it (the MLflow API's replay of identical reads) takes it before the
    /// read and keeps the answer only while it has not moved.
    pub fn generation(&self) -> Option<u64> {
        self.enabled.then(|| self.generation.load(Ordering::SeqCst))
    }

    /// Called when a write transaction ends, committed or not: every entry is stale.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The value for `key`: from memory when it was loaded since the last write, otherwise
    /// from `load` (and then kept). `weight` says how big a loaded value is (see [`BUDGET`]).
    pub async fn read<T, F>(&self, key: Key, weight: fn(&T) -> usize, load: F) -> Result<T>
    where
        T: Clone + Send + Sync + 'static,
        F: Future<Output = Result<T>>,
    {
        if !self.enabled {
            return load.await;
        }
        let generation = self.generation.load(Ordering::SeqCst);
        if let Some(hit) = self.lookup::<T>(&key, generation) {
            return Ok(hit);
        }
        let value = load.await?;
        self.keep(key, generation, weight(&value).max(1), value.clone());
        Ok(value)
    }

    fn lookup<T: Clone + 'static>(&self, key: &Key, generation: u64) -> Option<T> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let entry = entries.map.get(key)?;
        if entry.generation != generation {
            return None;
        }
        entry.value.downcast_ref::<T>().cloned()
    }

    fn keep<T: Send + Sync + 'static>(&self, key: Key, generation: u64, weight: usize, value: T) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        // Written to since this value was read: it may already be out of date.
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        if entries.weight + weight > BUDGET {
            entries.map.clear();
            entries.weight = 0;
            if weight > BUDGET {
                return;
            }
        }
        let old = entries.map.insert(
            key,
            Entry {
                generation,
                weight,
                value: Arc::new(value),
            },
        );
        entries.weight = entries.weight + weight - old.map_or(0, |o| o.weight);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: &str) -> Key {
        Key::Model(ModelName::parse(n).unwrap())
    }

    fn one(_: &u32) -> usize {
        1
    }

    #[tokio::test]
    async fn a_write_makes_every_entry_stale_and_failed_reads_are_not_kept() {
        let c = ReadCache::new(true);
        assert_eq!(c.read(key("a"), one, async { Ok(1u32) }).await.unwrap(), 1);
        // Served from memory: the loader is not asked.
        assert_eq!(c.read(key("a"), one, async { Ok(2u32) }).await.unwrap(), 1);
        c.invalidate();
        assert_eq!(c.read(key("a"), one, async { Ok(3u32) }).await.unwrap(), 3);
        let failed = c
            .read(key("b"), one, async {
                Err::<u32, _>(crate::Error::invalid("no"))
            })
            .await;
        assert!(failed.is_err());
        assert_eq!(c.read(key("b"), one, async { Ok(4u32) }).await.unwrap(), 4);
    }

    #[tokio::test]
    async fn a_value_read_across_a_write_is_not_kept() {
        let c = ReadCache::new(true);
        let v = c
            .read(key("a"), one, async {
                // A write commits while this read is in flight.
                c.invalidate();
                Ok(1u32)
            })
            .await
            .unwrap();
        assert_eq!(v, 1);
        assert_eq!(c.read(key("a"), one, async { Ok(2u32) }).await.unwrap(), 2);
    }

    #[tokio::test]
    async fn disabled_it_always_loads_and_over_budget_it_starts_over() {
        let off = ReadCache::new(false);
        off.read(key("a"), one, async { Ok(1u32) }).await.unwrap();
        assert_eq!(
            off.read(key("a"), one, async { Ok(2u32) }).await.unwrap(),
            2
        );

        let c = ReadCache::new(true);
        let half = |_: &u32| BUDGET / 2 + 1;
        c.read(key("a"), half, async { Ok(1u32) }).await.unwrap();
        c.read(key("b"), half, async { Ok(2u32) }).await.unwrap();
        // `a` was dropped to make room for `b`.
        assert_eq!(c.read(key("a"), one, async { Ok(5u32) }).await.unwrap(), 5);
        assert!(c.entries.lock().unwrap().weight <= BUDGET);
    }
}
