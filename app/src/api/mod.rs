//! Server functions: thin adapters that take the registry service from context, call
//! `pedigree_core`, and map the error once. One module per aggregate.
pub mod models;
pub mod versions;

/// The registry service the server provides to every server function.
#[cfg(feature = "ssr")]
pub fn registry() -> Result<pedigree_core::service::Registry, crate::error::UiError> {
    leptos::prelude::use_context::<pedigree_core::service::Registry>()
        .ok_or(crate::error::UiError::Internal)
}
