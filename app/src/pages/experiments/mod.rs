//! Experiment pages: the list, and one experiment's runs with MLflow filter search.
mod detail;
mod list;

pub use detail::ExperimentDetail;
pub use list::ExperimentList;
