//! Time as MLflow speaks it: milliseconds since the Unix epoch; and the one RFC 3339 reader
//! and writer the audit trail's filters and exports use (UTC out, any offset in). Written
//! here rather than taken from a date crate: the proleptic Gregorian calendar is two small
//! functions, and nothing else in the registry needs time zones.
use crate::error::{Error, Result};

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

/// The current time in epoch milliseconds. Only meaningful on the server.
#[cfg(feature = "server")]
pub fn now_millis() -> Millis {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Where the services read the time from: the system clock, or (loading a history such as
/// the demo registry's, and in tests) a clock someone else moves.
#[cfg(feature = "server")]
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Millis;
}

/// The system clock.
#[cfg(feature = "server")]
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

#[cfg(feature = "server")]
impl Clock for SystemClock {
    fn now(&self) -> Millis {
        now_millis()
    }
}

/// A clock that stands still until it is set or advanced (never backwards).
#[cfg(feature = "server")]
#[derive(Debug, Default)]
pub struct ManualClock(std::sync::atomic::AtomicI64);

#[cfg(feature = "server")]
impl ManualClock {
    pub fn at(t: Millis) -> ManualClock {
        ManualClock(std::sync::atomic::AtomicI64::new(t))
    }
    /// Moves the clock on by `ms` (at least 1 ms, so events stay in order).
    pub fn advance(&self, ms: Millis) {
        self.0
            .fetch_add(ms.max(1), std::sync::atomic::Ordering::SeqCst);
    }
}

#[cfg(feature = "server")]
impl Clock for ManualClock {
    fn now(&self) -> Millis {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

const MS_PER_DAY: i64 = 86_400_000;

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (`civil_from_days`): (year, month, day).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `2026-11-01T09:30:00.250Z`: UTC, always three fractional digits, so exported rows sort
/// as text in time order (years 0000 to 9999; the audit log holds nothing outside them).
pub fn format_rfc3339_millis(ms: Millis) -> String {
    let days = ms.div_euclid(MS_PER_DAY);
    let in_day = ms.rem_euclid(MS_PER_DAY);
    let (y, mo, d) = civil_from_days(days);
    let (h, mi, s, frac) = (
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000,
    );
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{frac:03}Z")
}

/// A point in time as a person or a script writes it: epoch milliseconds (`1793491200000`)
/// or RFC 3339 with a `Z` or `±HH:MM` offset (`2026-11-01T00:00:00Z`,
/// `2026-11-01T02:00:00.5+02:00`). Fractions finer than a millisecond are cut off; leap
/// seconds (`:60`) are refused rather than guessed at.
pub fn parse_timestamp(text: &str) -> Result<Millis> {
    let bad = |why: &str| {
        Error::invalid(format!(
            "Invalid time '{text}': {why} (use epoch milliseconds or RFC 3339 such as 2026-11-01T00:00:00Z)"
        ))
    };
    let s = text.trim();
    if s.is_empty() {
        return Err(bad("it is empty"));
    }
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.bytes().all(|b| b.is_ascii_digit()) && !digits.is_empty() {
        return s.parse::<i64>().map_err(|_| bad("out of range"));
    }
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Result<i64> {
        let part = b
            .get(from..from + len)
            .ok_or_else(|| bad("it is cut short"))?;
        if !part.iter().all(u8::is_ascii_digit) {
            return Err(bad("a digit was expected"));
        }
        Ok(part.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
    };
    let sep = |at: usize, allowed: &[u8]| -> Result<()> {
        match b.get(at) {
            Some(c) if allowed.contains(c) => Ok(()),
            _ => Err(bad("it is not in RFC 3339 form")),
        }
    };
    let (y, mo, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    sep(4, b"-")?;
    sep(7, b"-")?;
    sep(10, b"Tt ")?;
    let (h, mi, sec) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    sep(13, b":")?;
    sep(16, b":")?;
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return Err(bad("no such date"));
    }
    if h > 23 || mi > 59 || sec > 59 {
        return Err(bad("no such time of day"));
    }
    let mut at = 19;
    let mut frac_ms = 0i64;
    if b.get(at) == Some(&b'.') {
        let start = at + 1;
        let len = b[start..].iter().take_while(|c| c.is_ascii_digit()).count();
        if len == 0 {
            return Err(bad("a fraction needs digits"));
        }
        let ms_digits = &b[start..start + len.min(3)];
        frac_ms = ms_digits
            .iter()
            .fold(0i64, |n, d| n * 10 + i64::from(d - b'0'))
            * 10i64.pow(3 - ms_digits.len() as u32);
        at = start + len;
    }
    let offset_min = match b.get(at) {
        Some(b'Z' | b'z') if at + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if at + 6 == b.len() => {
            sep(at + 3, b":")?;
            let (oh, om) = (num(at + 1, 2)?, num(at + 4, 2)?);
            if oh > 23 || om > 59 {
                return Err(bad("no such offset"));
            }
            let m = oh * 60 + om;
            if *sign == b'-' {
                -m
            } else {
                m
            }
        }
        _ => return Err(bad("it needs a Z or a ±HH:MM offset")),
    };
    let local =
        days_from_civil(y, mo, d) * MS_PER_DAY + ((h * 60 + mi) * 60 + sec) * 1000 + frac_ms;
    Ok(local - offset_min * 60_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_with_milliseconds() {
        assert_eq!(format_rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            format_rfc3339_millis(1_793_491_200_000),
            "2026-11-01T00:00:00.000Z"
        );
        assert_eq!(
            format_rfc3339_millis(951_825_600_007),
            "2000-02-29T12:00:00.007Z"
        );
        assert_eq!(format_rfc3339_millis(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(
            format_rfc3339_millis(253_402_300_799_999),
            "9999-12-31T23:59:59.999Z"
        );
    }

    #[test]
    fn parses_epoch_millis_and_rfc3339_with_offsets() {
        assert_eq!(parse_timestamp("1793491200000").unwrap(), 1_793_491_200_000);
        assert_eq!(parse_timestamp("-5").unwrap(), -5);
        assert_eq!(
            parse_timestamp("2026-11-01T00:00:00Z").unwrap(),
            1_793_491_200_000
        );
        // The same instant written in Paris summer time and in New York.
        assert_eq!(
            parse_timestamp("2026-11-01T02:00:00+02:00").unwrap(),
            1_793_491_200_000
        );
        assert_eq!(
            parse_timestamp("2026-10-31T19:30:00-04:30").unwrap(),
            1_793_491_200_000
        );
        assert_eq!(
            parse_timestamp("2026-11-01t00:00:00.25z").unwrap(),
            1_793_491_200_250
        );
        assert_eq!(
            parse_timestamp("2026-11-01 00:00:00.123456789Z").unwrap(),
            1_793_491_200_123
        );
        assert_eq!(
            parse_timestamp("2000-02-29T00:00:00Z").unwrap(),
            951_782_400_000
        );
    }

    #[test]
    fn every_formatted_time_parses_back() {
        for ms in [
            0,
            1,
            999,
            86_399_999,
            951_825_600_007,
            1_793_491_200_000,
            4_102_444_800_000,
            -86_400_001,
        ] {
            assert_eq!(parse_timestamp(&format_rfc3339_millis(ms)).unwrap(), ms);
        }
    }

    #[test]
    fn refuses_what_is_not_a_time() {
        for bad in [
            "",
            "yesterday",
            "2026-11-01",
            "2026-11-01T00:00:00",
            "2026-11-01T00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-11-01T24:00:00Z",
            "2026-11-01T23:60:00Z",
            "2026-11-01T23:59:60Z",
            "2026-11-01T00:00:00.Z",
            "2026-11-01T00:00:00+2:00",
            "2026-11-01T00:00:00+02:00x",
            "2026-11-01T00:00:00+24:00",
            "2026-11-01T00:00:00UTC",
            "99999999999999999999",
            "1e12",
            "+1793491200000",
            "２026-11-01T00:00:00Z",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
