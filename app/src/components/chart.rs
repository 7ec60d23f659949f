//! Line charts as server-rendered SVG: shared axes with their ticks, one path per series
//! (several metrics or runs overlaid, each its own colour, with a legend), and the drawn
//! points as hover targets that show the step and value. The geometry is
//! `pedigree_core::chart`'s; this component only draws it, so a chart reads the same with
//! or without JavaScript.
use crate::components::format_metric;
use leptos::prelude::*;
use pedigree_core::chart::{LineChart, MarkedPoint, Padding, Series, Size};

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
/// Series with at most this many drawn points get a hover target per point.
const HOVER_POINTS: usize = 120;
/// The palette's length (`.series-0` … in the stylesheet).
const COLOURS: usize = 6;

/// A chart of `series` over a shared x axis labelled `x_label`; `markers` (optional) are
/// points drawn on top, highlighted ones stronger (the versions that held Production).
#[component]
pub fn LineChartView(
    title: String,
    series: Vec<Series>,
    #[prop(default = "step")] x_label: &'static str,
    #[prop(optional)] markers: Vec<MarkedPoint>,
    #[prop(optional)] integer_x: bool,
) -> impl IntoView {
    let chart = LineChart { integer_x };
    let g = chart.geometry(
        &series,
        Size {
            width: WIDTH,
            height: HEIGHT,
        },
        Padding::default(),
    );
    let marks = g.markers(&markers);
    let view_box = format!("0 0 {WIDTH} {HEIGHT}");
    let plot = g.plot;
    let (bottom, left, right) = (plot.y + plot.height, plot.x, plot.x + plot.width);
    let notes: Vec<String> = series
        .iter()
        .filter_map(|s| {
            let mut parts = Vec::new();
            if s.total > s.points.len() + s.non_finite {
                parts.push(format!("{} of {} points drawn", s.points.len(), s.total));
            }
            if s.non_finite > 0 {
                parts.push(format!("{} NaN or infinite values not drawn", s.non_finite));
            }
            (!parts.is_empty()).then(|| format!("{}: {}", s.label, parts.join(", ")))
        })
        .collect();
    let aria = format!(
        "{title}: {} over {x_label}",
        series
            .iter()
            .map(|s| s.label.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    view! {
        <figure class="chart" data-testid="chart">
            <figcaption>{title}</figcaption>
            <svg viewBox=view_box role="img" aria-label=aria>
                {g.y_axis.ticks.iter().map(|t| view! {
                    <line class="grid" x1=left x2=right y1=t.pos y2=t.pos/>
                    <text class="tick" x=left - 6.0 y=t.pos + 4.0 text-anchor="end">{t.label.clone()}</text>
                }).collect_view()}
                {g.x_axis.ticks.iter().map(|t| view! {
                    <text class="tick" x=t.pos y=bottom + 16.0 text-anchor="middle">{t.label.clone()}</text>
                }).collect_view()}
                <line class="axis" x1=left x2=right y1=bottom y2=bottom/>
                <line class="axis" x1=left x2=left y1=plot.y y2=bottom/>
                {g.series.iter().enumerate().map(|(i, s)| {
                    let class = format!("series series-{}", i % COLOURS);
                    let hover = (s.points.len() <= HOVER_POINTS).then(|| s.points.iter().map(|p| view! {
                        <circle class=format!("point series-{}", i % COLOURS) cx=p.svg_x cy=p.svg_y r="3" data-testid="chart-point">
                            <title>{format!("{} at {x_label} {}: {}", s.label, p.x, format_metric(p.y))}</title>
                        </circle>
                    }).collect_view());
                    view! {
                        <g data-testid="chart-series" data-label=s.label.clone()>
                            <path class=class d=s.d.clone() data-testid="chart-path"><title>{s.label.clone()}</title></path>
                            {hover}
                        </g>
                    }
                }).collect_view()}
                {marks.into_iter().map(|m| view! {
                    <circle class:marker=true class:highlight=m.highlight cx=m.svg_x cy=m.svg_y r=if m.highlight { "5" } else { "3.5" } data-testid="chart-marker">
                        <title>{m.title}</title>
                    </circle>
                }).collect_view()}
            </svg>
            <ul class="legend">
                {series.iter().enumerate().map(|(i, s)| view! {
                    <li><span class=format!("swatch series-{}", i % COLOURS)></span>{s.label.clone()}</li>
                }).collect_view()}
            </ul>
            {notes.into_iter().map(|n| view! { <p class="small muted">{n}</p> }).collect_view()}
        </figure>
    }
}
