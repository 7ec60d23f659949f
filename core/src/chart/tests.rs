//! What a chart shows: downsampled curves keep their shape and their ends, axes read well
//! at every scale, and the SVG numbers are the ones a reader would expect.
use super::*;

fn wave(n: usize) -> Vec<Point> {
    (0..n)
        .map(|i| Point::new(i as f64, (i as f64 / 500.0).sin() * 0.1 + 0.8))
        .collect()
}

fn assert_increasing_x(points: &[Point]) {
    for w in points.windows(2) {
        assert!(
            w[0].x < w[1].x,
            "x must increase: {:?} then {:?}",
            w[0],
            w[1]
        );
    }
}

// ----- LTTB -------------------------------------------------------------------------

#[test]
fn lttb_keeps_a_100k_curve_to_threshold_points_with_its_ends_and_its_spike() {
    let mut points = wave(100_000);
    points[54_321].y = 7.5;
    let out = lttb(&points, 500);
    assert_eq!(out.len(), 500);
    assert_eq!(out[0], points[0]);
    assert_eq!(out[499], points[99_999]);
    assert_increasing_x(&out);
    assert!(out.contains(&points[54_321]), "the spike was lost");
    // The curve's range survives too: the wave's troughs and crests are still drawn.
    let lo = out.iter().map(|p| p.y).fold(f64::INFINITY, f64::min);
    assert!(lo < 0.701, "trough lost: lowest kept {lo}");
}

#[test]
fn lttb_leaves_short_input_and_tiny_thresholds_alone() {
    let points = wave(10);
    assert_eq!(lttb(&points, 10), points);
    assert_eq!(lttb(&points, 50), points);
    assert_eq!(lttb(&points, 2), points);
    assert_eq!(lttb(&points, 0), points);
    assert!(lttb(&[], 5).is_empty());
    assert_eq!(lttb(&points, 3).len(), 3);
}

#[test]
fn lttb_never_picks_a_non_finite_value_over_a_finite_one() {
    let mut points = wave(10_000);
    for (i, p) in points.iter_mut().enumerate() {
        if i % 7 == 3 {
            p.y = f64::NAN;
        } else if i % 11 == 5 {
            p.y = f64::INFINITY;
        }
    }
    points[6_000].y = -3.0;
    let out = lttb(&points, 200);
    assert_eq!(out.len(), 200);
    assert_increasing_x(&out);
    // The ends are kept as logged (here the last one is NaN); every bucket between them
    // has finite points, so none of those picks may be non-finite.
    assert!(out[199].y.is_nan());
    assert!(
        out[1..199].iter().all(Point::is_finite),
        "a bucket with finite points chose NaN or Inf"
    );
    assert!(out.contains(&points[6_000]), "a NaN neighbour hid the dip");
}

#[test]
fn lttb_keeps_its_length_through_a_run_of_nan() {
    let mut points = wave(1_000);
    for p in &mut points[300..600] {
        p.y = f64::NAN;
    }
    let out = lttb(&points, 100);
    assert_eq!(out.len(), 100);
    assert_increasing_x(&out);
}

#[test]
fn a_series_counts_what_it_cannot_draw_and_keeps_counting_after_downsampling() {
    let mut raw = wave(1_000);
    raw[10].y = f64::NAN;
    raw[20].y = f64::NEG_INFINITY;
    raw[30].y = f64::INFINITY;
    let s = Series::new("loss", raw);
    assert_eq!((s.total, s.non_finite, s.points.len()), (1_000, 3, 997));
    assert!(!s.is_downsampled());
    let d = downsample(s, 100);
    assert_eq!(d.points.len(), 100);
    assert_eq!(
        (d.label.as_str(), d.total, d.non_finite),
        ("loss", 1_000, 3)
    );
    assert!(d.is_downsampled());
}

#[test]
fn a_series_sorts_steps_logged_out_of_order() {
    let s = Series::new(
        "acc",
        [
            Point::new(2.0, 0.5),
            Point::new(0.0, 0.1),
            Point::new(1.0, 0.3),
        ],
    );
    let xs: Vec<f64> = s.points.iter().map(|p| p.x).collect();
    assert_eq!(xs, [0.0, 1.0, 2.0]);
}

// ----- ticks ------------------------------------------------------------------------

fn labels(lo: f64, hi: f64) -> Vec<String> {
    nice_ticks(lo, hi).labels
}

#[test]
fn ticks_of_common_metric_ranges_read_well() {
    assert_eq!(labels(0.0, 1.0), ["0", "0.2", "0.4", "0.6", "0.8", "1"]);
    assert_eq!(labels(0.9, 0.93), ["0.9", "0.91", "0.92", "0.93"]);
    assert_eq!(labels(1e-6, 3e-5), ["0", "1e-5", "2e-5", "3e-5"]);
    assert_eq!(labels(-5.0, 5.0), ["-6", "-4", "-2", "0", "2", "4", "6"]);
    assert_eq!(labels(0.0, 12_000.0), ["0", "5k", "10k", "15k"]);
    assert_eq!(labels(0.0, 1_500.0), ["0", "0.5k", "1k", "1.5k"]);
    assert_eq!(labels(0.0, 3e6), ["0", "1M", "2M", "3M"]);
}

#[test]
fn a_flat_range_is_widened_around_its_value() {
    let t = nice_ticks(42.0, 42.0);
    assert_eq!(t.labels, ["41", "41.5", "42", "42.5", "43"]);
    assert!(t.min < 42.0 && t.max > 42.0);
    let zero = nice_ticks(0.0, 0.0);
    assert!(zero.min < 0.0 && zero.max > 0.0);
    let tiny = nice_ticks(2e-7, 2e-7);
    assert!(tiny.min < 2e-7 && tiny.max > 2e-7, "{tiny:?}");
    let nan = nice_ticks(f64::NAN, 1.0);
    assert_eq!((nan.min, nan.max), (0.0, 1.0));
    // A diverged run logs values near f64's limits: the axis still has finite ticks.
    for (lo, hi) in [
        (-1e308, 1e308),
        (0.0, f64::MAX),
        (1e300, 1e300),
        (1e18, 1e18 + 1e3),
    ] {
        let t = nice_ticks(lo, hi);
        assert!(
            t.values.iter().all(|v| v.is_finite()),
            "[{lo}, {hi}]: {t:?}"
        );
        assert!(t.max > t.min && t.values.len() >= 2, "[{lo}, {hi}]: {t:?}");
        assert!((t.max - t.min).is_finite(), "[{lo}, {hi}]: {t:?}");
    }
}

#[test]
fn ticks_are_four_to_seven_nice_steps_covering_any_range() {
    // A small LCG: many ranges, reproducible.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    for _ in 0..2_000 {
        let scale = 10f64.powf(next() * 16.0 - 8.0);
        let lo = (next() - 0.5) * scale * 3.0;
        let hi = lo + next() * scale;
        let t = nice_ticks(lo, hi);
        let n = t.values.len();
        assert!((4..=7).contains(&n), "{n} ticks for [{lo}, {hi}]: {t:?}");
        // Bounds within a billionth of a step of a tick snap to it.
        let slack = t.step * 1e-9;
        assert!(
            t.min <= lo + slack && t.max >= hi - slack,
            "[{lo}, {hi}] not covered by {t:?}"
        );
        let mantissa = t.step / 10f64.powf(t.step.log10().floor());
        assert!(
            [1.0, 2.0, 5.0, 10.0]
                .iter()
                .any(|m| (mantissa - m).abs() < 1e-6),
            "step {} for [{lo}, {hi}]",
            t.step
        );
        let mut distinct = t.labels.clone();
        distinct.dedup();
        assert_eq!(distinct.len(), n, "labels repeat: {:?}", t.labels);
    }
}

#[test]
fn integer_ticks_fall_on_whole_numbers() {
    assert_eq!(nice_integer_ticks(1.0, 3.0).labels, ["1", "2", "3"]);
    assert_eq!(nice_integer_ticks(5.0, 5.0).labels, ["4", "5", "6"]);
    assert_eq!(nice_integer_ticks(1.0, 12.0).labels, ["0", "5", "10", "15"]);
}

#[test]
fn values_are_written_compactly_with_four_significant_digits() {
    assert_eq!(format_value(0.912_345), "0.9123");
    assert_eq!(format_value(12_345.0), "12.35k");
    assert_eq!(format_value(3e-5), "3e-5");
    assert_eq!(format_value(-0.5), "-0.5");
    assert_eq!(format_value(120.0), "120");
    assert_eq!(format_value(999_960.0), "1M");
    assert_eq!(format_value(0.0), "0");
    assert_eq!(format_value(f64::NAN), "NaN");
    assert_eq!(format_value(f64::NEG_INFINITY), "-Inf");
    assert_eq!(format_value(2.5e20), "2.5e20");
}

mod geometry;

#[test]
fn powers_of_ten_are_settled_without_the_platforms_log10() {
    // The browser build must compute the very same ticks as the server, or hydration
    // finds different labels; these are the edges where a `log10` one bit off would
    // pick another decade.
    use super::ticks::{decade, pow10};
    for e in -22..=22 {
        let p: f64 = format!("1e{e}").parse().unwrap();
        assert_eq!(pow10(e), p, "10^{e}");
        assert_eq!(decade(p), e, "decade of 1e{e}");
        assert_eq!(decade(p * (1.0 - f64::EPSILON)), e - 1, "just below 1e{e}");
    }
    assert_eq!(decade(999.999), 2);
    assert_eq!(decade(f64::MAX), 308);
}
