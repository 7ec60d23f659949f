//! The dashboard's own forms that are not server functions: signing in, signing out and
//! changing one's password. Each is a plain `application/x-www-form-urlencoded` post to
//! the page's own address (`app::routes::SIGN_IN`, `SIGN_OUT`, `CHANGE_PASSWORD`), so it
//! works before and without hydration, and answers with a redirect (303): on to the page
//! the user wanted, or back to the form with a code the page explains
//! (`app::routes::SignInError`, `PasswordError`).
//!
//! The same core calls as the JSON session endpoints (`crate::api::session`), the same
//! cookie. Cross-site posts never get here: the request shell's origin rule refuses any
//! state-changing request from another site's page (`crate::shell::origin`), and the
//! cookie is `SameSite=Lax`.
use crate::api::session::session_cookie;
use crate::mlflow::error::ApiError;
use crate::shell::auth::session_secret;
use crate::shell::permission::Routes;
use crate::state::AppState;
use app::routes::{self, safe_next, PasswordError, SignInError};
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use pedigree_core::access::Need;
use pedigree_core::service::sessions::Attempt;
use pedigree_core::user::Password;
use pedigree_core::Error;
use serde::Deserialize;
use std::net::SocketAddr;

/// The forms check their own session: a session that must change its password carries
/// no actor until it has, and the password form is how it does.
pub fn router() -> Routes {
    Routes::new()
        .post(routes::SIGN_IN, Need::Anyone, sign_in)
        .post(routes::SIGN_OUT, Need::Anyone, sign_out)
        .post(routes::CHANGE_PASSWORD, Need::Anyone, change_password)
}

#[derive(Deserialize)]
struct SignInForm {
    name: String,
    password: Password,
    /// Where to go once signed in: a path of this site, else the home page.
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
struct PasswordForm {
    current: Password,
    new: Password,
    confirm: Password,
}

/// A 303 to `path` that also sets the session cookie to `cookie`.
fn redirect_with_cookie(path: &str, cookie: axum::http::HeaderValue) -> Response {
    let mut resp = Redirect::to(path).into_response();
    resp.headers_mut().insert(header::SET_COOKIE, cookie);
    resp
}

async fn sign_in(
    State(state): State<AppState>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let client = connect.map(|Extension(ConnectInfo(addr))| addr.ip());
    let previous = session_secret(&headers);
    let next = Some(form.next.as_str()).filter(|n| safe_next(n));
    let attempt = state
        .reg
        .sign_in(&form.name, &form.password, client, previous.as_ref())
        .await;
    match attempt {
        Ok(Attempt::Done(done)) => {
            let now = pedigree_core::time::now_millis();
            let max_age = ((done.absolute_deadline - now) / 1000).max(1);
            let to = if done.must_change_password {
                routes::change_password(None)
            } else {
                next.unwrap_or("/").to_string()
            };
            redirect_with_cookie(&to, session_cookie(done.secret.expose(), max_age))
        }
        Ok(Attempt::Throttled { .. }) => {
            Redirect::to(&routes::sign_in_failed(SignInError::Throttled, next)).into_response()
        }
        Err(Error::Unauthenticated(_)) => {
            Redirect::to(&routes::sign_in_failed(SignInError::Invalid, next)).into_response()
        }
        Err(e) => ApiError(e).into_response(),
    }
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(secret) = session_secret(&headers) {
        if let Err(e) = state.reg.sign_out(&secret).await {
            return ApiError(e).into_response();
        }
    }
    redirect_with_cookie(&routes::home(), session_cookie("", 0))
}

async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Response {
    let back = |e: PasswordError| Redirect::to(&routes::change_password(Some(e))).into_response();
    let Some(secret) = session_secret(&headers) else {
        return back(PasswordError::SignedOut);
    };
    match state.reg.session(&secret).await {
        Ok(Some(_)) => {}
        Ok(None) => return back(PasswordError::SignedOut),
        Err(e) => return ApiError(e).into_response(),
    }
    if form.new != form.confirm {
        return back(PasswordError::Mismatch);
    }
    match state
        .reg
        .change_password(&secret, &form.current, &form.new)
        .await
    {
        Ok(Attempt::Done(())) => Redirect::to(&routes::home()).into_response(),
        Ok(Attempt::Throttled { .. }) => back(PasswordError::Throttled),
        Err(Error::Unauthenticated(_)) => back(PasswordError::Invalid),
        Err(Error::InvalidArgument(_)) => back(PasswordError::Policy),
        Err(e) => ApiError(e).into_response(),
    }
}
