//! Small helpers for reading `AnyRow`s and key/value tables, so each service reads rows
//! the same way and database errors are mapped in one place.
use super::map_sqlx;
use crate::error::{Error, Result};
use crate::names::{Key, Tag};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

pub fn s(row: &AnyRow, col: &str) -> Result<String> {
    row.try_get::<String, _>(col).map_err(map_sqlx)
}
pub fn os(row: &AnyRow, col: &str) -> Result<Option<String>> {
    row.try_get::<Option<String>, _>(col).map_err(map_sqlx)
}
pub fn i(row: &AnyRow, col: &str) -> Result<i64> {
    row.try_get::<i64, _>(col).map_err(map_sqlx)
}
pub fn oi(row: &AnyRow, col: &str) -> Result<Option<i64>> {
    row.try_get::<Option<i64>, _>(col).map_err(map_sqlx)
}
pub fn b(row: &AnyRow, col: &str) -> Result<bool> {
    // SQLite hands booleans back as integers through `Any`.
    match row.try_get::<bool, _>(col) {
        Ok(v) => Ok(v),
        Err(_) => Ok(i(row, col)? != 0),
    }
}
pub fn of(row: &AnyRow, col: &str) -> Result<Option<f64>> {
    row.try_get::<Option<f64>, _>(col).map_err(map_sqlx)
}

/// Parses a stored value with a domain parser; a failure means the database holds
/// something the domain never wrote, which is an internal error, not the caller's.
pub fn parsed<T, E: std::fmt::Display>(v: std::result::Result<T, E>, what: &str) -> Result<T> {
    v.map_err(|e| Error::Internal(format!("stored {what} is invalid: {e}")))
}

/// Key/value rows (`key`, `value` columns) into tags, ordered by key.
pub fn tags(rows: &[AnyRow]) -> Result<Vec<Tag>> {
    rows.iter()
        .map(|r| {
            Ok(Tag {
                key: parsed(Key::parse(s(r, "key")?), "key")?,
                value: s(r, "value")?,
            })
        })
        .collect()
}

/// The kv tables a service may upsert into. A closed set, so table names are never user input.
#[derive(Debug, Clone, Copy)]
pub enum KvTable {
    ExperimentTags,
    RunParams,
    RunTags,
    LoggedModelParams,
    LoggedModelTags,
    RegisteredModelTags,
    ModelVersionTags,
}

impl KvTable {
    fn table_and_owner(self) -> (&'static str, &'static str) {
        match self {
            KvTable::ExperimentTags => ("experiment_tags", "experiment_id"),
            KvTable::RunParams => ("run_params", "run_id"),
            KvTable::RunTags => ("run_tags", "run_id"),
            KvTable::LoggedModelParams => ("logged_model_params", "model_id"),
            KvTable::LoggedModelTags => ("logged_model_tags", "model_id"),
            KvTable::RegisteredModelTags => ("registered_model_tags", "model_id"),
            KvTable::ModelVersionTags => ("model_version_tags", "version_id"),
        }
    }

    /// Inserts or replaces one key.
    pub async fn upsert(
        self,
        conn: &mut AnyConnection,
        owner: KvOwner<'_>,
        tag: &Tag,
    ) -> Result<()> {
        let (table, col) = self.table_and_owner();
        let sql = format!(
            "INSERT INTO {table} ({col}, key, value) VALUES ($1, $2, $3) \
             ON CONFLICT ({col}, key) DO UPDATE SET value = excluded.value"
        );
        owner
            .bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .bind(tag.key.as_str().to_string())
            .bind(tag.value.clone())
            .execute(conn)
            .await
            .map_err(map_sqlx)?;
        Ok(())
    }

    /// Removes one key; returns whether it existed.
    pub async fn delete(
        self,
        conn: &mut AnyConnection,
        owner: KvOwner<'_>,
        key: &str,
    ) -> Result<bool> {
        let (table, col) = self.table_and_owner();
        let sql = format!("DELETE FROM {table} WHERE {col} = $1 AND key = $2");
        let done = owner
            .bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .bind(key.to_string())
            .execute(conn)
            .await
            .map_err(map_sqlx)?;
        Ok(done.rows_affected() > 0)
    }

    /// All keys of one owner, ordered by key.
    pub async fn load(self, conn: &mut AnyConnection, owner: KvOwner<'_>) -> Result<Vec<Tag>> {
        let (table, col) = self.table_and_owner();
        let sql = format!("SELECT key, value FROM {table} WHERE {col} = $1 ORDER BY key");
        let rows = owner
            .bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_all(conn)
            .await
            .map_err(map_sqlx)?;
        tags(&rows)
    }
}

/// The owner key of a kv row: an integer id or a text id.
#[derive(Debug, Clone, Copy)]
pub enum KvOwner<'a> {
    Int(i64),
    Text(&'a str),
}

impl KvOwner<'_> {
    fn bind<'q>(
        self,
        q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        match self {
            KvOwner::Int(v) => q.bind(v),
            KvOwner::Text(v) => q.bind(v.to_string()),
        }
    }
}

/// JSON text for an audit summary.
pub fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}
