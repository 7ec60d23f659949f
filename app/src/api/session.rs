//! Who the dashboard is talking to: the signed-in user, their registry-wide role and the
//! number of open requests waiting for them (the top bar shows all three). Signing in and
//! out are plain form posts to the server (`crate::routes::SIGN_IN`, `SIGN_OUT`), not
//! server functions: they set and clear the session cookie and work without JavaScript.
use crate::error::UiError;
use leptos::prelude::*;
use pedigree_core::review_view::Identity;

/// The current actor as the top bar shows it.
#[server(prefix = "/_app", endpoint = "session/me")]
pub async fn who_am_i() -> Result<Identity, UiError> {
    let cx = super::ctx::ctx()?;
    Ok(cx.registry.identity(cx.viewer()).await?)
}
