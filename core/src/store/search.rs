//! SQL for run search's fast path: one query that filters, orders and pages runs and
//! returns the page's run ids. The service decides when a search fits (see
//! `service::run_sql`) and describes it with the types here; this module alone turns that
//! description into SQL, so keys and values are always bound, never spliced.
use crate::error::Result;
use crate::experiment::ViewType;
use crate::names::{ExperimentId, RunId};
use sqlx::AnyConnection;

/// A comparison the fast path answers in SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn sql(self) -> &'static str {
        match self {
            Cmp::Eq => "=",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
        }
    }
}

/// One filter clause of a run id query.
#[derive(Debug, Clone, PartialEq)]
pub enum RunFilter<'a> {
    /// The run's latest value of metric `key` compares to `value`. NaN is stored as NULL,
    /// so the clause is false on NaN and on a missing metric.
    Metric { key: &'a str, cmp: Cmp, value: f64 },
    /// Param `key` equals `value`.
    Param { key: &'a str, value: &'a str },
    /// Tag `key` equals `value`.
    Tag { key: &'a str, value: &'a str },
}

/// One sort key of a run id query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOrder<'a> {
    /// Numbers in the asked direction, then NaN, then runs without the metric.
    Metric {
        key: &'a str,
        descending: bool,
    },
    StartTime {
        descending: bool,
    },
    RunId {
        descending: bool,
    },
}

/// Runs of some experiments in a view, filtered, ordered and paged.
#[derive(Debug, Clone, PartialEq)]
pub struct RunIdQuery<'a> {
    pub experiments: &'a [ExperimentId],
    pub view: ViewType,
    pub filters: Vec<RunFilter<'a>>,
    pub order: Vec<RunOrder<'a>>,
    pub offset: i64,
    pub limit: i64,
}

#[derive(Debug, Clone, Copy)]
enum Bind<'a> {
    I(i64),
    F(f64),
    S(&'a str),
}

/// The query's SQL and its binds, in `$N` order.
fn build<'a>(q: &RunIdQuery<'a>) -> (String, Vec<Bind<'a>>) {
    let mut binds: Vec<Bind<'a>> = Vec::new();
    let next = |b: Bind<'a>, binds: &mut Vec<Bind<'a>>| {
        binds.push(b);
        format!("${}", binds.len())
    };
    let mut joins = String::new();
    for (i, f) in q.filters.iter().enumerate() {
        match *f {
            RunFilter::Metric { key, cmp, value } => {
                let (pk, pv) = (
                    next(Bind::S(key), &mut binds),
                    next(Bind::F(value), &mut binds),
                );
                let op = cmp.sql();
                joins.push_str(&format!(" JOIN latest_metrics f{i} ON f{i}.run_id = r.run_id AND f{i}.key = {pk} AND f{i}.value {op} {pv}"));
            }
            RunFilter::Param { key, value } | RunFilter::Tag { key, value } => {
                let table = if matches!(f, RunFilter::Param { .. }) {
                    "run_params"
                } else {
                    "run_tags"
                };
                let (pk, pv) = (
                    next(Bind::S(key), &mut binds),
                    next(Bind::S(value), &mut binds),
                );
                joins.push_str(&format!(" JOIN {table} f{i} ON f{i}.run_id = r.run_id AND f{i}.key = {pk} AND f{i}.value = {pv}"));
            }
        }
    }
    let dir = |descending: bool| if descending { "DESC" } else { "ASC" };
    let mut order_sql: Vec<String> = Vec::new();
    for (i, o) in q.order.iter().enumerate() {
        match *o {
            RunOrder::Metric { key, descending } => {
                let pk = next(Bind::S(key), &mut binds);
                joins.push_str(&format!(
                    " LEFT JOIN latest_metrics o{i} ON o{i}.run_id = r.run_id AND o{i}.key = {pk}"
                ));
                // Numbers in the asked direction, then NaN (stored as NULL), then missing: as in memory.
                order_sql.push(format!(
                    "CASE WHEN o{i}.run_id IS NULL THEN 2 WHEN o{i}.value IS NULL THEN 1 ELSE 0 END, o{i}.value {}",
                    dir(descending)
                ));
            }
            RunOrder::StartTime { descending } => {
                order_sql.push(format!("r.start_time {}", dir(descending)))
            }
            RunOrder::RunId { descending } => {
                order_sql.push(format!("r.run_id {}", dir(descending)))
            }
        }
    }
    let exps: Vec<String> = q
        .experiments
        .iter()
        .map(|e| next(Bind::I(e.get()), &mut binds))
        .collect();
    let stage = match q.view {
        ViewType::ActiveOnly => " AND r.lifecycle_stage = 'active'",
        ViewType::DeletedOnly => " AND r.lifecycle_stage = 'deleted'",
        ViewType::All => "",
    };
    let (pl, po) = (
        next(Bind::I(q.limit), &mut binds),
        next(Bind::I(q.offset), &mut binds),
    );
    let order_clause = if order_sql.is_empty() {
        String::new()
    } else {
        format!(" ORDER BY {}", order_sql.join(", "))
    };
    let sql = format!(
        "SELECT r.run_id FROM runs r{joins} WHERE r.experiment_id IN ({}){stage}{order_clause} LIMIT {pl} OFFSET {po}",
        exps.join(", ")
    );
    (sql, binds)
}

/// The ids of the query's page of runs, in order. No experiments means no runs.
pub async fn run_ids(conn: &mut AnyConnection, q: &RunIdQuery<'_>) -> Result<Vec<RunId>> {
    if q.experiments.is_empty() {
        return Ok(Vec::new());
    }
    let (sql, binds) = build(q);
    let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql));
    for b in binds {
        query = match b {
            Bind::I(v) => query.bind(v),
            Bind::F(v) => query.bind(v),
            Bind::S(v) => query.bind(v),
        };
    }
    Ok(query.fetch_all(conn).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_one_join_per_clause_and_sort_key_with_numbered_binds() {
        let exps = [ExperimentId::new(1).unwrap(), ExperimentId::new(2).unwrap()];
        let q = RunIdQuery {
            experiments: &exps,
            view: ViewType::ActiveOnly,
            filters: vec![
                RunFilter::Metric {
                    key: "acc",
                    cmp: Cmp::Gt,
                    value: 0.5,
                },
                RunFilter::Tag {
                    key: "team",
                    value: "fraud",
                },
            ],
            order: vec![
                RunOrder::Metric {
                    key: "acc",
                    descending: true,
                },
                RunOrder::StartTime { descending: true },
                RunOrder::RunId { descending: false },
            ],
            offset: 10,
            limit: 5,
        };
        let (sql, binds) = build(&q);
        assert_eq!(
            sql,
            "SELECT r.run_id FROM runs r \
             JOIN latest_metrics f0 ON f0.run_id = r.run_id AND f0.key = $1 AND f0.value > $2 \
             JOIN run_tags f1 ON f1.run_id = r.run_id AND f1.key = $3 AND f1.value = $4 \
             LEFT JOIN latest_metrics o0 ON o0.run_id = r.run_id AND o0.key = $5 \
             WHERE r.experiment_id IN ($6, $7) AND r.lifecycle_stage = 'active' \
             ORDER BY CASE WHEN o0.run_id IS NULL THEN 2 WHEN o0.value IS NULL THEN 1 ELSE 0 END, o0.value DESC, \
             r.start_time DESC, r.run_id ASC LIMIT $8 OFFSET $9"
        );
        assert_eq!(binds.len(), 9);
    }
}
