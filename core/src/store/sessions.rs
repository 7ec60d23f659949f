//! SQL for dashboard sessions (rows keyed by the SHA-256 of the cookie's secret), the
//! failed sign-ins the throttle counts, and the row startup locks while it creates the
//! first administrator.
use super::bind::Flag;
use super::{Backend, WriteTx};
use crate::error::Result;
use crate::names::UserName;
use crate::time::Millis;
use sqlx::AnyConnection;

/// A session's row and the user it signs in.
#[derive(Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub user_id: i64,
    pub user: UserName,
    pub must_change_password: Flag,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub idle_deadline: i64,
    pub absolute_deadline: i64,
}

pub async fn insert(
    conn: &mut AnyConnection,
    id_hash: &str,
    user_id: i64,
    now: Millis,
    idle_deadline: Millis,
    absolute_deadline: Millis,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, idle_deadline, \
         absolute_deadline) VALUES ($1, $2, $3, $3, $4, $5)",
    )
    .bind(id_hash)
    .bind(user_id)
    .bind(now)
    .bind(idle_deadline)
    .bind(absolute_deadline)
    .execute(conn)
    .await?;
    Ok(())
}

/// The session with this key, whether or not it has expired (the caller decides).
pub async fn get(conn: &mut AnyConnection, id_hash: &str) -> Result<Option<SessionRow>> {
    Ok(sqlx::query_as(
        "SELECT s.user_id, u.name AS user, u.must_change_password, s.created_at, \
         s.last_seen_at, s.idle_deadline, s.absolute_deadline \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1",
    )
    .bind(id_hash)
    .fetch_optional(conn)
    .await?)
}

/// The session's row, locked until the transaction ends; `None` when it does not exist.
pub async fn lock(tx: &mut WriteTx, id_hash: &str) -> Result<Option<SessionRow>> {
    let sql = match tx.backend() {
        Backend::Sqlite => {
            "SELECT s.user_id, u.name AS user, u.must_change_password, s.created_at, \
             s.last_seen_at, s.idle_deadline, s.absolute_deadline \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1"
        }
        Backend::Postgres => {
            "SELECT s.user_id, u.name AS user, u.must_change_password, s.created_at, \
             s.last_seen_at, s.idle_deadline, s.absolute_deadline \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1 \
             FOR UPDATE OF s"
        }
    };
    Ok(sqlx::query_as(sql)
        .bind(id_hash)
        .fetch_optional(tx.conn())
        .await?)
}

/// Notes activity at `now` and moves the idle deadline, unless another request already
/// did since `since`.
pub async fn touch(
    conn: &mut AnyConnection,
    id_hash: &str,
    now: Millis,
    idle_deadline: Millis,
    since: Millis,
) -> Result<()> {
    sqlx::query(
        "UPDATE sessions SET last_seen_at = $1, idle_deadline = $2 \
         WHERE id_hash = $3 AND last_seen_at < $4",
    )
    .bind(now)
    .bind(idle_deadline)
    .bind(id_hash)
    .bind(since)
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends one session; whether it existed.
pub async fn delete(conn: &mut AnyConnection, id_hash: &str) -> Result<bool> {
    Ok(sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(conn)
        .await?
        .rows_affected()
        > 0)
}

/// Ends every session of the user but `keep`; how many ended.
pub async fn delete_for_user(
    conn: &mut AnyConnection,
    user_id: i64,
    keep: Option<&str>,
) -> Result<u64> {
    let done = match keep {
        Some(k) => {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
                .bind(user_id)
                .bind(k)
                .execute(conn)
                .await?
        }
        None => {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(conn)
                .await?
        }
    };
    Ok(done.rows_affected())
}

/// Removes sessions past either deadline.
pub async fn delete_expired(conn: &mut AnyConnection, now: Millis) -> Result<u64> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE idle_deadline <= $1 OR absolute_deadline <= $1")
            .bind(now)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// Failed sign-ins for `scope` since `since`: how many, and when the last one was.
pub async fn failures(
    conn: &mut AnyConnection,
    scope: &str,
    since: Millis,
) -> Result<(i64, Option<Millis>)> {
    let row: (i64, Option<i64>) =
        sqlx::query_as("SELECT COUNT(*), MAX(at) FROM login_attempts WHERE scope = $1 AND at > $2")
            .bind(scope)
            .bind(since)
            .fetch_one(conn)
            .await?;
    Ok(row)
}

pub async fn record_failure(conn: &mut AnyConnection, scope: &str, now: Millis) -> Result<()> {
    sqlx::query("INSERT INTO login_attempts (scope, at) VALUES ($1, $2)")
        .bind(scope)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets the failures of `scope` (an account after a successful sign-in).
pub async fn clear_failures(conn: &mut AnyConnection, scope: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_attempts WHERE scope = $1")
        .bind(scope)
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets failures older than `before`: they no longer count.
pub async fn prune_failures(conn: &mut AnyConnection, before: Millis) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM login_attempts WHERE at <= $1")
        .bind(before)
        .execute(conn)
        .await?
        .rows_affected())
}

/// Locks the bootstrap row until the transaction ends, so of two servers starting at once
/// on one PostgreSQL database, the second decides after the first has committed. (SQLite:
/// `BEGIN IMMEDIATE` already serialises writers, across processes too.)
pub async fn lock_bootstrap(tx: &mut WriteTx) -> Result<()> {
    if tx.backend() == Backend::Postgres {
        sqlx::query("SELECT id FROM credential_bootstrap WHERE id = 1 FOR UPDATE")
            .fetch_optional(tx.conn())
            .await?;
    }
    Ok(())
}

pub async fn mark_bootstrapped(
    conn: &mut AnyConnection,
    admin: &UserName,
    now: Millis,
) -> Result<()> {
    sqlx::query("UPDATE credential_bootstrap SET admin_name = $1, done_at = $2 WHERE id = 1")
        .bind(admin)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}
