//! SQL for users, their passwords and their API tokens: creating users, setting password
//! hashes, issuing, listing and revoking tokens (only a token's hash is ever stored),
//! finding the token a hash stands for, and noting when it was last used.
use super::bind::Flag;
use super::{Backend, WriteTx};
use crate::error::Result;
use crate::names::UserName;
use crate::time::Millis;
use crate::user::{Account, TokenInfo, User};
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

/// Inserts the user; returns its row id.
pub async fn insert(conn: &mut AnyConnection, user: &User) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO users (name, display_name, is_admin, created_at) VALUES ($1, $2, $3, $4) \
         RETURNING id",
    )
    .bind(&user.name)
    .bind(&user.display_name)
    .bind(user.is_admin)
    .bind(user.created_at)
    .fetch_one(conn)
    .await?)
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
    expires_at: Option<Millis>,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user_id)
    .bind(label)
    .bind(token_hash)
    .bind(now)
    .bind(expires_at)
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

/// An unrevoked token, found by its hash: whose it is and when it expires and was used.
#[derive(Debug, sqlx::FromRow)]
pub struct ActiveToken {
    pub id: i64,
    pub user: UserName,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

pub async fn active_token(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<ActiveToken>> {
    Ok(sqlx::query_as(
        "SELECT t.id, u.name AS user, t.expires_at, t.last_used_at \
         FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await?)
}

/// Notes that the token was used at `now`, unless that was already noted since `since`
/// (another request, or another server, got there first).
pub async fn touch_token(
    conn: &mut AnyConnection,
    token_id: i64,
    now: Millis,
    since: Millis,
) -> Result<()> {
    sqlx::query(
        "UPDATE api_tokens SET last_used_at = $1 \
         WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
    )
    .bind(now)
    .bind(token_id)
    .bind(since)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    user: UserName,
    label: String,
    created_at: i64,
    expires_at: Option<i64>,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

/// Every token (of `user`, when given), oldest first: never the hash.
pub async fn list_tokens(
    conn: &mut AnyConnection,
    user: Option<&UserName>,
) -> Result<Vec<TokenInfo>> {
    const COLUMNS: &str = "SELECT t.id, u.name AS user, t.name AS label, t.created_at, \
         t.expires_at, t.last_used_at, t.revoked_at FROM api_tokens t JOIN users u ON u.id = t.user_id";
    let rows: Vec<TokenRow> = match user {
        Some(u) => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{COLUMNS} WHERE u.name = $1 ORDER BY t.id"
            )))
            .bind(u)
            .fetch_all(conn)
            .await?
        }
        None => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{COLUMNS} ORDER BY t.id")))
                .fetch_all(conn)
                .await?
        }
    };
    Ok(rows
        .into_iter()
        .map(|r| TokenInfo {
            id: r.id,
            user: r.user,
            label: r.label,
            created_at: r.created_at,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        })
        .collect())
}

/// What signing in needs to know about an account.
#[derive(sqlx::FromRow)]
pub struct PasswordRecord {
    pub id: i64,
    pub password_hash: Option<String>,
    pub must_change_password: Flag,
}

impl std::fmt::Debug for PasswordRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordRecord")
            .field("id", &self.id)
            .field("has_password", &self.password_hash.is_some())
            .finish_non_exhaustive()
    }
}

pub async fn password_record(
    conn: &mut AnyConnection,
    name: &UserName,
) -> Result<Option<PasswordRecord>> {
    Ok(
        sqlx::query_as("SELECT id, password_hash, must_change_password FROM users WHERE name = $1")
            .bind(name)
            .fetch_optional(conn)
            .await?,
    )
}

/// The stored hash of the user with row id `user_id` (to check, inside a write
/// transaction, that the password verified outside it is still the one set).
pub async fn password_hash(conn: &mut AnyConnection, user_id: i64) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(conn)
            .await?
            .flatten(),
    )
}

pub async fn set_password(
    conn: &mut AnyConnection,
    user_id: i64,
    phc: &str,
    must_change: bool,
) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1, must_change_password = $2 WHERE id = $3")
        .bind(phc)
        .bind(must_change)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    name: UserName,
    display_name: String,
    is_admin: Flag,
    created_at: i64,
    has_password: Flag,
    must_change_password: Flag,
}

/// Every user, by name.
pub async fn list_accounts(conn: &mut AnyConnection) -> Result<Vec<Account>> {
    let rows: Vec<AccountRow> = sqlx::query_as(
        "SELECT name, display_name, is_admin, created_at, \
         (password_hash IS NOT NULL) AS has_password, must_change_password \
         FROM users ORDER BY name",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Account {
            user: User {
                name: r.name,
                display_name: r.display_name,
                is_admin: r.is_admin.0,
                created_at: r.created_at,
            },
            has_password: r.has_password.0,
            must_change_password: r.must_change_password.0,
        })
        .collect())
}

/// Whether any administrator exists.
pub async fn any_admin(conn: &mut AnyConnection) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE is_admin = $1")
        .bind(true)
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}
