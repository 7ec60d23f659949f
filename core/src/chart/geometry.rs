//! Line-chart geometry in SVG user units: the plot area inside the padding, the axes with
//! their ticks, one path per series, and the drawn points for tooltips and markers.
use super::ticks::{self, NiceTicks};
use super::{Point, Series};
use serde::{Deserialize, Serialize};

/// The whole SVG, in user units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Size {
    pub width: f64,
    pub height: f64,
}

/// Room left around the plot area for tick labels (left, bottom) and breathing space.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Padding {
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
    pub left: f64,
}

impl Padding {
    pub fn uniform(v: f64) -> Self {
        Padding {
            top: v,
            right: v,
            bottom: v,
            left: v,
        }
    }
}

impl Default for Padding {
    /// Fits five-character y labels and one line of x labels at a 12px font.
    fn default() -> Self {
        Padding {
            top: 10.0,
            right: 16.0,
            bottom: 28.0,
            left: 48.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

/// The extremes of the drawn data (before the axes round them out to whole ticks).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bounds {
    pub x_min: f64,
    pub x_max: f64,
    pub y_min: f64,
    pub y_max: f64,
}

/// A tick: its value, its SVG coordinate along the axis (x for the x axis, y for the y
/// axis) and its label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AxisTick {
    pub value: f64,
    pub pos: f64,
    pub label: String,
}

/// An axis' domain (the data's range widened to whole ticks) and its ticks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Axis {
    pub min: f64,
    pub max: f64,
    pub ticks: Vec<AxisTick>,
}

/// A drawn point: where it is in the SVG and what it stands for, for
/// `<circle><title>step 120: 0.9123</title></circle>`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HoverPoint {
    pub svg_x: f64,
    pub svg_y: f64,
    pub x: f64,
    pub y: f64,
}

impl HoverPoint {
    /// A tooltip such as `step 120: 0.9123`. A whole-number x (a step, an epoch, a
    /// version) is written in full, since `step 120k` would not say which step.
    pub fn title(&self, x_name: &str) -> String {
        let x = if self.x.fract() == 0.0 && self.x.abs() < 1e15 {
            format!("{}", self.x as i64)
        } else {
            super::format_value(self.x)
        };
        format!("{x_name} {x}: {}", super::format_value(self.y))
    }
}

/// One series as drawn: `d` is the `<path>` data (empty for a series with no point).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesPath {
    pub label: String,
    pub d: String,
    pub points: Vec<HoverPoint>,
    pub total: usize,
    pub non_finite: usize,
}

/// A point to mark on a chart of few points (a metric across versions, say), with the
/// tooltip it gets and whether it stands out (a version holding Production).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarkedPoint {
    pub point: Point,
    pub title: String,
    pub highlight: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Marker {
    pub svg_x: f64,
    pub svg_y: f64,
    pub title: String,
    pub highlight: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartGeometry {
    pub size: Size,
    pub plot: Rect,
    /// `None` when no series has a point.
    pub bounds: Option<Bounds>,
    pub x_axis: Axis,
    pub y_axis: Axis,
    pub series: Vec<SeriesPath>,
}

impl ChartGeometry {
    /// Where `p` lands in the SVG (unrounded, possibly outside the plot for points outside
    /// the axes' domains).
    pub fn project(&self, p: Point) -> (f64, f64) {
        let fx = (p.x - self.x_axis.min) / (self.x_axis.max - self.x_axis.min);
        let fy = (p.y - self.y_axis.min) / (self.y_axis.max - self.y_axis.min);
        (
            self.plot.x + fx * self.plot.width,
            self.plot.y + self.plot.height - fy * self.plot.height,
        )
    }

    /// Markers for `points`, non-finite ones left out (they have no place on the axes).
    pub fn markers(&self, points: &[MarkedPoint]) -> Vec<Marker> {
        points
            .iter()
            .filter(|m| m.point.is_finite())
            .map(|m| {
                let (x, y) = self.project(m.point);
                Marker {
                    svg_x: round1(x),
                    svg_y: round1(y),
                    title: m.title.clone(),
                    highlight: m.highlight,
                }
            })
            .collect()
    }
}

/// How a line chart's axes are built. `integer_x` keeps x ticks on whole numbers (version
/// numbers, epochs), one per value when there are few.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LineChart {
    pub integer_x: bool,
}

impl LineChart {
    /// The geometry of `series` with default options.
    pub fn layout(series: &[Series], size: Size, padding: Padding) -> ChartGeometry {
        LineChart::default().geometry(series, size, padding)
    }

    /// Every series shares the axes; an empty chart gets `[0, 1]` axes and empty paths, a
    /// flat one (a single point, a constant metric) a widened range, so nothing divides
    /// by zero and the result is always drawable.
    pub fn geometry(&self, series: &[Series], size: Size, padding: Padding) -> ChartGeometry {
        let size = Size {
            width: finite_or_zero(size.width),
            height: finite_or_zero(size.height),
        };
        let plot = Rect {
            x: padding.left.min(size.width),
            y: padding.top.min(size.height),
            width: (size.width - padding.left - padding.right).max(0.0),
            height: (size.height - padding.top - padding.bottom).max(0.0),
        };
        let bounds = data_bounds(series);
        let (xt, yt) = match bounds {
            Some(b) => (
                ticks::axis_ticks(b.x_min, b.x_max, self.integer_x),
                ticks::axis_ticks(b.y_min, b.y_max, false),
            ),
            None => (
                ticks::axis_ticks(0.0, 1.0, self.integer_x),
                ticks::nice_ticks(0.0, 1.0),
            ),
        };
        let mut g = ChartGeometry {
            size,
            plot,
            bounds,
            x_axis: axis(&xt),
            y_axis: axis(&yt),
            series: Vec::new(),
        };
        for t in &mut g.x_axis.ticks {
            t.pos = round1(plot.x + (t.value - xt.min) / (xt.max - xt.min) * plot.width);
        }
        for t in &mut g.y_axis.ticks {
            t.pos =
                round1(plot.y + plot.height - (t.value - yt.min) / (yt.max - yt.min) * plot.height);
        }
        g.series = series.iter().map(|s| series_path(&g, s)).collect();
        g
    }
}

fn axis(t: &NiceTicks) -> Axis {
    Axis {
        min: t.min,
        max: t.max,
        ticks: t
            .values
            .iter()
            .zip(&t.labels)
            .map(|(&value, label)| AxisTick {
                value,
                pos: 0.0,
                label: label.clone(),
            })
            .collect(),
    }
}

fn data_bounds(series: &[Series]) -> Option<Bounds> {
    let mut points = series
        .iter()
        .flat_map(|s| &s.points)
        .filter(|p| p.is_finite());
    let first = points.next()?;
    let init = Bounds {
        x_min: first.x,
        x_max: first.x,
        y_min: first.y,
        y_max: first.y,
    };
    Some(points.fold(init, |b, p| Bounds {
        x_min: b.x_min.min(p.x),
        x_max: b.x_max.max(p.x),
        y_min: b.y_min.min(p.y),
        y_max: b.y_max.max(p.y),
    }))
}

fn series_path(g: &ChartGeometry, s: &Series) -> SeriesPath {
    let mut d = String::new();
    let mut points = Vec::with_capacity(s.points.len());
    // A non-finite point (only in a hand-built series) breaks the line rather than
    // writing NaN into the path.
    let mut pen_down = false;
    for p in &s.points {
        if !p.is_finite() {
            pen_down = false;
            continue;
        }
        let (x, y) = g.project(*p);
        let (x, y) = (round1(x), round1(y));
        if !d.is_empty() {
            d.push(' ');
        }
        d.push_str(if pen_down { "L " } else { "M " });
        d.push_str(&super::svg_number(x));
        d.push(' ');
        d.push_str(&super::svg_number(y));
        pen_down = true;
        points.push(HoverPoint {
            svg_x: x,
            svg_y: y,
            x: p.x,
            y: p.y,
        });
    }
    SeriesPath {
        label: s.label.clone(),
        d,
        points,
        total: s.total,
        non_finite: s.non_finite,
    }
}

fn finite_or_zero(v: f64) -> f64 {
    if v.is_finite() {
        v.max(0.0)
    } else {
        0.0
    }
}

fn round1(v: f64) -> f64 {
    let r = (v * 10.0).round() / 10.0;
    // -0.0 would print as "-0".
    if r == 0.0 {
        0.0
    } else {
        r
    }
}
