//! Paging arguments as the MLflow endpoints receive them, handed to the core search.
use super::error::ApiResult;
use pedigree_core::search::{Entity, Searchable};
pub use pedigree_core::service::search::SearchArgs;

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
