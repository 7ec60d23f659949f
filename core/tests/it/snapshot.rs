//! What the read cache relies on from SQLite under sqlx: a connection whose last read
//! stopped after its first row (`fetch_optional`) does not keep that read's WAL snapshot,
//! so its next read sees what another connection committed since.
use sqlx::{Connection, Executor};

#[tokio::test]
async fn an_unfinished_read_does_not_pin_an_old_snapshot() {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("s.db").display());
    let mut a = sqlx::AnyConnection::connect(&url).await.unwrap();
    a.execute("PRAGMA journal_mode = WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER); INSERT INTO t (v) VALUES (1), (1);")
        .await
        .unwrap();
    let mut b = sqlx::AnyConnection::connect(&url).await.unwrap();
    // A read that stops after its first row.
    let first: Option<i64> = sqlx::query_scalar("SELECT v FROM t ORDER BY id")
        .fetch_optional(&mut a)
        .await
        .unwrap();
    assert_eq!(first, Some(1));
    b.execute("UPDATE t SET v = 2").await.unwrap();
    let now: i64 = sqlx::query_scalar("SELECT max(v) FROM t")
        .fetch_one(&mut a)
        .await
        .unwrap();
    assert_eq!(now, 2, "connection a reads an old snapshot");
}
