//! `/api/pedigree/v1/audit/*`: the audit trail as managers read it. Filtered pages newest
//! first with an opaque cursor (`events`), the same filters streamed as CSV or JSON Lines
//! (`export`), and the chain check with its counts per action (`verify`). The rules
//! (who may read, what a filter means) are the core's; this module reads the query string
//! strictly, so a misspelt parameter is a 400 naming it rather than a filter silently
//! ignored.
use crate::mlflow::error::{ApiError, ApiResult};
use crate::mlflow::extract::QueryMap;
use crate::shell::permission::Routes;
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use futures::StreamExt;
use pedigree_core::access::Need;
use pedigree_core::audit::export::ExportFormat;
use pedigree_core::audit::{AuditCursor, AuditFilter, AuditQuery, SubjectFilter, VerifyOutcome};
use pedigree_core::time::{format_rfc3339_millis, now_millis, parse_timestamp};
use pedigree_core::user::Actor;
use pedigree_core::{ModelName, UserName};
use serde_json::{json, Value};

pub fn routes() -> Routes {
    Routes::new()
        .get("/audit/events", Need::VIEWER, events)
        .get("/audit/export", Need::VIEWER, export)
        .get("/audit/verify", Need::VIEWER, verify)
}

/// The filter parameters every read takes (`action` may repeat).
const FILTERS: [&str; 6] = ["actor", "model", "action", "subject", "from", "to"];

/// Refuses any parameter not in `known`, and any but `action` given twice.
fn only(q: &QueryMap, known: &[&str]) -> ApiResult<()> {
    let mut unknown: Vec<&str> = Vec::new();
    for (k, _) in &q.0 {
        if !known.contains(&k.as_str()) && !unknown.contains(&k.as_str()) {
            unknown.push(k);
        }
    }
    if !unknown.is_empty() {
        return Err(ApiError::invalid(format!(
            "Unknown query parameter{} '{}' (this endpoint takes: {})",
            if unknown.len() > 1 { "s" } else { "" },
            unknown.join("', '"),
            known.join(", ")
        )));
    }
    for k in known.iter().filter(|k| **k != "action") {
        if q.0.iter().filter(|(key, _)| key == k).count() > 1 {
            return Err(ApiError::invalid(format!(
                "Query parameter '{k}' is given more than once"
            )));
        }
    }
    Ok(())
}

/// A parameter's value; an empty one (an untouched form field) counts as absent.
fn value<'q>(q: &'q QueryMap, key: &str) -> Option<&'q str> {
    q.get(key).filter(|v| !v.is_empty())
}

fn time(q: &QueryMap, key: &str) -> ApiResult<Option<i64>> {
    value(q, key)
        .map(|v| {
            parse_timestamp(v).map_err(|e| ApiError::invalid(format!("Parameter '{key}': {e}")))
        })
        .transpose()
}

/// The filter the query string describes.
fn filter(q: &QueryMap) -> ApiResult<AuditFilter> {
    let mut f = AuditFilter {
        actor: value(q, "actor").map(UserName::parse).transpose()?,
        model: value(q, "model").map(ModelName::parse).transpose()?,
        subject: value(q, "subject").map(SubjectFilter::parse).transpose()?,
        from: time(q, "from")?,
        to: time(q, "to")?,
        actions: Vec::new(),
    };
    for a in q.all("action") {
        f.add_actions(&a)?;
    }
    f.check()?;
    Ok(f)
}

/// `GET /audit/events?<filters>&cursor=&limit=` → `{"events": [...], "next_cursor"}`, the
/// cursor omitted on the last page.
#[utoipa::path(
    get,
    path = "/api/pedigree/v1/audit/events",
    tag = "audit",
    summary = "Audit events newest first, filtered (actor, model, action, subject, from, to), one page per cursor",
    params(
        ("actor" = String, Query, description = "actor"),
        ("model" = String, Query, description = "model"),
        ("action" = String, Query, description = "action"),
        ("subject" = String, Query, description = "subject"),
        ("from" = String, Query, description = "from"),
        ("to" = String, Query, description = "to"),
        ("cursor" = String, Query, description = "cursor"),
        ("limit" = i64, Query, description = "limit"),
    ),
    responses((status = 200, description = "OK"), (status = "4XX", description = "MLflow-shaped error: {error_code, message}"))
)]
async fn events(
    State(st): State<AppState>,
    Extension(actor): Extension<Actor>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    let mut known = FILTERS.to_vec();
    known.extend(["cursor", "limit"]);
    only(&q, &known)?;
    let mut query = AuditQuery::new(filter(&q)?);
    if let Some(limit) = q.int("limit")? {
        query = query.limit(limit)?;
    }
    let cursor = value(&q, "cursor")
        .map(str::parse::<AuditCursor>)
        .transpose()?;
    let page = st.reg.audit_events(&actor, &query.cursor(cursor)).await?;
    let mut body = json!({ "events": page.events });
    if let Some(next) = page.next_cursor {
        body["next_cursor"] = json!(next.to_string());
    }
    Ok(Json(body))
}

/// `GET /audit/export?format=csv|jsonl&<filters>`: every matching event oldest first,
/// streamed as a download. An error after the first bytes ends the stream early (the
/// client sees a broken transfer, never a silently short file).
#[utoipa::path(
    get,
    path = "/api/pedigree/v1/audit/export",
    tag = "audit",
    summary = "The filtered audit trail, streamed oldest first as CSV or JSON Lines",
    params(
        ("format" = String, Query, description = "format"),
        ("actor" = String, Query, description = "actor"),
        ("model" = String, Query, description = "model"),
        ("action" = String, Query, description = "action"),
        ("subject" = String, Query, description = "subject"),
        ("from" = String, Query, description = "from"),
        ("to" = String, Query, description = "to"),
    ),
    responses((status = 200, description = "OK"), (status = "4XX", description = "MLflow-shaped error: {error_code, message}"))
)]
async fn export(
    State(st): State<AppState>,
    Extension(actor): Extension<Actor>,
    q: QueryMap,
) -> ApiResult<Response> {
    let mut known = FILTERS.to_vec();
    known.push("format");
    only(&q, &known)?;
    let format: ExportFormat = value(&q, "format").unwrap_or("csv").parse()?;
    let stream = st.reg.audit_export(&actor, filter(&q)?).await?;
    let preamble =
        futures::stream::once(
            async move { Ok::<_, std::io::Error>(Bytes::from(format.preamble())) },
        );
    // Rows go out in batches: one chunk per event would cost a write per row.
    let rows = stream.ready_chunks(256).map(move |batch| {
        let mut out = String::new();
        for e in batch {
            match e {
                Ok(e) => format.write(&e, &mut out),
                Err(e) => {
                    tracing::error!(error = %e, "audit export failed");
                    return Err(std::io::Error::other(e.to_string()));
                }
            }
        }
        Ok(Bytes::from(out))
    });
    let stamp: String = format_rfc3339_millis(now_millis())
        .chars()
        .take(19)
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .collect();
    let filename = format!(
        "attachment; filename=\"pedigree-audit-{stamp}Z.{}\"",
        format.extension()
    );
    let mut resp = Body::from_stream(preamble.chain(rows)).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&filename) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

/// `GET /audit/verify` → `{"ok": true, "events", "head", "actions": {name: count}}`, or
/// `{"ok": false, "seq", "reason"}` naming the first event that does not hold.
#[utoipa::path(
    get,
    path = "/api/pedigree/v1/audit/verify",
    tag = "audit",
    summary = "Checks the hash chain; counts the events of each action",
    responses((status = 200, description = "OK"), (status = "4XX", description = "MLflow-shaped error: {error_code, message}"))
)]
async fn verify(
    State(st): State<AppState>,
    Extension(actor): Extension<Actor>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    only(&q, &[])?;
    Ok(Json(match st.reg.verify_audit(&actor).await? {
        VerifyOutcome::Ok {
            events,
            head,
            actions,
        } => json!({"ok": true, "events": events, "head": head, "actions": actions}),
        VerifyOutcome::Broken { seq, reason } => {
            json!({"ok": false, "seq": seq, "reason": reason})
        }
    }))
}
