//! SQL for holder history and protected aliases: opening and closing tenures as stages and
//! aliases move (always inside the move's write transaction), reading a model's timeline
//! and the holders at an instant, and the aliases a model protects.
use crate::error::Result;
use crate::holders::{HoldKind, Holding, HowMoved};
use crate::names::{AliasName, Stage, Version};
use crate::time::Millis;
use sqlx::AnyConnection;

/// Who moved, when, how and under which request: the facts every tenure change records.
#[derive(Debug, Clone, Copy)]
pub struct Move<'a> {
    pub by: &'a str,
    pub at: Millis,
    pub how: HowMoved,
    pub request_id: Option<i64>,
}

async fn close(
    conn: &mut AnyConnection,
    model_id: i64,
    kind: HoldKind,
    slot: Option<&str>,
    version: Option<Version>,
    m: Move<'_>,
) -> Result<()> {
    sqlx::query(
        "UPDATE holder_history SET to_at = $1, ended_by = $2 \
         WHERE model_id = $3 AND kind = $4 AND to_at IS NULL \
           AND ($5 IS NULL OR slot = $5) AND ($6 IS NULL OR version = $6)",
    )
    .bind(m.at)
    .bind(m.by)
    .bind(model_id)
    .bind(kind.as_str())
    .bind(slot)
    .bind(version.map(|v| v.get()))
    .execute(conn)
    .await?;
    Ok(())
}

async fn open(
    conn: &mut AnyConnection,
    model_id: i64,
    kind: HoldKind,
    slot: &str,
    version: Version,
    m: Move<'_>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO holder_history (model_id, kind, slot, version, from_at, moved_by, how, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(model_id)
    .bind(kind.as_str())
    .bind(slot)
    .bind(version.get())
    .bind(m.at)
    .bind(m.by)
    .bind(m.how.as_str())
    .bind(m.request_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// `version` left whatever stage it held and entered `to` (`None` holds nothing).
pub async fn stage_moved(
    conn: &mut AnyConnection,
    model_id: i64,
    version: Version,
    to: Stage,
    m: Move<'_>,
) -> Result<()> {
    close(
        &mut *conn,
        model_id,
        HoldKind::Stage,
        None,
        Some(version),
        m,
    )
    .await?;
    if to != Stage::None {
        open(conn, model_id, HoldKind::Stage, to.as_str(), version, m).await?;
    }
    Ok(())
}

/// `alias` moved to `version` (`None`: it was deleted).
pub async fn alias_moved(
    conn: &mut AnyConnection,
    model_id: i64,
    alias: &AliasName,
    version: Option<Version>,
    m: Move<'_>,
) -> Result<()> {
    close(
        &mut *conn,
        model_id,
        HoldKind::Alias,
        Some(alias.as_str()),
        None,
        m,
    )
    .await?;
    if let Some(v) = version {
        open(conn, model_id, HoldKind::Alias, alias.as_str(), v, m).await?;
    }
    Ok(())
}

/// `version` was deleted: every tenure it held ends.
pub async fn version_gone(
    conn: &mut AnyConnection,
    model_id: i64,
    version: Version,
    m: Move<'_>,
) -> Result<()> {
    for kind in [HoldKind::Stage, HoldKind::Alias] {
        close(&mut *conn, model_id, kind, None, Some(version), m).await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Row {
    kind: String,
    slot: String,
    version: i64,
    from_at: i64,
    to_at: Option<i64>,
    moved_by: String,
    how: String,
    request_id: Option<i64>,
    ended_by: Option<String>,
}

impl TryFrom<Row> for Holding {
    type Error = crate::Error;
    fn try_from(r: Row) -> Result<Holding> {
        Ok(Holding {
            kind: r.kind.parse()?,
            slot: r.slot,
            version: Version::new(r.version)?,
            from: r.from_at,
            to: r.to_at,
            moved_by: r.moved_by,
            how: r.how.parse()?,
            request_id: r.request_id,
            ended_by: r.ended_by,
        })
    }
}

/// A model's holdings, oldest first; only those covering `at` when given.
pub async fn history(
    conn: &mut AnyConnection,
    model_id: i64,
    at: Option<Millis>,
) -> Result<Vec<Holding>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT kind, slot, version, from_at, to_at, moved_by, how, request_id, ended_by \
         FROM holder_history WHERE model_id = $1 \
           AND ($2 IS NULL OR (from_at <= $2 AND (to_at IS NULL OR to_at > $2))) \
         ORDER BY from_at, id",
    )
    .bind(model_id)
    .bind(at)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(Holding::try_from).collect()
}

/// Whether `version` ever held `stage` before now.
pub async fn ever_held(
    conn: &mut AnyConnection,
    model_id: i64,
    version: Version,
    stage: Stage,
) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM holder_history WHERE model_id = $1 AND kind = 'stage' AND slot = $2 AND version = $3",
    )
    .bind(model_id)
    .bind(stage.as_str())
    .bind(version.get())
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// The aliases a model protects besides its production alias.
pub async fn protected(conn: &mut AnyConnection, model_id: i64) -> Result<Vec<AliasName>> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT alias FROM protected_aliases WHERE model_id = $1 ORDER BY alias",
    )
    .bind(model_id)
    .fetch_all(conn)
    .await?;
    names.into_iter().map(AliasName::parse).collect()
}

/// Protects `alias` (or stops protecting it); `false` when nothing changed.
pub async fn set_protected(
    conn: &mut AnyConnection,
    model_id: i64,
    alias: &AliasName,
    on: bool,
) -> Result<bool> {
    let done = if on {
        sqlx::query("INSERT INTO protected_aliases (model_id, alias) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(model_id)
            .bind(alias.as_str())
            .execute(conn)
            .await?
    } else {
        sqlx::query("DELETE FROM protected_aliases WHERE model_id = $1 AND alias = $2")
            .bind(model_id)
            .bind(alias.as_str())
            .execute(conn)
            .await?
    };
    Ok(done.rows_affected() > 0)
}
