//! SQL for required checks: each model's checks (part of its review policy, in the order
//! they were set) and the latest result of each check on each transition request, with
//! the values it saw as JSON text.
use super::bind::Flag;
use super::rows::{json, parsed};
use crate::error::Result;
use crate::review::checks::{CheckRule, CheckValues, Direction};
use crate::review::{CheckResult, RequestId, RequestStatus, RequiredCheck};
use sqlx::AnyConnection;
use std::collections::HashMap;

#[derive(sqlx::FromRow)]
struct CheckRow {
    name: String,
    kind: String,
    condition: String,
    direction: Option<String>,
}

/// A model's checks, in policy order.
pub async fn policy_checks(conn: &mut AnyConnection, model_id: i64) -> Result<Vec<RequiredCheck>> {
    let rows: Vec<CheckRow> = sqlx::query_as(
        "SELECT name, kind, condition, direction FROM review_policy_checks WHERE model_id = $1 ORDER BY position",
    )
    .bind(model_id)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            // Through the domain's constructors, so a stored check is one that parses.
            let check = match r.kind.as_str() {
                "filter" => RequiredCheck::filter(&r.name, &r.condition),
                _ => Direction::parse(r.direction.as_deref().unwrap_or_default())
                    .and_then(|d| RequiredCheck::not_worse_than(&r.name, &r.condition, d)),
            };
            parsed(check, "required check")
        })
        .collect()
}

/// Replaces a model's checks.
pub async fn set_policy_checks(
    conn: &mut AnyConnection,
    model_id: i64,
    checks: &[RequiredCheck],
) -> Result<()> {
    sqlx::query("DELETE FROM review_policy_checks WHERE model_id = $1")
        .bind(model_id)
        .execute(&mut *conn)
        .await?;
    for (i, c) in checks.iter().enumerate() {
        let (kind, condition, direction) = match &c.rule {
            CheckRule::Filter { condition } => ("filter", condition.as_str(), None),
            CheckRule::NotWorseThan { metric, direction } => {
                ("not_worse_than", metric.as_str(), Some(direction.as_str()))
            }
        };
        sqlx::query(
            "INSERT INTO review_policy_checks (model_id, position, name, kind, condition, direction) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(model_id)
        .bind(i as i64)
        .bind(c.name.as_str())
        .bind(kind)
        .bind(condition)
        .bind(direction)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ResultRow {
    request_id: RequestId,
    name: String,
    condition: String,
    passed: Flag,
    seen: String,
    reason: String,
    evaluated_at: i64,
}

/// The check results of the requests `sub` selects (`store::reviews::load`'s request
/// subquery, bound with `ints` and then `status`), per request in check order.
pub(super) async fn results_in(
    conn: &mut AnyConnection,
    sub: &str,
    ints: &[i64],
    status: Option<RequestStatus>,
) -> Result<HashMap<RequestId, Vec<CheckResult>>> {
    let sql = format!(
        "SELECT request_id, name, condition, passed, seen, reason, evaluated_at \
         FROM transition_request_checks WHERE request_id IN ({sub}) ORDER BY request_id, position"
    );
    let mut q = sqlx::query_as::<_, ResultRow>(sqlx::AssertSqlSafe(sql));
    for v in ints {
        q = q.bind(*v);
    }
    if let Some(s) = status {
        q = q.bind(s);
    }
    let mut out: HashMap<RequestId, Vec<CheckResult>> = HashMap::new();
    for r in q.fetch_all(conn).await? {
        let values: CheckValues = parsed(serde_json::from_str(&r.seen), "check values")?;
        out.entry(r.request_id).or_default().push(CheckResult {
            name: r.name,
            condition: r.condition,
            passed: r.passed.0,
            values,
            reason: r.reason,
            evaluated_at: r.evaluated_at,
        });
    }
    Ok(out)
}

/// Replaces a request's check results with a new evaluation's.
pub async fn replace_results(
    conn: &mut AnyConnection,
    id: RequestId,
    results: &[CheckResult],
) -> Result<()> {
    sqlx::query("DELETE FROM transition_request_checks WHERE request_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for (i, r) in results.iter().enumerate() {
        insert_result(conn, id, i as i64, r).await?;
    }
    Ok(())
}

async fn insert_result(
    conn: &mut AnyConnection,
    id: RequestId,
    position: i64,
    r: &CheckResult,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO transition_request_checks (request_id, position, name, condition, passed, seen, reason, evaluated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(position)
    .bind(r.name.as_str())
    .bind(r.condition.as_str())
    .bind(r.passed)
    .bind(json(&r.values))
    .bind(r.reason.as_str())
    .bind(r.evaluated_at)
    .execute(conn)
    .await?;
    Ok(())
}
