//! Paging arguments as the MLflow endpoints receive them, handed to the core search.
use super::error::ApiResult;
use axum::Json;
use pedigree_core::search::{Entity, Searchable};
pub use pedigree_core::service::search::SearchArgs;
use serde_json::{json, Value};

/// Filters, orders and pages `items`; returns the page and the next token.
pub fn page<T: Searchable>(
    items: Vec<T>,
    entity: Entity,
    args: SearchArgs,
) -> ApiResult<(Vec<T>, Option<String>)> {
    Ok(pedigree_core::service::search::search_page(
        items, entity, args,
    )?)
}

/// A search response: `{<key>: [...], next_page_token}`, each left out when empty, as MLflow does.
pub fn response(key: &str, items: Vec<Value>, next: Option<String>) -> Json<Value> {
    let mut out = json!({});
    if !items.is_empty() {
        out[key] = Value::Array(items);
    }
    if let Some(t) = next {
        out["next_page_token"] = json!(t);
    }
    Json(out)
}
