//! The change-password form: the current password and the new one twice. A user whose
//! password must be changed (a generated first password, an operator's reset) is sent
//! here by the sign-in, and may use nothing else until it is done.
use super::query;
use crate::routes::{self, PasswordError};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ChangePassword() -> impl IntoView {
    let error = query("error");
    let error = move || error.get().and_then(|c| PasswordError::from_code(&c));
    view! {
        <Title text="Change your password · Pedigree"/>
        <h1>"Change your password"</h1>
        <p class="muted">"Choose a new password of at least 12 characters before you go on."</p>
        {move || error().map(|e| view! {
            <p class="error" role="alert" data-testid="password-error">{e.message()}</p>
        })}
        <form method="post" action=routes::CHANGE_PASSWORD class="form" data-testid="password-form">
            <label for="password-current">"Current password"</label>
            <input id="password-current" name="current" type="password" autocomplete="current-password" required/>
            <label for="password-new">"New password"</label>
            <input id="password-new" name="new" type="password" autocomplete="new-password" minlength="12" required/>
            <label for="password-confirm">"New password, again"</label>
            <input id="password-confirm" name="confirm" type="password" autocomplete="new-password" minlength="12" required/>
            <button type="submit">"Change password"</button>
        </form>
    }
}
