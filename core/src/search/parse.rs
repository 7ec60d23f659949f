//! The two grammars on top of the cursor: `clause (AND clause)*` for filters and
//! `identifier [ASC|DESC]` for order_by items, plus the operator/value checks that depend on
//! the field's kind. Both are loops, never recursion, so no input can exhaust the stack.
use super::cursor::{check_len, Cursor, Lit};
use super::{
    fields, Clause, Entity, Field, Op, Operand, OrderBy, SortKey, ValueKind, MAX_IN_ITEMS,
    MAX_ORDER_BY_ITEMS,
};
use crate::error::{Error, Result};

pub(super) fn filter(input: &str, entity: Entity) -> Result<Vec<Clause>> {
    check_len(input, "filter")?;
    let mut cur = Cursor::new(input, "filter");
    let mut clauses = Vec::new();
    cur.skip_ws();
    if cur.at_end() {
        return Ok(clauses);
    }
    loop {
        clauses.push(clause(&mut cur, entity)?);
        cur.skip_ws();
        if cur.at_end() {
            return Ok(clauses);
        }
        let at = cur.pos();
        let found = cur.found();
        let word = cur.word();
        if word.eq_ignore_ascii_case("AND") {
            cur.skip_ws();
            if cur.at_end() {
                return Err(cur.error(cur.pos(), "expected a condition after AND"));
            }
        } else if word.eq_ignore_ascii_case("OR") {
            return Err(cur.error(at, "OR is not supported; combine conditions with AND"));
        } else {
            return Err(cur.error(
                at,
                format!("expected AND or the end of the filter, found {found}"),
            ));
        }
    }
}

fn clause(cur: &mut Cursor, entity: Entity) -> Result<Clause> {
    let ident = cur.identifier()?;
    let field = fields::resolve(&ident, entity, false).map_err(|m| cur.error(ident.start, m))?;
    cur.skip_ws();
    let (op_at, op) = cur.operator(&ident.text)?;
    check_op(&field, op, &ident.text).map_err(|m| cur.error(op_at, m))?;
    let after = format!("'{}'", op.as_str());
    let operand = match op {
        Op::IsNull | Op::IsNotNull => Operand::None,
        Op::In | Op::NotIn => {
            cur.skip_ws();
            list(cur, &field, &ident.text, &after)?
        }
        _ => {
            cur.skip_ws();
            let (at, lit) = cur.literal(&after)?;
            match field.kind() {
                ValueKind::Text => Operand::Text(text(lit)),
                ValueKind::Number => {
                    Operand::Number(number(lit, &ident.text).map_err(|m| cur.error(at, m))?)
                }
            }
        }
    };
    Ok(Clause { field, op, operand })
}

/// MLflow's per-kind operator sets: ordering only on numbers, pattern matching only on text.
fn check_op(field: &Field, op: Op, ident: &str) -> Result<(), String> {
    let (ok, kind, allowed) = match field.kind() {
        ValueKind::Number => (
            !matches!(op, Op::Like | Op::ILike),
            "a number",
            "=, !=, <, <=, >, >=, IN, NOT IN, IS NULL or IS NOT NULL",
        ),
        ValueKind::Text => (
            !matches!(op, Op::Lt | Op::Le | Op::Gt | Op::Ge),
            "a string",
            "=, !=, LIKE, ILIKE, IN, NOT IN, IS NULL or IS NOT NULL",
        ),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "operator {} is not supported for '{ident}' ({kind}); use {allowed}",
            op.as_str()
        ))
    }
}

fn text(lit: Lit) -> String {
    match lit {
        Lit::Str(s) => s,
        Lit::Num(_, source) => source,
    }
}

/// Numeric fields accept numeric strings too (`version_number = '3'`), as MLflow does.
fn number(lit: Lit, ident: &str) -> Result<f64, String> {
    match lit {
        Lit::Num(n, _) => Ok(n),
        Lit::Str(s) => match s.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(n),
            _ => Err(format!("expected a number for '{ident}', found '{s}'")),
        },
    }
}

/// `(value, value, …)`: at least one and at most `MAX_IN_ITEMS` values.
fn list(cur: &mut Cursor, field: &Field, ident: &str, after: &str) -> Result<Operand> {
    let open = cur.pos();
    if !cur.eat('(') {
        let found = cur.found();
        return Err(cur.error(
            open,
            format!("expected a parenthesised list after {after}, found {found}"),
        ));
    }
    cur.skip_ws();
    if cur.eat(')') {
        return Err(cur.error(open, "the IN list must not be empty"));
    }
    let mut texts = Vec::new();
    let mut numbers = Vec::new();
    loop {
        if texts.len() + numbers.len() >= MAX_IN_ITEMS {
            return Err(cur.error(
                cur.pos(),
                format!("an IN list may hold at most {MAX_IN_ITEMS} values"),
            ));
        }
        let item_after = if texts.is_empty() && numbers.is_empty() {
            "'('"
        } else {
            "','"
        };
        let (at, lit) = cur.literal(item_after)?;
        match field.kind() {
            ValueKind::Text => texts.push(text(lit)),
            ValueKind::Number => numbers.push(number(lit, ident).map_err(|m| cur.error(at, m))?),
        }
        cur.skip_ws();
        if cur.eat(')') {
            break;
        }
        if !cur.eat(',') {
            let at = cur.pos();
            let found = cur.found();
            return Err(cur.error(
                at,
                format!("expected ',' or ')' in the IN list, found {found}"),
            ));
        }
        cur.skip_ws();
    }
    Ok(match field.kind() {
        ValueKind::Text => Operand::TextList(texts),
        ValueKind::Number => Operand::NumberList(numbers),
    })
}

pub(super) fn order_by(items: &[String], entity: Entity) -> Result<Vec<OrderBy>> {
    if items.len() > MAX_ORDER_BY_ITEMS {
        return Err(Error::invalid(format!(
            "Invalid order_by: at most {MAX_ORDER_BY_ITEMS} items are allowed, got {}",
            items.len()
        )));
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let what = format!("order_by item {}", i + 1);
        check_len(item, &what)?;
        out.push(order_item(item, what, entity)?);
    }
    Ok(out)
}

fn order_item(item: &str, what: String, entity: Entity) -> Result<OrderBy> {
    let mut cur = Cursor::new(item, what);
    cur.skip_ws();
    let ident = cur.identifier()?;
    let key = match fields::resolve(&ident, entity, true).map_err(|m| cur.error(ident.start, m))? {
        Field::Metric(k) => SortKey::Metric(k),
        Field::Param(k) => SortKey::Param(k),
        Field::Tag(k) => SortKey::Tag(k),
        Field::Attribute { name, kind } => SortKey::Attribute { name, kind },
        Field::Dataset(_) => {
            return Err(cur.error(ident.start, "datasets cannot be used in order_by"));
        }
    };
    cur.skip_ws();
    let at = cur.pos();
    let found = cur.found();
    let word = cur.word();
    let descending = if word.is_empty() || word.eq_ignore_ascii_case("ASC") {
        false
    } else if word.eq_ignore_ascii_case("DESC") {
        true
    } else {
        return Err(cur.error(at, format!("expected ASC or DESC, found {found}")));
    };
    cur.skip_ws();
    if !cur.at_end() {
        let at = cur.pos();
        let found = cur.found();
        return Err(cur.error(at, format!("expected the end of the item, found {found}")));
    }
    Ok(OrderBy { key, descending })
}
