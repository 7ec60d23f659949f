//! The audit log: the spine of governance. Every mutation appends exactly one event in the
//! same transaction as the change; events are hash-chained so an edited or deleted row is
//! detected by `verify`.
use crate::time::Millis;
use serde::{Deserialize, Serialize};

/// The hash before the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub seq: i64,
    pub at: Millis,
    pub actor: String,
    pub action: String,
    /// What changed, e.g. `registered_model:fraud-detector` or `model_version:fraud-detector/3`.
    pub subject: String,
    /// A JSON summary of the state before, `null` for a creation.
    pub before: String,
    /// A JSON summary of the state after, `null` for a deletion.
    pub after: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The fields an event is made of, before it is chained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub before: String,
    pub after: String,
}

/// The canonical byte form of an event that the chain hashes: length-prefixed fields in a
/// fixed order, so no choice of field contents can make two events collide.
pub fn canonical(seq: i64, at: Millis, r: &AuditRecord) -> Vec<u8> {
    let seq = seq.to_string();
    let at = at.to_string();
    let fields = [
        seq.as_str(),
        at.as_str(),
        &r.actor,
        &r.action,
        &r.subject,
        &r.before,
        &r.after,
    ];
    let mut out = Vec::with_capacity(fields.iter().map(|f| f.len() + 8).sum());
    for f in fields {
        out.extend_from_slice(&(f.len() as u64).to_be_bytes());
        out.extend_from_slice(f.as_bytes());
    }
    out
}

/// `sha256(prev_hash ‖ canonical(event))`, hex.
#[cfg(feature = "server")]
pub fn chain_hash(prev_hash: &str, seq: i64, at: Millis, r: &AuditRecord) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(canonical(seq, at, r));
    hex::encode(h.finalize())
}

/// The outcome of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum VerifyOutcome {
    Ok { events: i64, head: String },
    Broken { seq: i64, reason: String },
}
