//! Time as MLflow speaks it: milliseconds since the Unix epoch.

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
