//! The sign-in throttle's rules (ASVS 2.2.1): failed attempts are counted per account and
//! per client address over a sliding window; past a limit, further attempts wait, and the
//! wait doubles with every further failure up to a cap. Nothing is permanent: once the
//! failures age out of the window, the account signs in again, so nobody can lock another
//! user out for longer than the window by guessing wrong on purpose.
//!
//! The counts live in the database (`login_attempts`, `store::sessions`), so every server
//! on it throttles alike; this module only decides.
use crate::time::Millis;
use std::net::IpAddr;

/// Failures older than this no longer count.
pub const WINDOW: Millis = 15 * 60_000;
/// Failures an account may have within the window before attempts must wait.
pub const ACCOUNT_LIMIT: i64 = 5;
/// Failures one client address may have within the window (across accounts: people behind
/// one NAT share it, so it is looser).
pub const ADDRESS_LIMIT: i64 = 20;
/// The first wait, doubled with every failure past the limit.
pub const FIRST_WAIT: Millis = 30_000;
/// The longest wait.
pub const MAX_WAIT: Millis = WINDOW;
/// Attempted names are kept to this many characters (the scope key, the audit event).
pub const MAX_NAME_CHARS: usize = 128;

/// What failures are counted against, and how many it may have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub key: String,
    pub limit: i64,
}

/// The account scope first, then the client address's, when known.
pub fn scopes(name: &str, client: Option<IpAddr>) -> Vec<Scope> {
    let name: String = name.chars().take(MAX_NAME_CHARS).collect();
    let mut out = vec![Scope {
        key: format!("user:{}", name.to_lowercase()),
        limit: ACCOUNT_LIMIT,
    }];
    if let Some(ip) = client {
        out.push(Scope {
            key: format!("ip:{}", canonical(ip)),
            limit: ADDRESS_LIMIT,
        });
    }
    out
}

/// An IPv4 address mapped into IPv6 counts as itself, so a dual-stack listener does not
/// give one client two budgets.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// Seconds to wait, given `count` failures within the window, the last at `last`; `None`
/// when an attempt may go ahead now.
pub fn retry_after(limit: i64, count: i64, last: Option<Millis>, now: Millis) -> Option<u64> {
    if count < limit {
        return None;
    }
    let last = last?;
    let doublings = (count - limit).min(16) as u32;
    let wait = FIRST_WAIT.saturating_mul(1 << doublings).min(MAX_WAIT);
    let until = last + wait;
    (until > now).then(|| ((until - now) as u64).div_ceil(1000).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_start_at_the_limit_double_and_stop_at_the_cap() {
        let now = 1_000_000_000;
        assert_eq!(retry_after(5, 4, Some(now), now), None);
        assert_eq!(retry_after(5, 5, Some(now), now), Some(30));
        assert_eq!(retry_after(5, 6, Some(now), now), Some(60));
        assert_eq!(retry_after(5, 7, Some(now - 20_000), now), Some(100));
        assert_eq!(retry_after(5, 50, Some(now), now), Some(900));
        // The wait is over: the next attempt may go ahead.
        assert_eq!(retry_after(5, 5, Some(now - 30_000), now), None);
    }

    #[test]
    fn accounts_are_counted_case_blind_and_addresses_canonically() {
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(scopes("Alice", Some(mapped)), scopes("alice", Some(v4)));
        assert_eq!(scopes("alice", None).len(), 1);
        assert_eq!(
            scopes(&"x".repeat(10_000), None)[0].key.len(),
            "user:".len() + MAX_NAME_CHARS
        );
    }
}
