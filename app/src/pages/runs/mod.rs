//! Run pages: one training run with its provenance, params, metrics, datasets and the
//! versions registered from it. [`RunFacts`] is shared with the version page.
mod charts;
mod detail;
mod facts;

pub use charts::MetricCharts;
pub use detail::RunDetail;
pub use facts::{format_duration, RunFacts};
