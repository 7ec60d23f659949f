//! Small helpers for reading `AnyRow`s and key/value tables, so each service reads rows
//! the same way and database errors are mapped in one place.
use super::map_sqlx;
use crate::error::{Error, Result};
use crate::names::{Key, Tag};
use sqlx::any::AnyRow;
use sqlx::Row;

pub fn s(row: &AnyRow, col: &str) -> Result<String> {
    row.try_get::<String, _>(col).map_err(map_sqlx)
}
pub fn os(row: &AnyRow, col: &str) -> Result<Option<String>> {
    row.try_get::<Option<String>, _>(col).map_err(map_sqlx)
}
pub fn i(row: &AnyRow, col: &str) -> Result<i64> {
    row.try_get::<i64, _>(col).map_err(map_sqlx)
}
pub fn oi(row: &AnyRow, col: &str) -> Result<Option<i64>> {
    row.try_get::<Option<i64>, _>(col).map_err(map_sqlx)
}
pub fn b(row: &AnyRow, col: &str) -> Result<bool> {
    // SQLite hands booleans back as integers through `Any`.
    match row.try_get::<bool, _>(col) {
        Ok(v) => Ok(v),
        Err(_) => Ok(i(row, col)? != 0),
    }
}
pub fn of(row: &AnyRow, col: &str) -> Result<Option<f64>> {
    row.try_get::<Option<f64>, _>(col).map_err(map_sqlx)
}

/// Parses a stored value with a domain parser; a failure means the database holds
/// something the domain never wrote, which is an internal error, not the caller's.
pub fn parsed<T, E: std::fmt::Display>(v: std::result::Result<T, E>, what: &str) -> Result<T> {
    v.map_err(|e| Error::Internal(format!("stored {what} is invalid: {e}")))
}

/// Key/value rows (`key`, `value` columns) into tags, ordered by key.
pub fn tags(rows: &[AnyRow]) -> Result<Vec<Tag>> {
    rows.iter()
        .map(|r| {
            Ok(Tag {
                key: parsed(Key::parse(s(r, "key")?), "key")?,
                value: s(r, "value")?,
            })
        })
        .collect()
}

/// JSON text for a stored summary (audit `before`/`after`, input tags); `()` is `null`.
pub fn json<T: serde::Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}
