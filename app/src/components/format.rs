//! Plain-text formatting of values, identical on the server and in the browser (hydration
//! compares the two), so nothing here may depend on the local clock, time zone or locale.

/// What an absent value shows as.
pub const DASH: &str = "—";

/// Epoch milliseconds as a UTC date and time.
pub fn format_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm), so no date crate ships to the browser.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60
    )
}

/// How long ago `then` was at `now` (both epoch milliseconds), coarsely: `just now`,
/// `5 min`, `3 h`, `2 d`.
pub fn format_age(then: i64, now: i64) -> String {
    let mins = (now - then).max(0) / 60_000;
    match mins {
        0 => "just now".into(),
        1..=59 => format!("{mins} min"),
        60..=2879 => format!("{} h", mins / 60),
        _ => format!("{} d", mins / 1440),
    }
}

/// A metric value: up to six significant decimals, NaN and infinities spelled out.
pub fn format_metric(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "∞".into()
        } else {
            "−∞".into()
        };
    }
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// A difference with its sign (`+0.012`, `−0.3`, `0`).
pub fn format_delta(d: f64) -> String {
    let text = format_metric(d.abs());
    if d.is_nan() || text == "0" {
        text
    } else if d > 0.0 {
        format!("+{text}")
    } else {
        format!("−{text}")
    }
}

/// A version number as the dashboard writes it (`v3`), or a dash when there is none.
pub fn version_or_dash(v: Option<pedigree_core::Version>) -> String {
    v.map(|v| format!("v{v}")).unwrap_or_else(|| DASH.into())
}

/// The first characters of a long hex id (a run id), enough to tell runs apart on a page.
pub fn short_id(id: &str) -> String {
    id.chars().take(8).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_epoch_millis_as_utc() {
        assert_eq!(format_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_time(1_795_000_000_000), "2026-11-18 11:06 UTC");
        assert_eq!(format_time(951_782_400_000), "2000-02-29 00:00 UTC");
        assert_eq!(format_time(-1), "1969-12-31 23:59 UTC");
    }

    #[test]
    fn ages_metrics_and_deltas() {
        assert_eq!(format_age(0, 30_000), "just now");
        assert_eq!(format_age(0, 5 * 60_000), "5 min");
        assert_eq!(format_age(0, 3 * 3_600_000), "3 h");
        assert_eq!(format_age(0, 3 * 86_400_000), "3 d");
        assert_eq!(format_age(10, 0), "just now");
        assert_eq!(format_metric(0.912345678), "0.912346");
        assert_eq!(format_metric(2.0), "2");
        assert_eq!(format_metric(-0.0000001), "0");
        assert_eq!(format_metric(f64::NAN), "NaN");
        assert_eq!(format_metric(f64::NEG_INFINITY), "−∞");
        assert_eq!(format_delta(0.05), "+0.05");
        assert_eq!(format_delta(-0.3), "−0.3");
        assert_eq!(format_delta(0.0), "0");
    }

    #[test]
    fn versions_and_ids() {
        let v = pedigree_core::Version::new(2).unwrap();
        assert_eq!(version_or_dash(Some(v)), "v2");
        assert_eq!(version_or_dash(None), DASH);
        assert_eq!(short_id("0123456789abcdef"), "01234567");
        assert_eq!(short_id("abc"), "abc");
    }
}
