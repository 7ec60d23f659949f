//! SQL for the audit log: appending to the hash chain under the locked head, reading
//! filtered pages either way along the chain ([`filtered`]) and streaming the chain in
//! order for verification. There is deliberately no statement that updates or deletes an event; the
//! database refuses those too (triggers).
use super::Backend;
use crate::audit::{chain_hash, AuditEvent, AuditFilter, AuditRecord, SubjectFilter};
use crate::error::Result;
use crate::time::Millis;
use futures::stream::BoxStream;
use futures::StreamExt;
use sqlx::AnyConnection;

#[derive(sqlx::FromRow)]
struct EventRow {
    seq: i64,
    at: i64,
    actor: String,
    action: String,
    subject: String,
    before: String,
    after: String,
    prev_hash: String,
    hash: String,
}

impl From<EventRow> for AuditEvent {
    fn from(r: EventRow) -> AuditEvent {
        AuditEvent {
            seq: r.seq,
            at: r.at,
            actor: r.actor,
            action: r.action,
            subject: r.subject,
            before: r.before,
            after: r.after,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

/// The chain head: the last event's sequence number and hash.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
}

/// Appends one event after the current head and moves the head; on PostgreSQL the head row
/// is locked until commit (SQLite's writer lock already serialises appends).
pub async fn append(
    conn: &mut AnyConnection,
    backend: Backend,
    record: AuditRecord,
    at: Millis,
) -> Result<AuditEvent> {
    let head_sql = match backend {
        Backend::Sqlite => "SELECT seq, hash FROM audit_head WHERE id = 1",
        Backend::Postgres => "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
    };
    let head: Head = sqlx::query_as(head_sql).fetch_one(&mut *conn).await?;
    let seq = head.seq + 1;
    let hash = chain_hash(&head.hash, seq, at, &record);
    sqlx::query(
        "INSERT INTO audit_events (seq, at, actor, action, subject, before, after, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(seq)
    .bind(at)
    .bind(&record.actor)
    .bind(&record.action)
    .bind(&record.subject)
    .bind(&record.before)
    .bind(&record.after)
    .bind(&head.hash)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(seq)
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
    Ok(AuditEvent {
        seq,
        at,
        actor: record.actor,
        action: record.action,
        subject: record.subject,
        before: record.before,
        after: record.after,
        prev_hash: head.hash,
        hash,
    })
}

pub async fn count(conn: &mut AnyConnection) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM audit_events")
        .fetch_one(conn)
        .await?)
}

/// Every event in chain order, streamed (the log may be far larger than memory).
pub fn stream_in_order(conn: &mut AnyConnection) -> BoxStream<'_, Result<AuditEvent>> {
    sqlx::query_as::<_, EventRow>("SELECT * FROM audit_events ORDER BY seq")
        .fetch(conn)
        .map(|r| r.map(AuditEvent::from).map_err(Into::into))
        .boxed()
}

pub async fn head(conn: &mut AnyConnection) -> Result<Head> {
    Ok(
        sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(conn)
            .await?,
    )
}

/// The model a subject belongs to (`registered_model:NAME`, `registered_model:NAME@alias`,
/// `model_version:NAME/N`), NULL for any other subject. Model names hold no `@` or `/`, so
/// the name ends at the first of them. Spelled exactly as in the `audit_events_model`
/// expression index of migration 0008 (each database matches an index expression by its
/// text), so a model's trail is read from its own index entries, newest first, with no
/// LIKE and hence no wildcard in a name (`%`, `_`) and no other model whose name merely
/// starts with it.
const MODEL_OF_SUBJECT_SQLITE: &str = "(CASE \
    WHEN substr(subject, 1, 17) = 'registered_model:' THEN \
      CASE WHEN instr(subject, '@') > 0 THEN substr(subject, 18, instr(subject, '@') - 18) \
      ELSE substr(subject, 18) END \
    WHEN substr(subject, 1, 14) = 'model_version:' THEN \
      CASE WHEN instr(subject, '/') > 0 THEN substr(subject, 15, instr(subject, '/') - 15) \
      ELSE substr(subject, 15) END \
    END)";
const MODEL_OF_SUBJECT_POSTGRES: &str = "(CASE \
    WHEN substr(subject, 1, 17) = 'registered_model:' THEN split_part(substr(subject, 18), '@', 1) \
    WHEN substr(subject, 1, 14) = 'model_version:' THEN split_part(substr(subject, 15), '/', 1) \
    END)";

/// Which way a filtered read walks the chain, and from where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// Newest first, events numbered below this (a page of the trail).
    NewestBefore(i64),
    /// Oldest first, events numbered above `after` and up to `upto` (an export: `upto` is
    /// the head when it began, so events appended meanwhile wait for the next export).
    OldestAfter { after: i64, upto: i64 },
}

enum Bind {
    I(i64),
    S(String),
}

/// The least text above every text that starts with `prefix`, in byte (code point) order:
/// its last character moved up by one, carried past `char::MAX`; `None` when there is none.
fn successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let up = (last as u32 + 1..=char::MAX as u32).find_map(char::from_u32);
        if let Some(up) = up {
            chars.push(up);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// The statement for one filtered page, and its binds in order. Each action is read on its
/// own (`action = $n`, newest first off the `(action, seq)` index, at most `limit` rows)
/// and the arms merged, so asking for several actions costs `limit` rows per action
/// instead of every event of those actions sorted.
fn build(postgres: bool, f: &AuditFilter, walk: Walk, limit: i64) -> (String, Vec<Bind>) {
    let mut binds = Vec::new();
    let next = |b: Bind, binds: &mut Vec<Bind>| {
        binds.push(b);
        format!("${}", binds.len())
    };
    let mut common = Vec::new();
    if let Some(actor) = &f.actor {
        common.push(format!(
            "actor = {}",
            next(Bind::S(actor.to_string()), &mut binds)
        ));
    }
    if let Some(model) = &f.model {
        let expr = if postgres {
            MODEL_OF_SUBJECT_POSTGRES
        } else {
            MODEL_OF_SUBJECT_SQLITE
        };
        let p = next(Bind::S(model.to_string()), &mut binds);
        common.push(format!("{expr} = {p}"));
    }
    match &f.subject {
        Some(SubjectFilter::Exact(s)) => {
            common.push(format!(
                "subject = {}",
                next(Bind::S(s.clone()), &mut binds)
            ));
        }
        // Compared as text, not with LIKE, whose case and escape rules differ between the
        // databases; an empty prefix is every subject. The byte-order range in front lets
        // the database read only the prefix's stretch of the subject index (`"C"`: byte
        // order, which PostgreSQL's default collation is not; its 0008 index is in it).
        Some(SubjectFilter::Prefix(p)) if !p.is_empty() => {
            let col = if postgres {
                "subject COLLATE \"C\""
            } else {
                "subject"
            };
            let lo = next(Bind::S(p.clone()), &mut binds);
            common.push(format!("{col} >= {lo}"));
            if let Some(hi) = successor(p) {
                common.push(format!("{col} < {}", next(Bind::S(hi), &mut binds)));
            }
            let len = next(Bind::I(p.chars().count() as i64), &mut binds);
            common.push(format!("substr(subject, 1, CAST({len} AS INTEGER)) = {lo}"));
        }
        _ => {}
    }
    if let Some(from) = f.from {
        common.push(format!("at >= {}", next(Bind::I(from), &mut binds)));
    }
    if let Some(to) = f.to {
        common.push(format!("at < {}", next(Bind::I(to), &mut binds)));
    }
    let order = match walk {
        Walk::NewestBefore(before) => {
            common.push(format!("seq < {}", next(Bind::I(before), &mut binds)));
            "DESC"
        }
        Walk::OldestAfter { after, upto } => {
            common.push(format!("seq > {}", next(Bind::I(after), &mut binds)));
            common.push(format!("seq <= {}", next(Bind::I(upto), &mut binds)));
            "ASC"
        }
    };
    let lim = next(Bind::I(limit), &mut binds);
    let arm = |action: Option<String>| {
        let mut conds = common.clone();
        conds.extend(action.map(|p| format!("action = {p}")));
        let wh = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        format!("SELECT * FROM audit_events{wh} ORDER BY seq {order} LIMIT {lim}")
    };
    let sql = match f.actions.as_slice() {
        [] => arm(None),
        [one] => arm(Some(next(Bind::S(one.as_str().into()), &mut binds))),
        many => {
            let arms: Vec<String> = many
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    let p = next(Bind::S(a.as_str().into()), &mut binds);
                    format!("SELECT * FROM ({}) AS a{i}", arm(Some(p)))
                })
                .collect();
            format!(
                "SELECT * FROM ({}) AS u ORDER BY seq {order} LIMIT {lim}",
                arms.join(" UNION ALL ")
            )
        }
    };
    (sql, binds)
}

/// Up to `limit` events that pass `filter`, walking the chain as `walk` says.
pub async fn filtered(
    conn: &mut AnyConnection,
    filter: &AuditFilter,
    walk: Walk,
    limit: i64,
) -> Result<Vec<AuditEvent>> {
    let postgres = conn.backend_name() == "PostgreSQL";
    let (sql, binds) = build(postgres, filter, walk, limit);
    let mut q = sqlx::query_as::<_, EventRow>(sqlx::AssertSqlSafe(sql));
    for b in binds {
        q = match b {
            Bind::I(v) => q.bind(v),
            Bind::S(v) => q.bind(v),
        };
    }
    Ok(q.fetch_all(conn)
        .await?
        .into_iter()
        .map(AuditEvent::from)
        .collect())
}

/// The plan the database chooses for a filtered page, one line per step (for the
/// latency measurements, which check that each filter reads its index).
pub async fn explain(
    conn: &mut AnyConnection,
    filter: &AuditFilter,
    walk: Walk,
    limit: i64,
) -> Result<Vec<String>> {
    let postgres = conn.backend_name() == "PostgreSQL";
    let (sql, binds) = build(postgres, filter, walk, limit);
    let sql = if postgres {
        format!("EXPLAIN {sql}")
    } else {
        format!("EXPLAIN QUERY PLAN {sql}")
    };
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in binds {
        q = match b {
            Bind::I(v) => q.bind(v),
            Bind::S(v) => q.bind(v),
        };
    }
    use sqlx::Row;
    let rows = q.fetch_all(conn).await?;
    Ok(rows
        .iter()
        .map(|r| {
            // SQLite: (id, parent, notused, detail); PostgreSQL: one text column.
            r.try_get::<String, _>(if postgres { 0 } else { 3 })
                .unwrap_or_default()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::successor;

    #[test]
    fn a_prefix_successor_bounds_exactly_the_texts_that_start_with_it() {
        assert_eq!(successor("artifact:1/").as_deref(), Some("artifact:10"));
        assert_eq!(successor("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(successor("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(successor("\u{10FFFF}"), None);
        for (p, s) in [
            ("fr%", "fr%ud"),
            ("m_1", "m_1\u{10FFFF}x"),
            ("run:", "run:ab"),
        ] {
            let hi = successor(p).unwrap();
            assert!(s >= p && s < hi.as_str(), "{s:?} outside [{p:?}, {hi:?})");
        }
    }
}
