//! The store: the only home of SQL. One sqlx `Any` pool over SQLite or PostgreSQL, each
//! with its own embedded migrations; write transactions that cannot deadlock; and the
//! single mapping from sqlx errors to domain errors. Each aggregate's statements and row
//! decoders live in the module of its name, as plain functions over a connection, so they
//! run on the pool and inside a write transaction alike; services hold no SQL (a clippy
//! `disallowed-methods` rule refuses `sqlx::query*` anywhere else).
use crate::audit::{Action, Subject};
use crate::error::{Entity, Error, Result};
use sqlx::any::AnyPoolOptions;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Executor, Row};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

pub mod access;
pub mod artifacts;
pub mod audit;
pub mod bind;
pub mod experiments;
pub mod holders;
pub mod kv;
pub mod logged_models;
pub mod metrics;
pub mod models;
pub mod outbox;
pub mod review_checks;
pub mod reviews;
pub mod rows;
pub mod runs;
pub mod search;
pub mod sessions;
pub mod users;
pub mod versions;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database URL, with its password redacted in `Debug`/`Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://")
        {
            Ok(DatabaseUrl(url.to_string()))
        } else {
            Err(Error::invalid(
                "database URL must start with sqlite: or postgres://",
            ))
        }
    }
    /// The SQLite file inside a data directory.
    pub fn sqlite_in(dir: &Path) -> Self {
        DatabaseUrl(format!(
            "sqlite://{}?mode=rwc",
            dir.join("pedigree.db").display()
        ))
    }
    pub fn backend(&self) -> Backend {
        if self.0.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        }
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// The SQLite database's file, `None` for PostgreSQL and in-memory databases.
    pub fn sqlite_file(&self) -> Option<std::path::PathBuf> {
        use std::str::FromStr;
        if self.backend() != Backend::Sqlite {
            return None;
        }
        let opts = sqlx::sqlite::SqliteConnectOptions::from_str(&self.0).ok()?;
        let file = opts.get_filename();
        (!file.as_os_str().is_empty() && file != Path::new(":memory:")).then(|| file.to_path_buf())
    }
    /// The URL with any password replaced by `***`.
    pub fn redacted(&self) -> String {
        match (self.0.find("://"), self.0.rfind('@')) {
            (Some(s), Some(at)) if at > s => {
                let creds = &self.0[s + 3..at];
                match creds.find(':') {
                    Some(c) => format!("{}{}:***{}", &self.0[..s + 3], &creds[..c], &self.0[at..]),
                    None => self.0.clone(),
                }
            }
            _ => self.0.clone(),
        }
    }
}
/// Read from configuration as a string, and checked as it is read.
impl<'de> serde::Deserialize<'de> for DatabaseUrl {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DatabaseUrl::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}
impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// The database handle. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer: taking this lock before `BEGIN IMMEDIATE` means writers queue
    /// in the process instead of spinning on SQLITE_BUSY, and no read-to-write upgrade can
    /// deadlock. PostgreSQL serialises on row locks instead.
    writer: Arc<Mutex<()>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish()
    }
}

impl Store {
    /// Connects and runs the backend's embedded migrations. A migration failure is fatal.
    pub async fn open(url: &DatabaseUrl) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = url.backend();
        let opts = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
        let pool = match backend {
            Backend::Sqlite => {
                opts.max_connections(8)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect(url.expose())
                    .await
            }
            Backend::Postgres => opts.max_connections(16).connect(url.expose()).await,
        }
        .map_err(|e| Error::Internal(format!("cannot connect to {}: {e}", url.redacted())))?;
        let store = Store {
            pool,
            backend,
            writer: Arc::new(Mutex::new(())),
        };
        store.migrate().await?;
        if backend == Backend::Postgres {
            store.warn_on_unsafe_durability().await;
        }
        Ok(store)
    }

    async fn migrate(&self) -> Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.pool)
            .await
            .map_err(|e| Error::Internal(format!("database migration failed: {e}")))
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Acknowledged must mean durable: say loudly when PostgreSQL is set up so that it is not.
    async fn warn_on_unsafe_durability(&self) {
        for (setting, unsafe_value) in [
            ("fsync", "off"),
            ("full_page_writes", "off"),
            ("synchronous_commit", "off"),
        ] {
            let sql = match setting {
                "fsync" => "SHOW fsync",
                "full_page_writes" => "SHOW full_page_writes",
                _ => "SHOW synchronous_commit",
            };
            if let Ok(row) = sqlx::query(sql).fetch_one(&self.pool).await {
                if row.try_get::<String, _>(0).is_ok_and(|v| v == unsafe_value) {
                    tracing::warn!(setting, "PostgreSQL runs with {setting}=off: acknowledged writes may be lost on a crash");
                }
            }
        }
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A connection for reads.
    pub async fn acquire(&self) -> Result<PoolConnection<Any>> {
        Ok(self.pool.acquire().await?)
    }

    /// Whether the database answers a constant question (the health check).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await?;
        Ok(())
    }

    /// Starts a write transaction. Every write transaction must end with exactly one
    /// `WriteTx::audit` before `commit`.
    pub async fn begin_write(&self) -> Result<WriteTx> {
        let (guard, tx) = match self.backend {
            Backend::Sqlite => {
                let guard = self.writer.clone().lock_owned().await;
                (
                    Some(guard),
                    self.pool
                        .begin_with("BEGIN IMMEDIATE")
                        .await
                        .map_err(map_sqlx)?,
                )
            }
            Backend::Postgres => (None, self.pool.begin().await.map_err(map_sqlx)?),
        };
        Ok(WriteTx {
            tx,
            backend: self.backend,
            audited: false,
            _guard: guard,
        })
    }

    /// A connection for bookkeeping writes that are not changes to the registry (when a
    /// token or session was last used, a failed sign-in): single autocommit statements, with
    /// no audit event and no effect on the read cache. On SQLite it holds the writer lock
    /// like a write transaction, so it queues behind writers instead of meeting SQLITE_BUSY
    /// halfway through one, and must not be held across anything slow.
    pub async fn housekeeping(&self) -> Result<Housekeeping> {
        let guard = match self.backend {
            Backend::Sqlite => Some(self.writer.clone().lock_owned().await),
            Backend::Postgres => None,
        };
        Ok(Housekeeping {
            conn: self.pool.acquire().await.map_err(map_sqlx)?,
            _guard: guard,
        })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// See [`Store::housekeeping`].
pub struct Housekeeping {
    conn: PoolConnection<Any>,
    _guard: Option<OwnedMutexGuard<()>>,
}

impl Housekeeping {
    pub fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.conn
    }
}

/// A write transaction. Dropping it without `commit` rolls everything back, audit included.
pub struct WriteTx {
    pub tx: sqlx::Transaction<'static, sqlx::Any>,
    backend: Backend,
    audited: bool,
    _guard: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Appends the one audit event of this transaction to the hash chain, and its row in the
    /// event outbox. The chain head is locked until commit, so concurrent writers append in
    /// a single order.
    pub async fn audit(
        &mut self,
        actor: &str,
        action: Action,
        subject: &Subject,
        before: String,
        after: String,
        at: crate::time::Millis,
    ) -> Result<i64> {
        if self.audited {
            return Err(Error::Internal(
                "a write transaction records exactly one audit event".into(),
            ));
        }
        let backend = self.backend;
        let event = audit::append(
            &mut self.tx,
            backend,
            crate::audit::AuditRecord {
                actor: actor.to_string(),
                action: action.as_str().to_string(),
                subject: subject.to_string(),
                before,
                after,
            },
            at,
        )
        .await?;
        outbox::append(&mut self.tx, &event).await?;
        self.audited = true;
        Ok(event.seq)
    }

    pub async fn commit(self) -> Result<()> {
        if !self.audited {
            // A write without its audit event must never reach the database.
            return Err(Error::Internal(
                "write transaction committed without an audit event".into(),
            ));
        }
        self.tx.commit().await.map_err(map_sqlx)
    }
}

/// ` FOR UPDATE` on PostgreSQL, nothing on SQLite (whose writer lock already serialises
/// writers): appended to a read whose row a write transaction must hold until it commits.
pub(crate) fn for_update(conn: &sqlx::AnyConnection) -> &'static str {
    if conn.backend_name() == "PostgreSQL" {
        " FOR UPDATE"
    } else {
        ""
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Error {
        map_sqlx(e)
    }
}

/// The one mapping from sqlx errors to domain errors. Constraint violations name no SQL;
/// callers that know what was duplicated say so with `or_exists`.
pub fn map_sqlx(e: sqlx::Error) -> Error {
    match &e {
        sqlx::Error::RowNotFound => Error::not_found(Entity::Record, "", "not found"),
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            Error::exists(Entity::Record, "", "already exists")
        }
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => Error::FailedPrecondition(
            "a referenced resource does not exist or is still referenced".into(),
        ),
        sqlx::Error::Database(db)
            if db.message().contains("database is locked")
                || db.code().as_deref() == Some("40001") =>
        {
            Error::Unavailable("the database is busy; retry".into())
        }
        sqlx::Error::PoolTimedOut => Error::Unavailable("the database is busy; retry".into()),
        _ => {
            tracing::error!(error = %e, "database error");
            Error::Internal("internal database error".into())
        }
    }
}

/// Replaces a generic `AlreadyExists` with one that names the resource.
pub fn or_exists(e: Error, entity: Entity, key: &str, msg: impl FnOnce() -> String) -> Error {
    match e {
        Error::AlreadyExists { .. } => Error::exists(entity, key, msg()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_redacts_password() {
        let u = DatabaseUrl::parse("postgres://alice:s3cret@db:5432/reg").unwrap();
        assert_eq!(u.redacted(), "postgres://alice:***@db:5432/reg");
        assert!(!format!("{u:?}").contains("s3cret"));
        assert_eq!(u.backend(), Backend::Postgres);
        assert!(DatabaseUrl::parse("mysql://x").is_err());
    }
}
