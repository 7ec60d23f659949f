//! Metric chart data and geometry: downsampling (LTTB), "nice" axis ticks and the SVG path
//! data of line charts. Pure numbers in, numbers and strings out, so the dashboard's
//! components (server-rendered and hydrated alike) only turn them into `<path>`, `<text>`
//! and `<circle>` elements.
//!
//! Non-finite values (MLflow accepts NaN and ±Inf for metrics) cannot sit on an axis: a
//! [`Series`] drops them from its points and counts them in [`Series::non_finite`], so a
//! chart can say "3 non-finite values not drawn" instead of drawing a broken line.
use serde::{Deserialize, Serialize};

mod geometry;
mod lttb;
mod ticks;

pub use geometry::{
    Axis, AxisTick, Bounds, ChartGeometry, HoverPoint, LineChart, MarkedPoint, Marker, Padding,
    Rect, SeriesPath, Size,
};
pub use lttb::lttb;
pub use ticks::{format_value, nice_integer_ticks, nice_ticks, NiceTicks};

/// One sample of a series: `x` is a step, a timestamp or a version number.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

impl Point {
    pub fn new(x: f64, y: f64) -> Self {
        Point { x, y }
    }
    /// Whether the point can be placed on a chart at all.
    pub fn is_finite(&self) -> bool {
        self.x.is_finite() && self.y.is_finite()
    }
}

/// A labelled line of a chart, possibly downsampled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub label: String,
    /// Finite points only, in increasing x.
    pub points: Vec<Point>,
    /// How many values were logged, non-finite ones included, before any downsampling.
    pub total: usize,
    /// How many of those were NaN or ±Inf and so are not drawn.
    pub non_finite: usize,
}

impl Series {
    /// A series of everything logged: non-finite points are counted, not kept. Points are
    /// sorted by x (stably, so equal steps keep their logged order).
    pub fn new(label: impl Into<String>, points: impl IntoIterator<Item = Point>) -> Self {
        let mut total = 0;
        let mut kept: Vec<Point> = points
            .into_iter()
            .inspect(|_| total += 1)
            .filter(Point::is_finite)
            .collect();
        kept.sort_by(|a, b| a.x.total_cmp(&b.x));
        Series {
            label: label.into(),
            non_finite: total - kept.len(),
            points: kept,
            total,
        }
    }

    /// Whether some points were dropped by downsampling (the chart may say "500 of 10,000").
    pub fn is_downsampled(&self) -> bool {
        self.points.len() + self.non_finite < self.total
    }
}

/// `series` reduced to at most `threshold` points by [`lttb`]; the counts keep describing
/// what was logged.
pub fn downsample(series: Series, threshold: usize) -> Series {
    let points = lttb(&series.points, threshold);
    Series { points, ..series }
}

/// A coordinate for SVG path data, rounded to one decimal and written as short as it
/// goes (`12`, `12.5`): long paths stay small.
pub(crate) fn svg_number(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    // -0.0 would print as "-0".
    ticks::fixed(if r == 0.0 { 0.0 } else { r }, 1)
}

#[cfg(test)]
mod tests;
