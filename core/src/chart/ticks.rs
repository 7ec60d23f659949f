//! Axis ticks at "nice" steps (1, 2 or 5 × 10^k, four to seven of them) and compact number
//! labels (`0.912`, `1.2k`, `3e-5`), so an axis reads at a glance whatever a metric's scale.
use serde::{Deserialize, Serialize};

const MIN_TICKS: usize = 4;
const MAX_TICKS: usize = 7;
const AIM_TICKS: usize = 5;
// Magnitudes never written in full: exponent form beyond them.
const SMALL: f64 = 1e-3;
const LARGE: f64 = 1e15;
/// Unit suffixes by their power of ten.
const UNITS: [(i32, &str); 4] = [(12, "T"), (9, "G"), (6, "M"), (3, "k")];

/// An axis' domain, widened to whole steps, and its ticks with their labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NiceTicks {
    pub min: f64,
    pub max: f64,
    pub step: f64,
    pub values: Vec<f64>,
    pub labels: Vec<String>,
}

/// Ticks covering `[lo, hi]`. A flat range (a single value) is widened around the value and
/// a non-finite bound falls back to `[0, 1]`, so the domain always has a positive span.
pub fn nice_ticks(lo: f64, hi: f64) -> NiceTicks {
    axis_ticks(lo, hi, false)
}

/// Ticks on whole numbers only (version numbers, epochs): a step of at least 1, so a
/// short range gets fewer than four ticks rather than `1.5`.
pub fn nice_integer_ticks(lo: f64, hi: f64) -> NiceTicks {
    axis_ticks(lo, hi, true)
}

pub(super) fn axis_ticks(lo: f64, hi: f64, integer: bool) -> NiceTicks {
    let (lo, hi) = widen(lo, hi, integer);
    let span = hi - lo;
    let top = decade(span);
    let lowest = if integer { (top - 2).max(0) } else { top - 2 };
    let mut best: Option<(usize, Grid)> = None;
    for exp in lowest..=(top + 1).max(lowest) {
        for mult in [1u32, 2, 5] {
            let grid = Grid::new(lo, hi, mult, exp);
            let count = grid.count();
            let miss = count.abs_diff(AIM_TICKS)
                + if (MIN_TICKS..=MAX_TICKS).contains(&count) {
                    0
                } else {
                    100
                };
            // Steps rise, so on equal misses the earlier (finer) grid wins.
            if best.as_ref().is_none_or(|(m, _)| miss < *m) {
                best = Some((miss, grid));
            }
        }
    }
    let grid = best
        .map(|(_, g)| g)
        .expect("candidate steps are never empty");
    let values: Vec<f64> = (grid.first..=grid.last).map(|i| grid.value(i)).collect();
    let style = LabelStyle::for_axis(&values, grid.step());
    NiceTicks {
        min: grid.value(grid.first),
        max: grid.value(grid.last),
        step: grid.step(),
        labels: values.iter().map(|&v| style.label(v)).collect(),
        values,
    }
}

fn widen(lo: f64, hi: f64, integer: bool) -> (f64, f64) {
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    // Keeps the span finite even after rounding out to whole steps, so a chart can
    // divide by it.
    let limit = f64::MAX / 16.0;
    let (lo, hi) = (lo.min(hi).max(-limit), hi.max(lo).min(limit));
    let scale = lo.abs().max(hi.abs());
    if hi - lo > scale * 1e-12 {
        return (lo, hi);
    }
    let mid = (lo + hi) / 2.0;
    if mid == 0.0 || integer {
        return (mid - 1.0, mid + 1.0);
    }
    // One unit of the value's second digit: 42 → [41, 43], 0.9 → [0.89, 0.91].
    let pad = pow10(decade(mid.abs()) - 1);
    (mid - pad, mid + pad)
}

/// Multiples `first..=last` of `mult × 10^exp`; values are computed from integers so that
/// `0.9` is `9 / 10`, not nine additions of `0.1`.
struct Grid {
    mult: u32,
    exp: i32,
    first: i64,
    last: i64,
}

impl Grid {
    fn new(lo: f64, hi: f64, mult: u32, exp: i32) -> Self {
        let step = mult as f64 * pow10(exp);
        // A bound a hair off a multiple (float noise) must not add a whole step.
        let first = (lo / step + 1e-9).floor() as i64;
        let last = (hi / step - 1e-9).ceil() as i64;
        Grid {
            mult,
            exp,
            first,
            last: last.max(first + 1),
        }
    }
    fn count(&self) -> usize {
        (self.last - self.first + 1) as usize
    }
    fn step(&self) -> f64 {
        self.value(1)
    }
    fn value(&self, i: i64) -> f64 {
        let m = (i * self.mult as i64) as f64;
        if self.exp >= 0 {
            m * pow10(self.exp)
        } else {
            m / pow10(-self.exp)
        }
    }
}

/// One way of writing every label of an axis, so labels line up and never mix `500` and
/// `1k` or `0.5` and `5e-1`.
enum LabelStyle {
    Plain {
        decimals: usize,
    },
    Unit {
        unit: f64,
        suffix: &'static str,
        decimals: usize,
    },
    Exponent {
        step_exp: i32,
    },
}

impl LabelStyle {
    fn for_axis(values: &[f64], step: f64) -> Self {
        let largest = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let step_exp = decade(step);
        if !(SMALL..LARGE).contains(&largest) {
            return LabelStyle::Exponent { step_exp };
        }
        if let Some(&(unit_exp, suffix)) = UNITS.iter().find(|(e, _)| largest >= pow10(*e)) {
            return LabelStyle::Unit {
                unit: pow10(unit_exp),
                suffix,
                decimals: (unit_exp - step_exp).max(0) as usize,
            };
        }
        LabelStyle::Plain {
            decimals: (-step_exp).max(0) as usize,
        }
    }

    fn label(&self, v: f64) -> String {
        if v == 0.0 {
            return "0".into();
        }
        match *self {
            LabelStyle::Plain { decimals } => fixed(v, decimals),
            LabelStyle::Unit {
                unit,
                suffix,
                decimals,
            } => format!("{}{suffix}", fixed(v / unit, decimals)),
            LabelStyle::Exponent { step_exp } => {
                let digits = (decade(v.abs()) - step_exp).max(0) as usize;
                exponent(v, digits)
            }
        }
    }
}

/// A value for a tooltip or a legend: four significant digits, in the same compact forms
/// as the tick labels (`0.9123`, `12.35k`, `3e-5`); `NaN`, `Inf` and `-Inf` as such.
pub fn format_value(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Inf" } else { "-Inf" }.into();
    }
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(SMALL..LARGE).contains(&a) {
        return exponent(v, 3);
    }
    for (i, &(exp, suffix)) in UNITS.iter().enumerate() {
        let unit = pow10(exp);
        if a >= unit {
            let text = significant(v / unit, 4);
            // 999.96k rounds to "1000k": say 1M instead.
            if text.trim_start_matches('-').starts_with("1000") && i > 0 {
                let (up, up_suffix) = UNITS[i - 1];
                return format!("{}{up_suffix}", significant(v / pow10(up), 4));
            }
            return format!("{text}{suffix}");
        }
    }
    significant(v, 4)
}

/// 10^e, the same on every platform. The server renders a chart and the browser build
/// renders it again while hydrating: `powi` and `log10` may differ in the last bit between
/// the two, and one tick label that differs breaks hydration. Products of tens are exact
/// up to 1e22 and IEEE rounding is the same everywhere beyond.
pub(super) fn pow10(e: i32) -> f64 {
    let mut p = 1.0f64;
    for _ in 0..e.unsigned_abs().min(400) {
        p *= 10.0;
    }
    if e < 0 {
        1.0 / p
    } else {
        p
    }
}

/// `floor(log10(x))` for a positive `x`, settled by comparing with [`pow10`] so that it
/// does not depend on the platform's `log10` (only the first guess does).
pub(super) fn decade(x: f64) -> i32 {
    let mut e = (x.log10().floor() as i32).clamp(-400, 400);
    while e > -400 && pow10(e) > x {
        e -= 1;
    }
    while e < 400 && pow10(e + 1) <= x {
        e += 1;
    }
    e
}

fn significant(v: f64, digits: i32) -> String {
    let lead = decade(v.abs());
    fixed(v, (digits - 1 - lead).max(0) as usize)
}

pub(super) fn fixed(v: f64, decimals: usize) -> String {
    let s = trim_zeros(format!("{v:.decimals$}"));
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

fn exponent(v: f64, digits: usize) -> String {
    let s = format!("{v:.digits$e}");
    match s.split_once('e') {
        Some((mantissa, exp)) => format!("{}e{exp}", trim_zeros(mantissa.to_string())),
        None => s,
    }
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}
