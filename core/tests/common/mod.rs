//! Store-test harness: every test runs on a fresh SQLite file and, when
//! `PEDIGREE_TEST_PG_URL` names a PostgreSQL server, on a fresh PostgreSQL database too.
#![allow(dead_code)]
use pedigree_core::service::Registry;
use pedigree_core::store::{Backend, DatabaseUrl};
use pedigree_core::user::Actor;
use pedigree_core::UserName;
use sqlx::Executor;
use tempfile::TempDir;

pub struct TestRegistry {
    pub reg: Registry,
    pub dir: TempDir,
    pub backend: Backend,
    pub url: DatabaseUrl,
}

pub fn alice() -> Actor {
    Actor::new(UserName::parse("alice").unwrap())
}
pub fn bob() -> Actor {
    Actor::new(UserName::parse("bob").unwrap())
}

async fn sqlite() -> TestRegistry {
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::sqlite_in(dir.path());
    let reg = Registry::open(&url, dir.path()).await.unwrap();
    TestRegistry {
        reg,
        dir,
        backend: Backend::Sqlite,
        url,
    }
}

async fn postgres(admin: &str) -> TestRegistry {
    sqlx::any::install_default_drivers();
    let name = format!("pedigree_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin_conn = <sqlx::AnyConnection as sqlx::Connection>::connect(admin)
        .await
        .expect("connect to PEDIGREE_TEST_PG_URL");
    admin_conn
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .unwrap();
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin);
    let url = DatabaseUrl::parse(&format!("{base}/{name}")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::open(&url, dir.path()).await.unwrap();
    TestRegistry {
        reg,
        dir,
        backend: Backend::Postgres,
        url,
    }
}

/// The registries a store test runs against. PostgreSQL is skipped loudly, never silently.
pub async fn registries() -> Vec<TestRegistry> {
    let mut out = vec![sqlite().await];
    match std::env::var("PEDIGREE_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => out.push(postgres(&url).await),
        _ => eprintln!("SKIPPING PostgreSQL for this store test: PEDIGREE_TEST_PG_URL is not set"),
    }
    out
}

/// Runs `SQL` directly, bypassing the services (for tamper and invariant tests).
pub async fn raw(t: &TestRegistry, sql: &str) -> Result<u64, sqlx::Error> {
    let mut conn = t.reg.store.pool().acquire().await?;
    Ok(conn
        .execute(sqlx::AssertSqlSafe(sql.to_string()))
        .await?
        .rows_affected())
}
