//! Signing in and changing one's password. Both forms post to the server's form handlers
//! (`crate::routes::SIGN_IN`, `CHANGE_PASSWORD`) as plain HTML forms, so they work before
//! and without hydration; a failure comes back as a redirect to the same page with a code
//! ([`crate::routes::SignInError`], [`crate::routes::PasswordError`]) the page shows.
mod password;
mod sign_in;

pub use password::ChangePassword;
pub use sign_in::SignIn;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The query parameter `key` of the current URL.
fn query(key: &'static str) -> Memo<Option<String>> {
    let q = use_query_map();
    Memo::new(move |_| q.with(|q| q.get(key)))
}
