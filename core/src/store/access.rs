//! SQL for who may do what: an actor's standing on a subject (one query over their grants,
//! their teams' grants, admin flag and the model's owning team), teams and members, grants
//! and model ownership. Grants are keyed by principal and scope: setting one replaces it.
use super::{Backend, WriteTx};
use crate::access::{Grant, Principal, Role, Scope, Standing, Team, TeamName};
use crate::error::Result;
use crate::names::{ModelName, UserName};
use crate::time::Millis;
use sqlx::AnyConnection;

#[derive(sqlx::FromRow)]
struct FactRow {
    kind: String,
    role: Option<String>,
}

/// What the database says about `user`'s standing on `model` (or on the registry as a
/// whole when `model` is `None`): grants to them or their teams, the admin flag, and the
/// model's owning team. Unknown users stand nowhere.
pub async fn standing(
    conn: &mut AnyConnection,
    user: &str,
    model: Option<&ModelName>,
) -> Result<Standing> {
    let rows: Vec<FactRow> = sqlx::query_as(
        "SELECT CASE WHEN g.model_id IS NULL THEN 'global' ELSE 'model' END AS kind, g.role AS role \
         FROM grants g \
         WHERE (g.user_id IN (SELECT id FROM users WHERE name = $1) \
                OR g.team_id IN (SELECT tm.team_id FROM team_members tm JOIN users u ON u.id = tm.user_id WHERE u.name = $1)) \
           AND (g.model_id IS NULL OR g.model_id IN (SELECT id FROM registered_models WHERE name = $2)) \
         UNION ALL SELECT 'admin', NULL FROM users WHERE name = $1 AND is_admin \
         UNION ALL SELECT 'owned', NULL FROM registered_models WHERE name = $2 AND owner_team_id IS NOT NULL \
         UNION ALL SELECT 'member', NULL FROM registered_models m \
             JOIN team_members tm ON tm.team_id = m.owner_team_id \
             JOIN users u ON u.id = tm.user_id WHERE m.name = $2 AND u.name = $1",
    )
    .bind(user)
    .bind(model.map(ModelName::as_str))
    .fetch_all(conn)
    .await?;
    facts(rows)
}

/// What the database says about `user`'s standing anywhere in the registry, for the
/// route-level check ([`crate::access::Need`]): the highest grant to them or their teams
/// over the whole registry (`global`) and on any one model (`on_model`), the admin flag,
/// and whether they belong to a team that owns a model (`owner_member`).
pub async fn reach(conn: &mut AnyConnection, user: &str) -> Result<Standing> {
    let rows: Vec<FactRow> = sqlx::query_as(
        "SELECT CASE WHEN g.model_id IS NULL THEN 'global' ELSE 'model' END AS kind, g.role AS role \
         FROM grants g \
         WHERE g.user_id IN (SELECT id FROM users WHERE name = $1) \
            OR g.team_id IN (SELECT tm.team_id FROM team_members tm JOIN users u ON u.id = tm.user_id WHERE u.name = $1) \
         UNION ALL SELECT 'admin', NULL FROM users WHERE name = $1 AND is_admin \
         UNION ALL SELECT 'member', NULL WHERE EXISTS (SELECT 1 FROM registered_models m \
             JOIN team_members tm ON tm.team_id = m.owner_team_id \
             JOIN users u ON u.id = tm.user_id WHERE u.name = $1)",
    )
    .bind(user)
    .fetch_all(conn)
    .await?;
    facts(rows)
}

fn facts(rows: Vec<FactRow>) -> Result<Standing> {
    let mut s = Standing::default();
    for r in rows {
        let role = r.role.as_deref().map(str::parse::<Role>).transpose()?;
        match r.kind.as_str() {
            "global" => s.global = s.global.max(role),
            "model" => s.on_model = s.on_model.max(role),
            "admin" => s.admin = true,
            "owned" => s.model_owned = true,
            "member" => s.owner_member = true,
            _ => {}
        }
    }
    Ok(s)
}

pub async fn insert_team(
    conn: &mut AnyConnection,
    name: &TeamName,
    description: &str,
    now: Millis,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO teams (name, description, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(name.as_str())
    .bind(description)
    .bind(now)
    .fetch_one(conn)
    .await?)
}

/// The team's row id, its row locked until the transaction ends, or `None`.
pub async fn lock_team(tx: &mut WriteTx, name: &TeamName) -> Result<Option<i64>> {
    let sql = match tx.backend() {
        Backend::Sqlite => "SELECT id FROM teams WHERE name = $1",
        Backend::Postgres => "SELECT id FROM teams WHERE name = $1 FOR UPDATE",
    };
    Ok(sqlx::query_scalar(sql)
        .bind(name.as_str())
        .fetch_optional(tx.conn())
        .await?)
}

/// Adds a member; `false` when they already were one.
pub async fn add_member(
    conn: &mut AnyConnection,
    team_id: i64,
    user_id: i64,
    now: Millis,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO team_members (team_id, user_id, added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(team_id)
    .bind(user_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes a member; `false` when they were not one.
pub async fn remove_member(conn: &mut AnyConnection, team_id: i64, user_id: i64) -> Result<bool> {
    let done = sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2")
        .bind(team_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(sqlx::FromRow)]
struct TeamRow {
    name: String,
    description: String,
    created_at: i64,
    members: Option<String>,
}

/// Every team (or the one named), by name, with its members (sorted).
pub async fn teams(conn: &mut AnyConnection, only: Option<&TeamName>) -> Result<Vec<Team>> {
    let rows: Vec<TeamRow> = sqlx::query_as(
        "SELECT t.name, t.description, t.created_at, \
                (SELECT STRING_AGG(u.name, ',') FROM team_members tm JOIN users u ON u.id = tm.user_id WHERE tm.team_id = t.id) AS members \
         FROM teams t WHERE ($1 IS NULL OR t.name = $1) ORDER BY t.name",
    )
    .bind(only.map(TeamName::as_str))
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            let mut members = r
                .members
                .unwrap_or_default()
                .split(',')
                .filter(|s| !s.is_empty())
                .map(UserName::parse)
                .collect::<Result<Vec<_>>>()?;
            members.sort();
            Ok(Team {
                name: TeamName::parse(r.name)?,
                description: r.description,
                created_at: r.created_at,
                members,
            })
        })
        .collect()
}

/// A principal and scope resolved to row ids (the principal's row locked by the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantKey {
    pub user_id: Option<i64>,
    pub team_id: Option<i64>,
    pub model_id: Option<i64>,
}

/// The role a principal holds on exactly this scope, or `None`.
pub async fn grant_role(conn: &mut AnyConnection, key: GrantKey) -> Result<Option<Role>> {
    let role: Option<String> = sqlx::query_scalar(
        "SELECT role FROM grants WHERE COALESCE(user_id, 0) = $1 AND COALESCE(team_id, 0) = $2 AND COALESCE(model_id, 0) = $3",
    )
    .bind(key.user_id.unwrap_or(0))
    .bind(key.team_id.unwrap_or(0))
    .bind(key.model_id.unwrap_or(0))
    .fetch_optional(conn)
    .await?;
    role.as_deref().map(str::parse).transpose()
}

/// Sets the principal's role on the scope, replacing any it held there.
pub async fn set_grant(
    conn: &mut AnyConnection,
    key: GrantKey,
    role: Role,
    by: &str,
    now: Millis,
) -> Result<()> {
    revoke_grant(&mut *conn, key).await?;
    sqlx::query(
        "INSERT INTO grants (user_id, team_id, model_id, role, granted_by, granted_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(key.user_id)
    .bind(key.team_id)
    .bind(key.model_id)
    .bind(role.as_str())
    .bind(by)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes the principal's grant on the scope; `false` when there was none.
pub async fn revoke_grant(conn: &mut AnyConnection, key: GrantKey) -> Result<bool> {
    let done = sqlx::query(
        "DELETE FROM grants WHERE COALESCE(user_id, 0) = $1 AND COALESCE(team_id, 0) = $2 AND COALESCE(model_id, 0) = $3",
    )
    .bind(key.user_id.unwrap_or(0))
    .bind(key.team_id.unwrap_or(0))
    .bind(key.model_id.unwrap_or(0))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    user_name: Option<String>,
    team_name: Option<String>,
    model_name: Option<String>,
    role: String,
    granted_by: String,
    granted_at: i64,
}

/// Grants, optionally only those on one model (and the global ones, which cover it too),
/// ordered by scope, then principal.
pub async fn grants(conn: &mut AnyConnection, model: Option<&ModelName>) -> Result<Vec<Grant>> {
    let rows: Vec<GrantRow> = sqlx::query_as(
        "SELECT u.name AS user_name, t.name AS team_name, m.name AS model_name, g.role, g.granted_by, g.granted_at \
         FROM grants g LEFT JOIN users u ON u.id = g.user_id LEFT JOIN teams t ON t.id = g.team_id \
         LEFT JOIN registered_models m ON m.id = g.model_id \
         WHERE ($1 IS NULL OR g.model_id IS NULL OR m.name = $1) \
         ORDER BY COALESCE(m.name, ''), COALESCE(u.name, t.name), g.id",
    )
    .bind(model.map(ModelName::as_str))
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            let principal = match (r.user_name, r.team_name) {
                (Some(u), _) => Principal::User(UserName::parse(u)?),
                (None, Some(t)) => Principal::Team(TeamName::parse(t)?),
                (None, None) => {
                    return Err(crate::Error::Internal("a grant without a principal".into()))
                }
            };
            let scope = match r.model_name {
                Some(m) => Scope::Model(ModelName::parse(m)?),
                None => Scope::Global,
            };
            Ok(Grant {
                principal,
                role: r.role.parse()?,
                scope,
                granted_by: r.granted_by,
                granted_at: r.granted_at,
            })
        })
        .collect()
}

/// Sets (or clears) the team that owns a model.
pub async fn set_owner(
    conn: &mut AnyConnection,
    model_id: i64,
    team_id: Option<i64>,
) -> Result<()> {
    sqlx::query("UPDATE registered_models SET owner_team_id = $1 WHERE id = $2")
        .bind(team_id)
        .bind(model_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The team that owns a model, if any.
pub async fn owner(conn: &mut AnyConnection, model_id: i64) -> Result<Option<TeamName>> {
    let name: Option<String> = sqlx::query_scalar(
        "SELECT t.name FROM registered_models m JOIN teams t ON t.id = m.owner_team_id WHERE m.id = $1",
    )
    .bind(model_id)
    .fetch_optional(conn)
    .await?;
    name.map(TeamName::parse).transpose()
}

/// The facts a read scope is made of: the owned models, and the models a grant to `user`
/// (or their teams) or their team's ownership opens to them.
pub async fn read_facts(
    conn: &mut AnyConnection,
    user: &str,
) -> Result<(Vec<String>, Vec<String>)> {
    let owned: Vec<String> =
        sqlx::query_scalar("SELECT name FROM registered_models WHERE owner_team_id IS NOT NULL")
            .fetch_all(&mut *conn)
            .await?;
    let opened: Vec<String> = sqlx::query_scalar(
        "SELECT m.name FROM registered_models m JOIN grants g ON g.model_id = m.id \
         WHERE g.user_id IN (SELECT id FROM users WHERE name = $1) \
            OR g.team_id IN (SELECT tm.team_id FROM team_members tm JOIN users u ON u.id = tm.user_id WHERE u.name = $1) \
         UNION SELECT m.name FROM registered_models m JOIN team_members tm ON tm.team_id = m.owner_team_id \
             JOIN users u ON u.id = tm.user_id WHERE u.name = $1",
    )
    .bind(user)
    .fetch_all(conn)
    .await?;
    Ok((owned, opened))
}
