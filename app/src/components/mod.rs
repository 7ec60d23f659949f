//! Small pieces every page uses, one module per kind: [`format`] turns values into text,
//! [`badges`] labels stages and aliases, [`compare`] sets two runs side by side, [`table`]
//! is the table pattern, [`link`] the link every address goes through, and [`loaded`] the
//! load → show / error scaffold; [`chart`] and [`lineage`] draw metric charts and the
//! lineage graph as SVG.
pub mod badges;
pub mod chart;
pub mod compare;
pub mod format;
pub mod lineage;
pub mod link;
pub mod loaded;
pub mod table;

pub use badges::{AliasBadge, StageBadge};
pub use chart::LineChartView;
pub use compare::{MetricTable, ParamTable};
pub use format::{
    format_age, format_delta, format_metric, format_time, short_id, version_or_dash, DASH,
};
pub use lineage::LineageView;
pub use link::Link;
pub use loaded::{set_status, ErrorBox, Loaded};
pub use table::DataTable;
