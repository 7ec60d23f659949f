//! MLflow's search languages: the `filter` string and the `order_by` items that every search
//! endpoint accepts, parsed once at the boundary into typed clauses and evaluated against any
//! entity that implements [`Searchable`].
//!
//! The filter grammar is `clause (AND clause)*`, where a clause is `identifier op value`:
//!
//! - identifiers: `metrics.<key>`/`metric.<key>`, `params.<key>`/`param.<key>`,
//!   `tags.<key>`/`tag.<key>`, `attributes.<name>`/`attribute.<name>`/`attr.<name>`,
//!   `datasets.<name|digest|context>`/`dataset.<…>` and bare attribute names (`name`, `run_id`).
//!   Keys may be bare (`tags.mlflow.source.git.commit`, `metrics.val/loss`) or quoted with
//!   back-quotes, double or single quotes (`` tag.`mlflow.prompt.is_prompt` ``).
//! - operators: `=`, `!=`, `<>`, `<`, `<=`, `>`, `>=`, `LIKE`, `ILIKE`, `IN`, `NOT IN`,
//!   `IS NULL`, `IS NOT NULL` (keywords in any case, as is `AND`). `OR` is refused.
//! - values: quoted strings (`''`, `\'` and `\\` escapes), numbers, and `(v, …)` lists for `IN`.
//!
//! Numbers (metrics, timestamps, `version_number`) take `=`/`!=`/ordering/`IN`; strings
//! (params, tags, names, ids) take `=`/`!=`/`LIKE`/`ILIKE`/`IN`. Numeric fields also accept
//! numeric strings (`version_number = '3'`), string fields accept bare numbers (by their text).
//!
//! Attribute aliases are normalised to one canonical name before [`Searchable::attribute`] is
//! called, so an implementation answers only these:
//!
//! | canonical name | aliases | kind | entities |
//! |---|---|---|---|
//! | `run_id` | | string | runs, model versions |
//! | `run_name` | `run name` | string | runs |
//! | `status` | | string | runs, logged models |
//! | `start_time` | `created` | number | runs |
//! | `end_time` | | number | runs |
//! | `user_id` | | string | runs |
//! | `artifact_uri` | | string | runs |
//! | `lifecycle_stage` | | string | runs, experiments |
//! | `experiment_id` | | string | runs, experiments, logged models |
//! | `name` | | string | registered models, model versions, experiments, logged models |
//! | `version_number` | `version` | number | model versions |
//! | `source_path` | `source` | string | model versions |
//! | `current_stage` | | string | model versions |
//! | `creation_timestamp` | `creation_time` | number | registered models, model versions, experiments, logged models |
//! | `last_updated_timestamp` | `last_update_time`, `timestamp` | number | registered models, model versions, experiments, logged models |
//! | `model_id` | | string | model versions (the logged model it came from), logged models |
//! | `source_run_id` | | string | logged models |
//!
//! Metrics, params and tags are allowed where the entity has them (metrics and params: runs and
//! logged models; tags: all); datasets only on runs.
//!
//! Semantics follow MLflow's stores: a clause on a missing value is false, except `!=` and
//! `NOT IN` on a tag or param, where a missing key counts as "not equal" (clients always send
//! `` tag.`mlflow.prompt.is_prompt` != 'true' ``, which must match untagged models), and
//! `IS NULL`, which is true exactly when the value is missing. NaN metrics compare false except
//! under `!=`/`NOT IN`. A dataset clause holds when any of the entity's datasets satisfies it.
//!
//! Sorting ([`compare`]) puts missing values last whatever the direction, and NaN after every
//! number; strings compare bytewise, numbers numerically. Ties compare `Equal`: callers add
//! their own tiebreaker (MLflow uses the id) for a stable page order.
use crate::error::Result;
use std::cmp::Ordering;

mod cursor;
mod eval;
mod fields;
mod parse;

/// Longest filter (and order_by item) accepted, in characters: refuse, never truncate.
pub const MAX_FILTER_LEN: usize = 10_000;
/// Most values accepted in one `IN (…)` list.
pub const MAX_IN_ITEMS: usize = 1_000;
/// Most `order_by` items accepted in one request.
pub const MAX_ORDER_BY_ITEMS: usize = 20;

/// Which kind of object a search runs over: decides which identifiers are valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    Run,
    RegisteredModel,
    ModelVersion,
    Experiment,
    LoggedModel,
}

/// An attribute value as an entity reports it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Num(f64),
    Null,
}

/// What a filter or sort can read from an entity.
pub trait Searchable {
    /// An attribute by canonical name (see the module docs); None when the entity has no such
    /// attribute value.
    fn attribute(&self, name: &str) -> Option<Value>;
    /// Entities without metrics or params keep these defaults: every such clause is false.
    fn metric(&self, _key: &str) -> Option<f64> {
        None
    }
    fn param(&self, _key: &str) -> Option<&str> {
        None
    }
    fn tag(&self, key: &str) -> Option<&str>;
    /// Whether a missing param or tag satisfies `!=` and `NOT IN`. MLflow's registry relies
    /// on it (`` tag.`mlflow.prompt.is_prompt` != 'true' `` keeps untagged models); its
    /// run and experiment searches join on the key, so there a missing one matches nothing.
    fn missing_matches_not_equal(&self) -> bool {
        true
    }
    /// Dataset inputs as (name, digest, context) triples.
    fn datasets(&self) -> Vec<(&str, &str, Option<&str>)> {
        Vec::new()
    }
}

/// How a field's values compare: decides the allowed operators and value coercion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueKind {
    Text,
    Number,
}

/// The part of a dataset input a `datasets.*` clause reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatasetField {
    Name,
    Digest,
    Context,
}

/// The left-hand side of a clause, with attribute aliases already resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Field {
    Metric(String),
    Param(String),
    Tag(String),
    /// `name` is the canonical attribute name (see the module docs).
    Attribute {
        name: &'static str,
        kind: ValueKind,
    },
    Dataset(DatasetField),
}

impl Field {
    pub fn kind(&self) -> ValueKind {
        match self {
            Field::Metric(_) => ValueKind::Number,
            Field::Attribute { kind, .. } => *kind,
            Field::Param(_) | Field::Tag(_) | Field::Dataset(_) => ValueKind::Text,
        }
    }
}

/// A comparison operator; `<>` parses as `Ne`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
    ILike,
    In,
    NotIn,
    IsNull,
    IsNotNull,
}

impl Op {
    /// The operator as written in MLflow's syntax, for messages and SQL translation.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Like => "LIKE",
            Op::ILike => "ILIKE",
            Op::In => "IN",
            Op::NotIn => "NOT IN",
            Op::IsNull => "IS NULL",
            Op::IsNotNull => "IS NOT NULL",
        }
    }
}

/// The right-hand side of a clause, already coerced to the field's [`ValueKind`]: numbers are
/// finite, LIKE patterns are kept as written.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// For `IS NULL` and `IS NOT NULL`.
    None,
    Text(String),
    Number(f64),
    TextList(Vec<String>),
    NumberList(Vec<f64>),
}

/// One `identifier op value` condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    pub field: Field,
    pub op: Op,
    pub operand: Operand,
}

impl Clause {
    /// Whether this one condition holds for `e` (a filter holds when all of its do); lets a
    /// caller say which condition of a filter failed.
    pub fn matches<E: Searchable + ?Sized>(&self, e: &E) -> bool {
        eval::clause_matches(self, e)
    }
}

/// A parsed filter: the conjunction of its clauses; no clauses matches everything.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Filter {
    clauses: Vec<Clause>,
}

impl Filter {
    pub fn matches<E: Searchable + ?Sized>(&self, e: &E) -> bool {
        self.clauses.iter().all(|c| eval::clause_matches(c, e))
    }
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }
    pub fn clauses(&self) -> &[Clause] {
        &self.clauses
    }
}

/// What an `order_by` item sorts on, with attribute aliases already resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SortKey {
    Metric(String),
    Param(String),
    Tag(String),
    /// `name` is the canonical attribute name (see the module docs).
    Attribute {
        name: &'static str,
        kind: ValueKind,
    },
}

/// One `order_by` item: `key [ASC|DESC]`, ascending by default.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrderBy {
    pub key: SortKey,
    pub descending: bool,
}

/// Parses an MLflow filter string for `entity`; empty or blank input matches everything.
///
/// # Errors
/// `InvalidArgument` naming the 1-based position and the text around it, for any input that
/// is not a valid filter for `entity` (including input over [`MAX_FILTER_LEN`] characters).
pub fn parse_filter(input: &str, entity: Entity) -> Result<Filter> {
    parse::filter(input, entity).map(|clauses| Filter { clauses })
}

/// Parses MLflow `order_by` items (`metrics.auc DESC`, `name`, `` tags.`x` ASC ``) for `entity`.
///
/// # Errors
/// `InvalidArgument` naming the item, the position and the text around it; also more than
/// [`MAX_ORDER_BY_ITEMS`] items.
pub fn parse_order_by(items: &[String], entity: Entity) -> Result<Vec<OrderBy>> {
    parse::order_by(items, entity)
}

/// Orders two entities by `order` (earlier items first); `Equal` when every key ties.
pub fn compare<A, B>(order: &[OrderBy], a: &A, b: &B) -> Ordering
where
    A: Searchable + ?Sized,
    B: Searchable + ?Sized,
{
    eval::compare(order, a, b)
}

#[cfg(test)]
mod tests;
