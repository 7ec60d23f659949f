//! Line-chart geometry: the SVG numbers for known input, and drawable output for the
//! degenerate cases (no data, one point, a zero-size chart).
use super::*;

const SQUARE: Size = Size {
    width: 100.0,
    height: 100.0,
};

fn series(label: &str, points: &[(f64, f64)]) -> Series {
    Series::new(label, points.iter().map(|&(x, y)| Point::new(x, y)))
}

fn all_numbers_finite(g: &ChartGeometry) -> bool {
    let ticks = g.x_axis.ticks.iter().chain(&g.y_axis.ticks);
    let hover = g.series.iter().flat_map(|s| &s.points);
    ticks
        .map(|t| t.pos)
        .chain(hover.flat_map(|p| [p.svg_x, p.svg_y]))
        .all(f64::is_finite)
        && [g.x_axis.min, g.x_axis.max, g.y_axis.min, g.y_axis.max]
            .iter()
            .all(|v| v.is_finite())
}

#[test]
fn a_known_three_point_series_draws_the_expected_path() {
    let s = series("acc", &[(0.0, 0.0), (1.0, 1.0), (2.0, 0.5)]);
    let g = LineChart::layout(&[s], SQUARE, Padding::uniform(0.0));
    assert_eq!(g.series[0].d, "M 0 100 L 50 0 L 100 50");
    let b = g.bounds.unwrap();
    assert_eq!((b.x_min, b.x_max, b.y_min, b.y_max), (0.0, 2.0, 0.0, 1.0));
}

#[test]
fn coordinates_are_rounded_to_one_decimal_inside_the_padding() {
    let s = series("loss", &[(0.0, 0.0), (1.0, 1.0 / 3.0), (3.0, 1.0)]);
    let pad = Padding {
        top: 10.0,
        right: 10.0,
        bottom: 20.0,
        left: 30.0,
    };
    let g = LineChart::layout(
        &[s],
        Size {
            width: 130.0,
            height: 130.0,
        },
        pad,
    );
    assert_eq!(
        g.plot,
        Rect {
            x: 30.0,
            y: 10.0,
            width: 90.0,
            height: 100.0
        }
    );
    assert_eq!(g.series[0].d, "M 30 110 L 60 76.7 L 120 10");
    let hover = &g.series[0].points[1];
    assert_eq!((hover.svg_x, hover.svg_y, hover.x), (60.0, 76.7, 1.0));
}

#[test]
fn ticks_sit_on_the_plot_edges_and_the_y_axis_grows_upwards() {
    let s = series("acc", &[(0.0, 0.0), (10.0, 1.0)]);
    let g = LineChart::layout(
        &[s],
        Size {
            width: 200.0,
            height: 120.0,
        },
        Padding::uniform(10.0),
    );
    let xs: Vec<(f64, &str)> = g
        .x_axis
        .ticks
        .iter()
        .map(|t| (t.pos, t.label.as_str()))
        .collect();
    assert_eq!(xs.first(), Some(&(10.0, "0")));
    assert_eq!(xs.last(), Some(&(190.0, "10")));
    let ys = &g.y_axis.ticks;
    assert_eq!((ys[0].label.as_str(), ys[0].pos), ("0", 110.0));
    assert_eq!(
        (ys.last().unwrap().label.as_str(), ys.last().unwrap().pos),
        ("1", 10.0)
    );
}

#[test]
fn no_data_still_gives_a_drawable_chart() {
    let g = LineChart::layout(&[], SQUARE, Padding::default());
    assert_eq!(g.bounds, None);
    assert!(g.series.is_empty());
    assert!(g.x_axis.ticks.len() >= 2 && g.y_axis.ticks.len() >= 2);
    assert!(all_numbers_finite(&g));

    let empty = series("loss", &[]);
    let g = LineChart::layout(&[empty], SQUARE, Padding::default());
    assert_eq!(g.series[0].d, "");
    assert!(g.series[0].points.is_empty());
    assert!(all_numbers_finite(&g));
}

#[test]
fn a_single_point_or_a_flat_metric_is_drawn_in_the_middle() {
    let g = LineChart::layout(
        &[series("acc", &[(5.0, 0.9)])],
        SQUARE,
        Padding::uniform(0.0),
    );
    assert_eq!(g.series[0].d, "M 50 50");
    assert!(all_numbers_finite(&g));

    let flat = series("lr", &[(0.0, 3e-4), (100.0, 3e-4)]);
    let g = LineChart::layout(&[flat], SQUARE, Padding::uniform(0.0));
    assert_eq!(g.series[0].d, "M 0 50 L 100 50");
}

#[test]
fn a_chart_too_small_for_its_padding_collapses_instead_of_going_negative() {
    let s = series("acc", &[(0.0, 0.0), (1.0, 1.0)]);
    let g = LineChart::layout(
        &[s],
        Size {
            width: 20.0,
            height: f64::NAN,
        },
        Padding::default(),
    );
    assert_eq!((g.plot.width, g.plot.height), (0.0, 0.0));
    assert!(all_numbers_finite(&g));
}

#[test]
fn series_share_the_axes_and_keep_their_counts() {
    let mut raw: Vec<Point> = (0..10)
        .map(|i| Point::new(i as f64, 0.1 * i as f64))
        .collect();
    raw.push(Point::new(10.0, f64::NAN));
    let a = Series::new("train", raw);
    let b = series("val", &[(0.0, 2.0), (5.0, -1.0)]);
    let g = LineChart::layout(&[a, b], SQUARE, Padding::uniform(0.0));
    let bounds = g.bounds.unwrap();
    assert_eq!((bounds.y_min, bounds.y_max, bounds.x_max), (-1.0, 2.0, 9.0));
    assert_eq!((g.series[0].total, g.series[0].non_finite), (11, 1));
    assert_eq!(g.series[0].points.len(), 10);
    assert_eq!(g.series[1].label, "val");
}

#[test]
fn a_hand_built_series_with_nan_breaks_its_line() {
    let s = Series {
        label: "x".into(),
        points: vec![
            Point::new(0.0, 0.0),
            Point::new(1.0, f64::NAN),
            Point::new(2.0, 1.0),
        ],
        total: 3,
        non_finite: 1,
    };
    let g = LineChart::layout(&[s], SQUARE, Padding::uniform(0.0));
    assert_eq!(g.series[0].d, "M 0 100 M 100 0");
    assert!(!g.series[0].d.contains("NaN"));
}

#[test]
fn versions_get_whole_number_ticks_and_production_is_marked() {
    let s = series("auc", &[(1.0, 0.91), (2.0, 0.93), (3.0, 0.92)]);
    let chart = LineChart { integer_x: true };
    let g = chart.geometry(&[s], SQUARE, Padding::uniform(0.0));
    let labels: Vec<&str> = g.x_axis.ticks.iter().map(|t| t.label.as_str()).collect();
    assert_eq!(labels, ["1", "2", "3"]);
    let marks = g.markers(&[
        MarkedPoint {
            point: Point::new(2.0, 0.93),
            title: "v2: 0.93 (Production)".into(),
            highlight: true,
        },
        MarkedPoint {
            point: Point::new(3.0, f64::NAN),
            title: "v3".into(),
            highlight: false,
        },
    ]);
    assert_eq!(marks.len(), 1, "a NaN marker has no place");
    assert_eq!((marks[0].svg_x, marks[0].highlight), (50.0, true));
    assert_eq!(marks[0].title, "v2: 0.93 (Production)");
    let (px, py) = g.project(Point::new(2.0, 0.93));
    assert_eq!((px, py), (50.0, 0.0));
}

#[test]
fn tooltips_name_the_exact_step_and_a_compact_value() {
    let s = series(
        "acc",
        &[(0.0, 0.5), (120.0, 0.912_345), (123_456.0, 12_345.0)],
    );
    let g = LineChart::layout(&[s], SQUARE, Padding::uniform(0.0));
    let titles: Vec<String> = g.series[0].points.iter().map(|p| p.title("step")).collect();
    assert_eq!(
        titles,
        ["step 0: 0.5", "step 120: 0.9123", "step 123456: 12.35k"]
    );
    let t = HoverPoint {
        svg_x: 0.0,
        svg_y: 0.0,
        x: 1.5e9 + 0.25,
        y: f64::NAN,
    };
    assert_eq!(t.title("t"), "t 1.5G: NaN");
}
