//! SQL for the key/value tables (tags and params of every aggregate): one closed set of
//! tables, so a table name is never user input.
use super::rows::tags;
use crate::error::Result;
use crate::names::Tag;
use sqlx::AnyConnection;

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
            .await?;
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
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// All keys of one owner, ordered by key.
    pub async fn load(self, conn: &mut AnyConnection, owner: KvOwner<'_>) -> Result<Vec<Tag>> {
        let (table, col) = self.table_and_owner();
        let sql = format!("SELECT key, value FROM {table} WHERE {col} = $1 ORDER BY key");
        let rows = owner
            .bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_all(conn)
            .await?;
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
