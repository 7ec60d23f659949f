//! Evaluating parsed clauses and order_by keys against a [`Searchable`] entity, with MLflow's
//! rules for missing values and NaN, and the SQL `LIKE` matcher.
use super::{
    Clause, DatasetField, Field, Op, Operand, OrderBy, Searchable, SortKey, Value, ValueKind,
};
use std::cmp::Ordering;

pub(super) fn clause_matches<E: Searchable + ?Sized>(c: &Clause, e: &E) -> bool {
    match &c.field {
        Field::Metric(k) => number_test(e.metric(k), c),
        // A missing param or tag is "not equal" to anything where the entity says so (see
        // `Searchable::missing_matches_not_equal`).
        Field::Param(k) => text_test(e.param(k), c, e.missing_matches_not_equal()),
        Field::Tag(k) => text_test(e.tag(k), c, e.missing_matches_not_equal()),
        Field::Attribute { name, kind } => {
            let v = e.attribute(name);
            match kind {
                ValueKind::Number => number_test(as_number(v), c),
                ValueKind::Text => text_test(as_text(v).as_deref(), c, false),
            }
        }
        Field::Dataset(part) => {
            let datasets = e.datasets();
            match c.op {
                Op::IsNull => datasets.iter().all(|d| dataset_part(*d, *part).is_none()),
                Op::IsNotNull => datasets.iter().any(|d| dataset_part(*d, *part).is_some()),
                // "Some dataset of the run satisfies it", as MLflow's join does.
                _ => datasets
                    .iter()
                    .any(|d| dataset_part(*d, *part).is_some_and(|v| text_test(Some(v), c, false))),
            }
        }
    }
}

fn dataset_part<'a>(d: (&'a str, &'a str, Option<&'a str>), part: DatasetField) -> Option<&'a str> {
    match part {
        DatasetField::Name => Some(d.0),
        DatasetField::Digest => Some(d.1),
        DatasetField::Context => d.2,
    }
}

/// Numeric attributes may come back as numeric strings; anything unparsable is missing.
fn as_number(v: Option<Value>) -> Option<f64> {
    match v? {
        Value::Num(n) => Some(n),
        Value::Str(s) => s.trim().parse().ok(),
        Value::Null => None,
    }
}

/// Text attributes may come back as numbers (ids): compare their display form.
fn as_text(v: Option<Value>) -> Option<String> {
    match v? {
        Value::Str(s) => Some(s),
        Value::Num(n) => Some(n.to_string()),
        Value::Null => None,
    }
}

/// IEEE comparison gives MLflow's NaN rule for free: false for everything but `!=`.
fn number_test(v: Option<f64>, c: &Clause) -> bool {
    let Some(x) = v else {
        return c.op == Op::IsNull;
    };
    match (&c.operand, c.op) {
        (_, Op::IsNotNull) => true,
        (Operand::Number(n), op) => match op {
            Op::Eq => x == *n,
            Op::Ne => x != *n,
            Op::Lt => x < *n,
            Op::Le => x <= *n,
            Op::Gt => x > *n,
            Op::Ge => x >= *n,
            _ => false,
        },
        (Operand::NumberList(list), Op::In) => list.contains(&x),
        (Operand::NumberList(list), Op::NotIn) => !list.contains(&x),
        _ => false,
    }
}

fn text_test(v: Option<&str>, c: &Clause, missing_is_not_equal: bool) -> bool {
    let Some(s) = v else {
        return match c.op {
            Op::IsNull => true,
            Op::Ne | Op::NotIn => missing_is_not_equal,
            _ => false,
        };
    };
    match (&c.operand, c.op) {
        (_, Op::IsNotNull) => true,
        (Operand::Text(t), Op::Eq) => s == t,
        (Operand::Text(t), Op::Ne) => s != t,
        (Operand::Text(t), Op::Like) => like(s, t, false),
        (Operand::Text(t), Op::ILike) => like(s, t, true),
        (Operand::TextList(list), Op::In) => list.iter().any(|t| s == t),
        (Operand::TextList(list), Op::NotIn) => !list.iter().any(|t| s == t),
        _ => false,
    }
}

fn same_char(a: char, b: char, fold: bool) -> bool {
    a == b || (fold && a.to_lowercase().eq(b.to_lowercase()))
}

/// SQL `LIKE`: `%` matches any run of characters, `_` exactly one; everything else literally.
/// The greedy two-pointer algorithm backtracks only to the last `%`, so the cost is at most
/// text × pattern length, never exponential (`%a%a%a%a%b` against "aaaa…" stays fast).
pub(super) fn like(text: &str, pattern: &str, fold: bool) -> bool {
    let t: Vec<char> = text.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    let (mut ti, mut pi) = (0usize, 0usize);
    // The last `%` seen and the text position it was tried from.
    let mut star: Option<(usize, usize)> = None;
    while let Some(&tc) = t.get(ti) {
        match p.get(pi) {
            Some('%') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&pc) if pc == '_' || same_char(pc, tc, fold) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                // Let the last `%` swallow one more character and retry after it.
                Some((sp, st)) => {
                    star = Some((sp, st + 1));
                    pi = sp + 1;
                    ti = st + 1;
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|c| *c == '%'))
}

pub(super) fn compare<A, B>(order: &[OrderBy], a: &A, b: &B) -> Ordering
where
    A: Searchable + ?Sized,
    B: Searchable + ?Sized,
{
    for o in order {
        let ord = match &o.key {
            SortKey::Metric(k) => compare_numbers(a.metric(k), b.metric(k), o.descending),
            SortKey::Param(k) => compare_texts(a.param(k), b.param(k), o.descending),
            SortKey::Tag(k) => compare_texts(a.tag(k), b.tag(k), o.descending),
            SortKey::Attribute { name, kind } => match kind {
                ValueKind::Number => compare_numbers(
                    as_number(a.attribute(name)),
                    as_number(b.attribute(name)),
                    o.descending,
                ),
                ValueKind::Text => compare_texts(
                    as_text(a.attribute(name)).as_deref(),
                    as_text(b.attribute(name)).as_deref(),
                    o.descending,
                ),
            },
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// Numbers first (in the requested direction), then NaN, then missing: the tail order does
/// not flip with DESC, as in MLflow's SQL store.
fn compare_numbers(a: Option<f64>, b: Option<f64>, descending: bool) -> Ordering {
    let rank = |v: Option<f64>| match v {
        Some(x) if !x.is_nan() => 0,
        Some(_) => 1,
        None => 2,
    };
    match rank(a).cmp(&rank(b)) {
        Ordering::Equal => {}
        tail => return tail,
    }
    match (a, b) {
        (Some(x), Some(y)) => {
            let ord = x.partial_cmp(&y).unwrap_or(Ordering::Equal);
            if descending {
                ord.reverse()
            } else {
                ord
            }
        }
        _ => Ordering::Equal,
    }
}

/// Bytewise, with missing values last whatever the direction.
fn compare_texts(a: Option<&str>, b: Option<&str>, descending: bool) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => {
            let ord = x.as_bytes().cmp(y.as_bytes());
            if descending {
                ord.reverse()
            } else {
                ord
            }
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}
