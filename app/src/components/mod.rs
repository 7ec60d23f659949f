//! Small pieces every page uses.
use crate::error::UiError;
use leptos::prelude::*;
use pedigree_core::Stage;

/// A stage as a coloured badge.
#[component]
pub fn StageBadge(stage: Stage) -> impl IntoView {
    let class = format!("badge stage-{}", stage.as_str().to_ascii_lowercase());
    view! { <span class=class data-testid="stage">{stage.as_str()}</span> }
}

/// An error, said plainly.
#[component]
pub fn ErrorBox(error: UiError) -> impl IntoView {
    let title = if error.is_not_found() {
        "Not found"
    } else {
        "Error"
    };
    view! {
        <div class="error" data-testid="error" role="alert">
            <strong>{title}</strong>
            <p>{error.to_string()}</p>
        </div>
    }
}

/// Epoch milliseconds as a UTC date and time, the same on server and browser.
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

#[cfg(test)]
mod tests {
    use super::format_time;

    #[test]
    fn formats_epoch_millis_as_utc() {
        assert_eq!(format_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_time(1_795_000_000_000), "2026-11-18 11:06 UTC");
        assert_eq!(format_time(951_782_400_000), "2000-02-29 00:00 UTC");
    }
}
