//! SQL for users and their API tokens: creating users, issuing and revoking tokens (only a
//! token's hash is ever stored), and finding the user a token hash stands for.
use super::bind::Flag;
use super::{Backend, WriteTx};
use crate::error::Result;
use crate::names::UserName;
use crate::time::Millis;
use crate::user::User;
use sqlx::AnyConnection;

#[derive(sqlx::FromRow)]
struct UserRow {
    name: UserName,
    display_name: String,
    is_admin: Flag,
    created_at: i64,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> User {
        User {
            name: r.name,
            display_name: r.display_name,
            is_admin: r.is_admin.0,
            created_at: r.created_at,
        }
    }
}

pub async fn insert(conn: &mut AnyConnection, user: &User) -> Result<()> {
    sqlx::query(
        "INSERT INTO users (name, display_name, is_admin, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&user.name)
    .bind(&user.display_name)
    .bind(user.is_admin)
    .bind(user.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The user, or `None`.
pub async fn get(conn: &mut AnyConnection, name: &UserName) -> Result<Option<User>> {
    let row: Option<UserRow> = sqlx::query_as(
        "SELECT name, display_name, is_admin, created_at FROM users WHERE name = $1",
    )
    .bind(name)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(User::from))
}

/// The user's row id, its row locked until the transaction ends (PostgreSQL `FOR UPDATE`;
/// SQLite's writer lock already serialises writers), or `None`.
pub async fn lock(tx: &mut WriteTx, name: &UserName) -> Result<Option<i64>> {
    let sql = match tx.backend() {
        Backend::Sqlite => "SELECT id FROM users WHERE name = $1",
        Backend::Postgres => "SELECT id FROM users WHERE name = $1 FOR UPDATE",
    };
    Ok(sqlx::query_scalar(sql)
        .bind(name)
        .fetch_optional(tx.conn())
        .await?)
}

/// Stores a new token's hash for the user with row id `user_id`; returns the token's id.
pub async fn insert_token(
    conn: &mut AnyConnection,
    user_id: i64,
    label: &str,
    token_hash: &str,
    now: Millis,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(user_id)
    .bind(label)
    .bind(token_hash)
    .bind(now)
    .fetch_one(conn)
    .await?)
}

/// Whether the token exists and is not revoked, its row locked until the transaction ends.
pub async fn lock_active_token(tx: &mut WriteTx, token_id: i64) -> Result<bool> {
    let sql = match tx.backend() {
        Backend::Sqlite => "SELECT id FROM api_tokens WHERE id = $1 AND revoked_at IS NULL",
        Backend::Postgres => {
            "SELECT id FROM api_tokens WHERE id = $1 AND revoked_at IS NULL FOR UPDATE"
        }
    };
    let row: Option<i64> = sqlx::query_scalar(sql)
        .bind(token_id)
        .fetch_optional(tx.conn())
        .await?;
    Ok(row.is_some())
}

pub async fn revoke_token(conn: &mut AnyConnection, token_id: i64, now: Millis) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2")
        .bind(now)
        .bind(token_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The user an unrevoked token with this hash belongs to, or `None`.
pub async fn user_for_token(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<UserName>> {
    Ok(sqlx::query_scalar(
        "SELECT u.name FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await?)
}
