//! The audit trail as the dashboard reads it: one filtered page of events, newest first,
//! and the check of the whole hash chain. Reading the trail needs an identity the
//! registry knows (the core decides who may: viewers and above).
use crate::error::UiError;
use crate::routes::AuditLinkQuery;
use leptos::prelude::*;
use pedigree_core::audit::{AuditPage, VerifyOutcome};

/// Events per page of the audit page.
pub const PAGE_SIZE: i64 = 50;

/// The page of events the audit page's query string asks for; a filter or cursor that does
/// not parse is an invalid-argument error naming it.
#[server(prefix = "/_app", endpoint = "audit/list")]
pub async fn audit_list(query: AuditLinkQuery) -> Result<AuditPage, UiError> {
    let q = pedigree_core::audit::AuditQuery::new(query.filter()?)
        .limit(PAGE_SIZE)?
        .cursor(query.cursor()?);
    let cx = super::ctx::ctx()?;
    Ok(cx.registry.audit_events(reader(&cx)?, &q).await?)
}

/// Walks the whole chain and says whether it holds, or where it first breaks.
#[server(prefix = "/_app", endpoint = "audit/verify")]
pub async fn verify_audit() -> Result<VerifyOutcome, UiError> {
    let cx = super::ctx::ctx()?;
    Ok(cx.registry.verify_audit(reader(&cx)?).await?)
}

#[cfg(feature = "ssr")]
fn reader(cx: &super::ctx::Ctx) -> Result<&pedigree_core::user::Actor, UiError> {
    cx.viewer()
        .ok_or_else(|| UiError::Denied("Sign in to read the audit trail".to_string()))
}
