//! The registry's people and access as an administrator reads them: accounts, teams and
//! grants. Read only; changes go through the CLI and the API. The server admits only
//! admins to these paths, and each call asks the core again, so a wiring mistake in the
//! route table cannot open them.
use crate::error::UiError;
use leptos::prelude::*;
use pedigree_core::access::{Grant, Team};
use pedigree_core::user::Account;

/// Every account, with whether it has a password and must change it.
#[server(prefix = "/_app", endpoint = "admin/users")]
pub async fn list_users() -> Result<Vec<Account>, UiError> {
    let cx = admin().await?;
    Ok(cx.registry.list_accounts().await?)
}

/// Every team with its members.
#[server(prefix = "/_app", endpoint = "admin/teams")]
pub async fn list_teams() -> Result<Vec<Team>, UiError> {
    let cx = admin().await?;
    Ok(cx.registry.teams().await?)
}

/// Every grant, registry-wide and per model.
#[server(prefix = "/_app", endpoint = "admin/grants")]
pub async fn list_grants() -> Result<Vec<Grant>, UiError> {
    let cx = admin().await?;
    Ok(cx.registry.grants(None).await?)
}

#[cfg(feature = "ssr")]
async fn admin() -> Result<super::ctx::Ctx, UiError> {
    let cx = super::ctx::ctx()?;
    cx.registry
        .may_reach(cx.viewer(), pedigree_core::access::Need::ADMIN)
        .await?;
    Ok(cx)
}
