//! Model version pages: one version with its run, files, holder history and actions, and
//! two versions compared.
mod actions;
mod compare;
mod detail;
mod files;

pub use compare::CompareVersions;
pub use detail::VersionDetail;
