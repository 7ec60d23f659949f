//! How a check reads a run: the value each condition's field has there, why a condition
//! failed ("metric auc missing", "metrics.auc is 0.85, not >= 0.9"), and the comparison
//! with the Production versions' values.
use super::{CheckValues, Direction, HolderValue, RunSeen, Seen};
use crate::names::Version;
use crate::search::{self, Clause, DatasetField, Entity, Field, Operand, Searchable, Value};

fn label(field: &Field) -> String {
    match field {
        Field::Metric(k) => format!("metrics.{k}"),
        Field::Param(k) => format!("params.{k}"),
        Field::Tag(k) => format!("tags.{k}"),
        Field::Attribute { name, .. } => format!("attributes.{name}"),
        Field::Dataset(DatasetField::Name) => "datasets.name".into(),
        Field::Dataset(DatasetField::Digest) => "datasets.digest".into(),
        Field::Dataset(DatasetField::Context) => "datasets.context".into(),
    }
}

/// The kind of thing a field reads, for "metric auc missing".
fn noun(field: &Field) -> String {
    match field {
        Field::Metric(k) => format!("metric {k}"),
        Field::Param(k) => format!("param {k}"),
        Field::Tag(k) => format!("tag {k}"),
        other => label(other),
    }
}

fn read<E: Searchable>(field: &Field, e: &E) -> Seen {
    let text = |v: Option<&str>| v.map_or(Seen::Missing, |s| Seen::Text(s.to_string()));
    match field {
        Field::Metric(k) => e.metric(k).map_or(Seen::Missing, Seen::Number),
        Field::Param(k) => text(e.param(k)),
        Field::Tag(k) => text(e.tag(k)),
        Field::Attribute { name, .. } => match e.attribute(name) {
            Some(Value::Num(n)) => Seen::Number(n),
            Some(Value::Str(s)) => Seen::Text(s),
            Some(Value::Null) | None => Seen::Missing,
        },
        Field::Dataset(part) => Seen::List(
            e.datasets()
                .into_iter()
                .filter_map(|(name, digest, ctx)| match part {
                    DatasetField::Name => Some(name.to_string()),
                    DatasetField::Digest => Some(digest.to_string()),
                    DatasetField::Context => ctx.map(str::to_string),
                })
                .collect(),
        ),
    }
}

fn operand(o: &Operand) -> String {
    let nums = |l: &[f64]| l.iter().map(f64::to_string).collect::<Vec<_>>().join(", ");
    match o {
        Operand::None => String::new(),
        Operand::Text(t) => format!(" '{t}'"),
        Operand::Number(n) => format!(" {n}"),
        Operand::TextList(l) => format!(" ('{}')", l.join("', '")),
        Operand::NumberList(l) => format!(" ({})", nums(l)),
    }
}

/// Why one failing clause failed: a missing value says so; a present one shows itself.
fn clause_failure(c: &Clause, seen: &Seen) -> String {
    match seen {
        Seen::Missing => format!("{} missing", noun(&c.field)),
        Seen::List(l) if l.is_empty() => format!("{} missing", noun(&c.field)),
        v => format!(
            "{} is {v}, not {}{}",
            label(&c.field),
            c.op.as_str(),
            operand(&c.operand)
        ),
    }
}

pub(super) fn filter<E: Searchable>(
    condition: &str,
    run: &E,
    values: &mut CheckValues,
) -> (bool, String) {
    // Stored conditions parsed when the policy was set; a parser change could still
    // refuse one, and then the check fails rather than passing unread.
    let parsed = match search::parse_filter(condition, Entity::Run) {
        Ok(f) => f,
        Err(e) => return (false, format!("the condition no longer parses: {e}")),
    };
    let mut failures = Vec::new();
    for c in parsed.clauses() {
        let seen = read(&c.field, run);
        if !c.matches(run) {
            failures.push(clause_failure(c, &seen));
        }
        values.candidate.insert(label(&c.field), seen);
    }
    if failures.is_empty() {
        let n = parsed.clauses().len();
        let s = if n == 1 { "" } else { "s" };
        (true, format!("the run satisfies the condition{s}"))
    } else {
        (false, failures.join("; "))
    }
}

pub(super) fn not_worse<E: Searchable>(
    metric: &str,
    direction: Direction,
    run: &E,
    production: &[(Version, RunSeen<'_, E>)],
    values: &mut CheckValues,
) -> (bool, String) {
    let mine = run.metric(metric);
    values.candidate.insert(
        format!("metrics.{metric}"),
        mine.map_or(Seen::Missing, Seen::Number),
    );
    let better = direction.as_str();
    let Some(mine) = mine else {
        return (
            false,
            format!("metric {metric} missing on the version's run"),
        );
    };
    if mine.is_nan() {
        return (
            false,
            format!("metric {metric} is NaN on the version's run"),
        );
    }
    if production.is_empty() {
        return (
            true,
            "no version is in Production yet: nothing to compare against".into(),
        );
    }
    // The strictest reference: the best value any Production version holds. A holder
    // without the metric (or without a run) cannot be worse than, so it is skipped and
    // named.
    let mut best: Option<(Version, f64)> = None;
    let mut skipped = Vec::new();
    for (v, seen) in production {
        let value = seen.run().and_then(|r| r.metric(metric));
        values.production.push(HolderValue {
            version: *v,
            value: value.map_or(Seen::Missing, Seen::Number),
        });
        match value {
            Some(x) if !x.is_nan() => {
                if best.is_none_or(|(_, b)| direction.not_worse(x, b)) {
                    best = Some((*v, x));
                }
            }
            _ => skipped.push(v.to_string()),
        }
    }
    let Some((v, reference)) = best else {
        return (
            true,
            format!(
                "no Production version has metric {metric} (version {}): nothing to compare against",
                skipped.join(", ")
            ),
        );
    };
    let passed = direction.not_worse(mine, reference);
    let verdict = if passed {
        "is not worse than"
    } else {
        "is worse than"
    };
    let mut reason = format!(
        "{metric} {mine} {verdict} {reference} (Production version {v}; {better} is better)"
    );
    if !skipped.is_empty() {
        reason.push_str(&format!(
            "; Production version {} has no {metric}",
            skipped.join(", ")
        ));
    }
    (passed, reason)
}
