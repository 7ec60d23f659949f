//! SQL for the review queue: transition requests (insert, the open one per version and
//! stage, the request row locked for a decision, decisions), their approvals and comments,
//! the loader that reads requests back with both in three queries, and each model's
//! review policy.
use super::bind::Flag;
use crate::error::Result;
use crate::names::AliasName;
use crate::names::{ModelName, Stage, Version};
use crate::review::{
    Approval, CommentText, RequestComment, RequestId, RequestStatus, ReviewPolicy,
    TransitionRequest,
};
use crate::time::Millis;
use sqlx::AnyConnection;
use std::collections::HashMap;

const COLUMNS: &str = "r.id, m.name AS model_name, r.version, r.to_stage, r.requested_by, \
                       r.comment, r.archive_existing_versions, r.status, r.approvals_needed, \
                       r.candidate_source, r.candidate_digest, r.created_at, r.decided_at, \
                       r.decided_by, r.decision_comment";

#[derive(sqlx::FromRow)]
struct RequestRow {
    id: RequestId,
    model_name: ModelName,
    version: Version,
    to_stage: Stage,
    requested_by: String,
    comment: CommentText,
    archive_existing_versions: Flag,
    status: RequestStatus,
    approvals_needed: i64,
    candidate_source: String,
    candidate_digest: Option<String>,
    created_at: i64,
    decided_at: Option<i64>,
    decided_by: Option<String>,
    decision_comment: Option<String>,
}

impl RequestRow {
    fn into_request(
        self,
        approvals: Vec<Approval>,
        comments: Vec<RequestComment>,
    ) -> TransitionRequest {
        TransitionRequest {
            id: self.id,
            name: self.model_name,
            version: self.version,
            to_stage: self.to_stage,
            requested_by: self.requested_by,
            comment: self.comment,
            archive_existing_versions: self.archive_existing_versions.0,
            status: self.status,
            approvals_needed: self.approvals_needed,
            candidate_source: self.candidate_source,
            candidate_digest: self.candidate_digest,
            created_at: self.created_at,
            decided_at: self.decided_at,
            decided_by: self.decided_by,
            decision_comment: self.decision_comment,
            approvals,
            comments,
            checks: Vec::new(),
        }
    }
}

#[derive(sqlx::FromRow)]
struct ApprovalRow {
    request_id: RequestId,
    approver: String,
    approved_at: i64,
}

#[derive(sqlx::FromRow)]
struct CommentRow {
    request_id: RequestId,
    author: String,
    body: CommentText,
    created_at: i64,
}

/// Which requests to load; every field given narrows the set.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter {
    pub id: Option<RequestId>,
    pub model_id: Option<i64>,
    pub version: Option<Version>,
    pub status: Option<RequestStatus>,
}

/// Requests matching `filter`, oldest first, with their approvals (in order) and comments
/// (in order), in three queries.
pub async fn load(conn: &mut AnyConnection, filter: Filter) -> Result<Vec<TransitionRequest>> {
    let mut conds = vec!["TRUE".to_string()];
    let mut ints: Vec<i64> = Vec::new();
    let mut status = None;
    for (col, v) in [
        ("r.id", filter.id.map(RequestId::get)),
        ("r.model_id", filter.model_id),
        ("r.version", filter.version.map(Version::get)),
    ] {
        if let Some(v) = v {
            ints.push(v);
            conds.push(format!("{col} = ${}", ints.len()));
        }
    }
    if let Some(s) = filter.status {
        conds.push(format!("r.status = ${}", ints.len() + 1));
        status = Some(s);
    }
    let cond = conds.join(" AND ");
    let rsql = format!(
        "SELECT {COLUMNS} FROM transition_requests r JOIN registered_models m ON m.id = r.model_id \
         WHERE {cond} ORDER BY r.id"
    );
    let sub = format!("SELECT r.id FROM transition_requests r WHERE {cond}");
    let asql = format!(
        "SELECT request_id, approver, approved_at FROM transition_request_approvals \
         WHERE request_id IN ({sub}) ORDER BY approved_at, approver"
    );
    let csql = format!(
        "SELECT request_id, author, body, created_at FROM transition_request_comments \
         WHERE request_id IN ({sub}) ORDER BY id"
    );
    let mut rq = sqlx::query_as::<_, RequestRow>(sqlx::AssertSqlSafe(rsql));
    let mut aq = sqlx::query_as::<_, ApprovalRow>(sqlx::AssertSqlSafe(asql));
    let mut cq = sqlx::query_as::<_, CommentRow>(sqlx::AssertSqlSafe(csql));
    for v in &ints {
        rq = rq.bind(*v);
        aq = aq.bind(*v);
        cq = cq.bind(*v);
    }
    if let Some(s) = status {
        rq = rq.bind(s);
        aq = aq.bind(s);
        cq = cq.bind(s);
    }
    let rows = rq.fetch_all(&mut *conn).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut approvals: HashMap<RequestId, Vec<Approval>> = HashMap::new();
    for a in aq.fetch_all(&mut *conn).await? {
        approvals.entry(a.request_id).or_default().push(Approval {
            approver: a.approver,
            at: a.approved_at,
        });
    }
    let mut checks = super::review_checks::results_in(conn, &sub, &ints, status).await?;
    let mut comments: HashMap<RequestId, Vec<RequestComment>> = HashMap::new();
    for c in cq.fetch_all(&mut *conn).await? {
        comments
            .entry(c.request_id)
            .or_default()
            .push(RequestComment {
                author: c.author,
                body: c.body,
                at: c.created_at,
            });
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let a = approvals.remove(&r.id).unwrap_or_default();
            let c = comments.remove(&r.id).unwrap_or_default();
            let checks = checks.remove(&r.id).unwrap_or_default();
            TransitionRequest {
                checks,
                ..r.into_request(a, c)
            }
        })
        .collect())
}

/// One request, if it exists.
pub async fn get(conn: &mut AnyConnection, id: RequestId) -> Result<Option<TransitionRequest>> {
    let filter = Filter {
        id: Some(id),
        ..Filter::default()
    };
    Ok(load(conn, filter).await?.pop())
}

/// The model a request belongs to (its row id and current name), read without a lock: a
/// decision locks that model first, then the request.
pub async fn model_of(conn: &mut AnyConnection, id: RequestId) -> Result<Option<(i64, ModelName)>> {
    Ok(sqlx::query_as(
        "SELECT m.id, m.name FROM transition_requests r JOIN registered_models m ON m.id = r.model_id WHERE r.id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// Locks a request's row for the rest of the transaction (PostgreSQL `FOR UPDATE`; SQLite's
/// writer lock already serialises writers) and answers its status, read under that lock.
pub async fn lock(conn: &mut AnyConnection, id: RequestId) -> Result<Option<RequestStatus>> {
    let sql = format!(
        "SELECT status FROM transition_requests WHERE id = $1{}",
        super::for_update(conn)
    );
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

/// The open request for a version and stage, if there is one.
pub async fn open_for(
    conn: &mut AnyConnection,
    model_id: i64,
    version: Version,
    stage: Stage,
) -> Result<Option<RequestId>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM transition_requests WHERE model_id = $1 AND version = $2 AND to_stage = $3 AND status = 'open'",
    )
    .bind(model_id)
    .bind(version)
    .bind(stage)
    .fetch_optional(conn)
    .await?)
}

/// The newest request for a version, optionally to one stage, optionally only open ones.
pub async fn newest_for(
    conn: &mut AnyConnection,
    model_id: i64,
    version: Version,
    stage: Option<Stage>,
    open_only: bool,
) -> Result<Vec<RequestId>> {
    let mut sql =
        "SELECT id FROM transition_requests WHERE model_id = $1 AND version = $2".to_string();
    if open_only {
        sql.push_str(" AND status = 'open'");
    }
    if stage.is_some() {
        sql.push_str(" AND to_stage = $3");
    }
    sql.push_str(" ORDER BY id DESC");
    let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(model_id)
        .bind(version);
    if let Some(s) = stage {
        q = q.bind(s);
    }
    Ok(q.fetch_all(conn).await?)
}

/// A new request's row.
#[derive(Debug)]
pub struct NewRequestRow<'a> {
    pub model_id: i64,
    pub version: Version,
    pub to_stage: Stage,
    pub requested_by: &'a str,
    pub comment: &'a CommentText,
    pub archive_existing_versions: bool,
    pub approvals_needed: i64,
    pub candidate_source: &'a str,
    pub candidate_digest: Option<&'a str>,
    pub now: Millis,
}

/// Inserts an open request; returns its id. A second open request for the same version
/// and stage is refused by the partial unique index (`AlreadyExists`).
pub async fn insert(conn: &mut AnyConnection, r: &NewRequestRow<'_>) -> Result<RequestId> {
    Ok(sqlx::query_scalar(
        "INSERT INTO transition_requests (model_id, version, to_stage, requested_by, comment, \
         archive_existing_versions, status, approvals_needed, candidate_source, candidate_digest, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9, $10) RETURNING id",
    )
    .bind(r.model_id)
    .bind(r.version)
    .bind(r.to_stage)
    .bind(r.requested_by)
    .bind(r.comment)
    .bind(r.archive_existing_versions)
    .bind(r.approvals_needed)
    .bind(r.candidate_source)
    .bind(r.candidate_digest)
    .bind(r.now)
    .fetch_one(conn)
    .await?)
}

/// Records `approver`'s approval; returns whether it is new (an approver counts once).
pub async fn add_approval(
    conn: &mut AnyConnection,
    id: RequestId,
    approver: &str,
    now: Millis,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO transition_request_approvals (request_id, approver, approved_at) VALUES ($1, $2, $3) \
         ON CONFLICT (request_id, approver) DO NOTHING",
    )
    .bind(id)
    .bind(approver)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How many distinct approvals a request has.
pub async fn approvals(conn: &mut AnyConnection, id: RequestId) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM transition_request_approvals WHERE request_id = $1",
    )
    .bind(id)
    .fetch_one(conn)
    .await?)
}

pub async fn add_comment(
    conn: &mut AnyConnection,
    id: RequestId,
    author: &str,
    body: &CommentText,
    now: Millis,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO transition_request_comments (request_id, author, body, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(author)
    .bind(body)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends an open request with `status`.
pub async fn decide(
    conn: &mut AnyConnection,
    id: RequestId,
    status: RequestStatus,
    by: &str,
    comment: Option<&CommentText>,
    now: Millis,
) -> Result<()> {
    sqlx::query(
        "UPDATE transition_requests SET status = $1, decided_at = $2, decided_by = $3, decision_comment = $4 \
         WHERE id = $5 AND status = 'open'",
    )
    .bind(status)
    .bind(now)
    .bind(by)
    .bind(comment)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct PolicyRow {
    gated_stages: String,
    approvals_needed: i64,
    production_alias: Option<AliasName>,
}

/// A model's review policy; the defaults when it has none.
pub async fn policy(conn: &mut AnyConnection, model_id: i64) -> Result<ReviewPolicy> {
    let row: Option<PolicyRow> = sqlx::query_as(
        "SELECT gated_stages, approvals_needed, production_alias FROM review_policies WHERE model_id = $1",
    )
    .bind(model_id)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        None => Ok(ReviewPolicy::default()),
        Some(r) => Ok(ReviewPolicy {
            gated_stages: super::rows::parsed(
                ReviewPolicy::parse_gated(&r.gated_stages),
                "gated stages",
            )?,
            approvals_needed: r.approvals_needed,
            production_alias: r.production_alias,
            checks: super::review_checks::policy_checks(conn, model_id).await?,
        }),
    }
}

/// Sets (inserts or replaces) a model's review policy.
pub async fn set_policy(
    conn: &mut AnyConnection,
    model_id: i64,
    p: &ReviewPolicy,
    now: Millis,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO review_policies (model_id, gated_stages, approvals_needed, production_alias, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (model_id) DO UPDATE SET gated_stages = excluded.gated_stages, \
         approvals_needed = excluded.approvals_needed, production_alias = excluded.production_alias, \
         updated_at = excluded.updated_at",
    )
    .bind(model_id)
    .bind(p.gated_text())
    .bind(p.approvals_needed)
    .bind(p.production_alias.as_ref())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    super::review_checks::set_policy_checks(conn, model_id, &p.checks).await
}
