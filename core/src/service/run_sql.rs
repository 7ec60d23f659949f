//! The fast path for run search: filters made only of metric comparisons and param/tag
//! equalities, ordered by metrics and start time, are answered by one SQL query that returns
//! the page's run ids. Everything else takes the general path (filter and order in memory).
//! Both paths give the same answer: `core/tests/store.rs` checks them against each other.
use super::bulk::Bind;
use crate::experiment::ViewType;
use crate::search::{Field, Filter, Op, Operand, OrderBy, SortKey};

/// A planned query: SQL returning `run_id`s in order, and its binds.
#[derive(Debug)]
pub(crate) struct Plan {
    pub sql: String,
    pub binds: Vec<Bind>,
}

/// Plans the query when every clause and sort key is one the fast path handles exactly.
pub(crate) fn plan(
    experiments: &[i64],
    view: ViewType,
    filter: &Filter,
    order: &[OrderBy],
    offset: i64,
    limit: i64,
) -> Option<Plan> {
    let mut binds: Vec<Bind> = Vec::new();
    let next = |b: Bind, binds: &mut Vec<Bind>| {
        binds.push(b);
        format!("${}", binds.len())
    };
    let mut joins = String::new();
    for (i, c) in filter.clauses().iter().enumerate() {
        match (&c.field, c.op, &c.operand) {
            // NaN is stored as NULL, so every one of these is false on NaN and on a missing
            // metric, exactly as in memory. `!=` is true on NaN in memory: not taken here.
            (Field::Metric(k), Op::Eq | Op::Lt | Op::Le | Op::Gt | Op::Ge, Operand::Number(v)) => {
                let op = match c.op {
                    Op::Eq => "=",
                    Op::Lt => "<",
                    Op::Le => "<=",
                    Op::Gt => ">",
                    _ => ">=",
                };
                let (pk, pv) = (
                    next(Bind::S(k.clone()), &mut binds),
                    next(Bind::F(*v), &mut binds),
                );
                joins.push_str(&format!(" JOIN latest_metrics f{i} ON f{i}.run_id = r.run_id AND f{i}.key = {pk} AND f{i}.value {op} {pv}"));
            }
            (Field::Param(k), Op::Eq, Operand::Text(v))
            | (Field::Tag(k), Op::Eq, Operand::Text(v)) => {
                let table = if matches!(c.field, Field::Param(_)) {
                    "run_params"
                } else {
                    "run_tags"
                };
                let (pk, pv) = (
                    next(Bind::S(k.clone()), &mut binds),
                    next(Bind::S(v.clone()), &mut binds),
                );
                joins.push_str(&format!(" JOIN {table} f{i} ON f{i}.run_id = r.run_id AND f{i}.key = {pk} AND f{i}.value = {pv}"));
            }
            _ => return None,
        }
    }
    let mut order_sql: Vec<String> = Vec::new();
    for (i, o) in order.iter().enumerate() {
        let dir = if o.descending { "DESC" } else { "ASC" };
        match &o.key {
            SortKey::Metric(k) => {
                let pk = next(Bind::S(k.clone()), &mut binds);
                joins.push_str(&format!(
                    " LEFT JOIN latest_metrics o{i} ON o{i}.run_id = r.run_id AND o{i}.key = {pk}"
                ));
                // Numbers in the asked direction, then NaN (stored as NULL), then missing: as in memory.
                order_sql.push(format!("CASE WHEN o{i}.run_id IS NULL THEN 2 WHEN o{i}.value IS NULL THEN 1 ELSE 0 END, o{i}.value {dir}"));
            }
            SortKey::Attribute {
                name: "start_time", ..
            } => order_sql.push(format!("r.start_time {dir}")),
            SortKey::Attribute { name: "run_id", .. } => order_sql.push(format!("r.run_id {dir}")),
            _ => return None,
        }
    }
    let exps: Vec<String> = experiments
        .iter()
        .map(|e| next(Bind::I(*e), &mut binds))
        .collect();
    if exps.is_empty() {
        return None;
    }
    let stage = match view {
        ViewType::ActiveOnly => " AND r.lifecycle_stage = 'active'",
        ViewType::DeletedOnly => " AND r.lifecycle_stage = 'deleted'",
        ViewType::All => "",
    };
    let (pl, po) = (
        next(Bind::I(limit), &mut binds),
        next(Bind::I(offset), &mut binds),
    );
    let order_clause = if order_sql.is_empty() {
        String::new()
    } else {
        format!(" ORDER BY {}", order_sql.join(", "))
    };
    Some(Plan {
        sql: format!(
            "SELECT r.run_id FROM runs r{joins} WHERE r.experiment_id IN ({}){stage}{order_clause} LIMIT {pl} OFFSET {po}",
            exps.join(", ")
        ),
        binds,
    })
}
