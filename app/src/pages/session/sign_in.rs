//! The sign-in form: a name and a password, posted to the server, which sets the session
//! cookie and sends the browser on (to `next`, to the change-password form when the
//! password must be changed), or back here saying why not.
use super::query;
use crate::routes::{self, safe_next, SignInError};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SignIn() -> impl IntoView {
    let error = query("error");
    let next = query("next");
    let error = move || error.get().and_then(|c| SignInError::from_code(&c));
    let next = move || next.get().filter(|n| safe_next(n)).unwrap_or_default();
    view! {
        <Title text="Sign in · Pedigree"/>
        <h1>"Sign in"</h1>
        {move || error().map(|e| view! {
            <p class="error" role="alert" data-testid="sign-in-error">{e.message()}</p>
        })}
        <form method="post" action=routes::SIGN_IN class="form" data-testid="sign-in-form">
            <input type="hidden" name="next" value=next/>
            <label for="sign-in-name">"User name"</label>
            <input id="sign-in-name" name="name" type="text" autocomplete="username" required/>
            <label for="sign-in-password">"Password"</label>
            <input id="sign-in-password" name="password" type="password" autocomplete="current-password" required/>
            <button type="submit">"Sign in"</button>
        </form>
    }
}
