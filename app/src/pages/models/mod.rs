//! Registered model pages: the list and one model with its versions.
mod detail;
mod list;
mod timeline;

pub use detail::ModelDetail;
pub use list::ModelList;
