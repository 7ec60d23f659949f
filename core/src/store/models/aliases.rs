//! SQL for a registered model's aliases: where an alias points, moving and removing it,
//! and reading a model's aliases (or every model's) back.
use crate::error::{Entity, Error, Result};
use crate::names::{AliasName, Version};
use crate::registered_model::Alias;
use crate::store::versions::AliasRow;
use sqlx::AnyConnection;
use std::collections::HashMap;

/// The error for an alias the model does not have (MLflow's wording).
pub fn not_found(alias: &AliasName) -> Error {
    Error::not_found(
        Entity::Alias,
        alias.as_str(),
        format!("Registered model alias {alias} not found."),
    )
}

/// The version `alias` of model `model_id` points at, if the model has it.
pub async fn target(
    conn: &mut AnyConnection,
    model_id: i64,
    alias: &AliasName,
) -> Result<Option<Version>> {
    Ok(sqlx::query_scalar(
        "SELECT version FROM registered_model_aliases WHERE model_id = $1 AND alias = $2",
    )
    .bind(model_id)
    .bind(alias)
    .fetch_optional(conn)
    .await?)
}

/// Points `alias` at `version`, moving it if it pointed elsewhere.
pub async fn set(
    conn: &mut AnyConnection,
    model_id: i64,
    alias: &AliasName,
    version: Version,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO registered_model_aliases (model_id, alias, version) VALUES ($1, $2, $3) \
         ON CONFLICT (model_id, alias) DO UPDATE SET version = excluded.version",
    )
    .bind(model_id)
    .bind(alias)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete(conn: &mut AnyConnection, model_id: i64, alias: &AliasName) -> Result<()> {
    sqlx::query("DELETE FROM registered_model_aliases WHERE model_id = $1 AND alias = $2")
        .bind(model_id)
        .bind(alias)
        .execute(conn)
        .await?;
    Ok(())
}

fn alias(r: AliasRow) -> Alias {
    Alias {
        alias: r.alias,
        version: r.version,
    }
}

/// A model's aliases, by alias.
pub async fn of_model(conn: &mut AnyConnection, model_id: i64) -> Result<Vec<Alias>> {
    let rows: Vec<AliasRow> = sqlx::query_as(
        "SELECT model_id, alias, version FROM registered_model_aliases WHERE model_id = $1 ORDER BY alias",
    )
    .bind(model_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(alias).collect())
}

/// Every model's aliases, by model id, each model's by alias.
pub async fn by_model(conn: &mut AnyConnection) -> Result<HashMap<i64, Vec<Alias>>> {
    let rows: Vec<AliasRow> = sqlx::query_as(
        "SELECT model_id, alias, version FROM registered_model_aliases ORDER BY alias",
    )
    .fetch_all(conn)
    .await?;
    let mut out: HashMap<i64, Vec<Alias>> = HashMap::new();
    for r in rows {
        out.entry(r.model_id).or_default().push(alias(r));
    }
    Ok(out)
}
