//! The fast path for run search: filters made only of metric comparisons and param/tag
//! equalities, ordered by metrics, start time and run id, are answered by one SQL query
//! that returns the page's run ids (`store::search` builds it). Everything else takes the
//! general path (filter and order in memory). Both paths give the same answer:
//! `core/tests/it/store.rs` checks them against each other.
use crate::experiment::ViewType;
use crate::names::ExperimentId;
use crate::search::{Field, Filter, Op, Operand, OrderBy, SortKey};
use crate::store::search::{Cmp, RunFilter, RunIdQuery, RunOrder};

/// Plans the query when every clause and sort key is one the fast path handles exactly,
/// and there is at least one experiment to search.
pub(crate) fn plan<'a>(
    experiments: &'a [ExperimentId],
    view: ViewType,
    filter: &'a Filter,
    order: &'a [OrderBy],
    offset: i64,
    limit: i64,
) -> Option<RunIdQuery<'a>> {
    if experiments.is_empty() {
        return None;
    }
    let mut filters = Vec::with_capacity(filter.clauses().len());
    for c in filter.clauses() {
        filters.push(match (&c.field, c.op, &c.operand) {
            // NaN is stored as NULL, so every one of these is false on NaN and on a missing
            // metric, exactly as in memory. `!=` is true on NaN in memory: not taken here.
            (Field::Metric(k), Op::Eq | Op::Lt | Op::Le | Op::Gt | Op::Ge, Operand::Number(v)) => {
                let cmp = match c.op {
                    Op::Eq => Cmp::Eq,
                    Op::Lt => Cmp::Lt,
                    Op::Le => Cmp::Le,
                    Op::Gt => Cmp::Gt,
                    _ => Cmp::Ge,
                };
                RunFilter::Metric {
                    key: k,
                    cmp,
                    value: *v,
                }
            }
            (Field::Param(k), Op::Eq, Operand::Text(v)) => RunFilter::Param { key: k, value: v },
            (Field::Tag(k), Op::Eq, Operand::Text(v)) => RunFilter::Tag { key: k, value: v },
            _ => return None,
        });
    }
    let mut sort = Vec::with_capacity(order.len());
    for o in order {
        let descending = o.descending;
        sort.push(match &o.key {
            SortKey::Metric(k) => RunOrder::Metric { key: k, descending },
            SortKey::Attribute {
                name: "start_time", ..
            } => RunOrder::StartTime { descending },
            SortKey::Attribute { name: "run_id", .. } => RunOrder::RunId { descending },
            _ => return None,
        });
    }
    Some(RunIdQuery {
        experiments,
        view,
        filters,
        order: sort,
        offset,
        limit,
    })
}
