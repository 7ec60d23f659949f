//! Every dashboard URL, in one place: the typed href builders that every link uses, the
//! percent-encoding that makes a path segment out of any name, and the decoding of route
//! params back to that name.
//!
//! Names reach URLs unchanged from the registry (a model may be called `fraud #2 ü?x`), so
//! each builder encodes each segment; pages never format paths themselves. The route
//! patterns these builders match live in [`crate::App`]; `server/tests/it/app.rs` follows the
//! built links to the pages that exist. A builder for a page that does not exist yet is
//! here so that its address is decided once, before links to it appear.
//!
//! Pages read their params with [`use_param`], never with `use_params_map`: leptos_router
//! 0.8 percent-decodes a param twice (once when it matches the route, again when it merges
//! the parent routes' params), so a model called `a%2Bb` would reach the page as `a+b`.
//! [`use_param`] takes the raw segment from the URL and decodes it exactly once; a test
//! below pins the router's behaviour, so an upgrade that fixes it shows up.
mod audit;
mod forms;
mod needs;

pub use audit::{audit_export, audit_page, AuditLinkQuery, ExportLink, AUDIT_EXPORT};
pub use forms::{safe_next, PasswordError, SignInError};
use leptos::prelude::*;
pub use needs::{page_need, PAGES};
use pedigree_core::review::RequestId;
use pedigree_core::review_view::QueueTab;
use pedigree_core::{ExperimentId, Key, ModelName, RunId, Version};

/// The model page's route pattern. `App` repeats it in `path!(...)`, which takes only
/// literals; a test checks the two agree.
pub const MODEL_ROUTE: &str = "/models/:name";

/// The version page's route pattern (see [`MODEL_ROUTE`]).
pub const VERSION_ROUTE: &str = "/models/:name/versions/:version";

/// The compare page's route pattern (see [`MODEL_ROUTE`]).
pub const COMPARE_ROUTE: &str = "/models/:name/compare";

/// The run page's route pattern (see [`MODEL_ROUTE`]).
pub const RUN_ROUTE: &str = "/runs/:id";

/// The experiment page's route pattern (see [`MODEL_ROUTE`]).
pub const EXPERIMENT_ROUTE: &str = "/experiments/:id";

/// The request page's route pattern (see [`MODEL_ROUTE`]).
pub const REVIEW_ROUTE: &str = "/reviews/:id";

/// The sign-in page; its form posts back to the same path, where the server's form
/// handler (`server/src/forms.rs`) signs in, sets the session cookie and redirects.
pub const SIGN_IN: &str = "/sign-in";

/// Where the sign-out button posts (the server's form handler; there is no page).
pub const SIGN_OUT: &str = "/sign-out";

/// The change-password page; its form posts back to the same path.
pub const CHANGE_PASSWORD: &str = "/account/password";

/// The home page, which shows the model list.
pub fn home() -> String {
    "/".to_string()
}

/// The list of registered models.
pub fn models() -> String {
    "/models".to_string()
}

/// One registered model with its versions.
pub fn model(name: &ModelName) -> String {
    format!("/models/{}", encode_segment(name.as_str()))
}

/// One model's page of versions from `offset` (newest first), charting `metric`; the
/// defaults are left out, so the first page is [`model`] itself.
pub fn model_page(name: &ModelName, offset: i64, metric: Option<&Key>) -> String {
    let mut query = Vec::new();
    if offset > 0 {
        query.push(format!("offset={offset}"));
    }
    if let Some(k) = metric {
        query.push(format!("metric={}", encode_segment(k.as_str())));
    }
    match query.is_empty() {
        true => model(name),
        false => format!("{}?{}", model(name), query.join("&")),
    }
}

/// Two versions of a model side by side; `None` leaves the choice to the page (champion
/// against challenger).
pub fn compare(name: &ModelName, base: Option<Version>, other: Option<Version>) -> String {
    let query = [("base", base), ("other", other)]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={v}")))
        .collect::<Vec<_>>()
        .join("&");
    match query.is_empty() {
        true => format!("{}/compare", model(name)),
        false => format!("{}/compare?{query}", model(name)),
    }
}

/// One model version: its run, files, history and lineage.
pub fn version(name: &ModelName, version: Version) -> String {
    format!("{}/versions/{version}", model(name))
}

/// A file of a model version (`path` below the version's root), served by the server with
/// its digest checked as it streams. A plain download, not a page.
pub fn version_file(name: &ModelName, version: Version, path: &str) -> String {
    format!(
        "/model-versions/get-artifact?path={}&name={}&version={version}",
        encode_segment(path),
        encode_segment(name.as_str())
    )
}

/// The list of experiments.
pub fn experiments() -> String {
    "/experiments".to_string()
}

/// One experiment with its runs.
pub fn experiment(id: ExperimentId) -> String {
    format!("/experiments/{id}")
}

/// One experiment's runs matching `filter` in `order_by` order, from page `token` on (the
/// page's search form builds the same address without JavaScript). Empty parts are left out.
pub fn experiment_search(
    id: ExperimentId,
    filter: &str,
    order_by: &str,
    token: Option<&str>,
) -> String {
    let query = [
        ("filter", filter),
        ("order_by", order_by),
        ("page_token", token.unwrap_or_default()),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| format!("{k}={}", encode_segment(v)))
    .collect::<Vec<_>>()
    .join("&");
    match query.is_empty() {
        true => experiment(id),
        false => format!("{}?{query}", experiment(id)),
    }
}

/// One run: params, metrics, datasets and the versions registered from it. Run ids are
/// globally unique, so the run's experiment is not part of its address.
pub fn run(id: &RunId) -> String {
    format!("/runs/{}", encode_segment(id.as_str()))
}

/// Stage transitions waiting for a reviewer.
pub fn reviews() -> String {
    "/reviews".to_string()
}

/// One tab of the review queue.
pub fn reviews_tab(tab: QueueTab) -> String {
    format!("/reviews?tab={}", tab.as_str())
}

/// One transition request.
pub fn review(id: RequestId) -> String {
    format!("/reviews/{id}")
}

/// The sign-in page.
pub fn sign_in() -> String {
    SIGN_IN.to_string()
}

/// The sign-in page, coming back to `next` (a path of this site) once signed in.
pub fn sign_in_then(next: &str) -> String {
    format!("{SIGN_IN}?next={}", encode_segment(next))
}

/// The sign-in page saying why the last attempt failed (`error`, one of
/// [`SignInError`]'s codes).
pub fn sign_in_failed(error: SignInError, next: Option<&str>) -> String {
    let next = next
        .filter(|n| safe_next(n))
        .map(|n| format!("&next={}", encode_segment(n)))
        .unwrap_or_default();
    format!("{SIGN_IN}?error={}{next}", error.code())
}

/// The change-password page, saying why the last attempt failed when `error` is given.
pub fn change_password(error: Option<PasswordError>) -> String {
    match error {
        Some(e) => format!("{CHANGE_PASSWORD}?error={}", e.code()),
        None => CHANGE_PASSWORD.to_string(),
    }
}

/// The audit trail, newest first (filtered and paged: [`audit_page`]).
pub fn audit() -> String {
    AUDIT.to_string()
}

/// The audit page's route.
pub const AUDIT: &str = "/audit";

/// The administrator's read-only page: users, teams, grants.
pub const ADMIN: &str = "/admin";

/// The administrator's page.
pub fn admin() -> String {
    ADMIN.to_string()
}

/// Percent-encodes one path segment: RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`)
/// pass through and every other byte of the UTF-8 becomes `%XX`. Stricter than the URL
/// standard's path set on purpose: `#`, `?`, `%`, `+`, `;` and spaces all mean something
/// somewhere between the browser, the router and the server.
pub fn encode_segment(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}

/// Decodes one path segment exactly once, the inverse of [`encode_segment`]. A `%` not
/// followed by two hex digits stays as it is (browsers send it so), and bytes that are not
/// UTF-8 become U+FFFD, so any address decodes to some name and the page says what is missing.
pub fn decode_segment(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        char::from(b)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let escaped = match (b[i], b.get(i + 1), b.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) => hex(h).zip(hex(l)).map(|(h, l)| h << 4 | l),
            _ => None,
        };
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The `:key` segment of `pattern` in `path`, decoded once; `None` when `path` has no such
/// segment. Patterns and paths start with `/`, so their segments line up one to one.
pub fn param_in(pattern: &str, key: &str, path: &str) -> Option<String> {
    let index = pattern
        .split('/')
        .position(|seg| seg.strip_prefix(':') == Some(key))?;
    path.split('/').nth(index).map(decode_segment)
}

/// The current route's `:key` param (of `pattern`, one of the `*_ROUTE` constants), decoded
/// exactly once. Reads the route's own URL, which keeps its last value while the router
/// navigates away, so a page being left does not reload with another page's address.
pub fn use_param(pattern: &'static str, key: &'static str) -> Memo<String> {
    let url = leptos_router::hooks::use_url();
    Memo::new(move |_| url.with(|u| param_in(pattern, key, u.path()).unwrap_or_default()))
}

/// Whether following `href` must be a full page load rather than the router's in-page
/// navigation. The router records its new address after `decodeURI`, which turns `%25` back
/// into a bare `%`, so for a name such as `a%2Bb` the address bar (and so reload, back and
/// forward) would point at `a+b`. The server decodes exactly once, so such links load from it.
pub fn needs_full_load(href: &str) -> bool {
    href.contains("%25")
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: &[&str] = &[
        "fraud #2 ü?x",
        "a%b",
        "a%2Bb",
        "a+b",
        "ü",
        "two words",
        "  padded  ",
        "semi;colon&amp=eq",
        "emoji 🚀",
        "plain-name_1.0~x",
    ];

    #[test]
    fn encoding_round_trips_and_leaves_only_unreserved_characters() {
        for name in NAMES {
            let enc = encode_segment(name);
            assert!(
                enc.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)),
                "{name:?} -> {enc:?}"
            );
            assert_eq!(decode_segment(&enc), *name, "{enc:?}");
        }
    }

    #[test]
    fn encodes_utf8_bytes_in_upper_case_hex() {
        assert_eq!(encode_segment("fraud #2 ü?x"), "fraud%20%232%20%C3%BC%3Fx");
        assert_eq!(encode_segment("a%b"), "a%25b");
        assert_eq!(encode_segment("a+b"), "a%2Bb");
        assert_eq!(encode_segment("ü"), "%C3%BC");
        assert_eq!(encode_segment("plain-name_1.0~x"), "plain-name_1.0~x");
        assert_eq!(encode_segment(""), "");
    }

    #[test]
    fn decoding_is_lenient_about_what_browsers_send_as_is() {
        assert_eq!(decode_segment("a%b"), "a%b");
        assert_eq!(decode_segment("100%"), "100%");
        assert_eq!(decode_segment("%c3%bc"), "ü");
        assert_eq!(decode_segment("fraud #2 ü?x"), "fraud #2 ü?x");
        assert_eq!(decode_segment("a+b"), "a+b", "a + is not a space in a path");
        assert_eq!(decode_segment("%FF"), "\u{FFFD}");
    }

    #[test]
    fn a_param_is_its_segment_decoded_exactly_once() {
        for name in NAMES {
            let path = format!("/models/{}", encode_segment(name));
            assert_eq!(param_in(MODEL_ROUTE, "name", &path).as_deref(), Some(*name));
        }
        let pattern = "/models/:name/versions/:version";
        let path = "/models/a%252Bb/versions/3";
        assert_eq!(param_in(pattern, "name", path).as_deref(), Some("a%2Bb"));
        assert_eq!(param_in(pattern, "version", path).as_deref(), Some("3"));
        assert_eq!(param_in(pattern, "nope", path), None);
        assert_eq!(param_in(pattern, "version", "/models/x"), None);
    }

    /// Why pages use `use_param`: leptos_router 0.8 decodes each route param when it matches
    /// the route and again when it collects the params of the route and its parents (the
    /// second `collect` below, as in its `nested_router.rs`). If this starts failing after an
    /// upgrade, the router decodes once and `use_params_map` would do.
    #[cfg(feature = "ssr")]
    #[test]
    fn leptos_router_decodes_route_params_twice() {
        use leptos_router::params::ParamsMap;
        let matched: ParamsMap = [("name", encode_segment("a%2Bb"))].into_iter().collect();
        assert_eq!(matched.get("name").as_deref(), Some("a%2Bb"));
        let merged: ParamsMap = matched.into_iter().collect();
        assert_eq!(merged.get("name").as_deref(), Some("a+b"));
    }

    /// The `*_ROUTE` constants and the form addresses are the patterns `App` declares.
    #[cfg(feature = "ssr")]
    #[tokio::test]
    async fn route_constants_match_the_router() {
        let routes = leptos_axum::generate_route_list(crate::App);
        let paths: Vec<String> = routes.iter().map(|r| r.path().to_string()).collect();
        for pattern in [
            MODEL_ROUTE,
            VERSION_ROUTE,
            COMPARE_ROUTE,
            RUN_ROUTE,
            EXPERIMENT_ROUTE,
            REVIEW_ROUTE,
        ] {
            let axum_style = pattern
                .split('/')
                .map(|seg| match seg.strip_prefix(':') {
                    Some(key) => format!("{{{key}}}"),
                    None => seg.to_string(),
                })
                .collect::<Vec<_>>()
                .join("/");
            assert!(paths.contains(&axum_style), "{axum_style} in {paths:?}");
        }
        for page in [SIGN_IN, CHANGE_PASSWORD, AUDIT, ADMIN] {
            assert!(paths.iter().any(|p| p == page), "{page} in {paths:?}");
        }
    }

    #[test]
    fn builders_encode_every_segment() {
        let name = ModelName::parse("fraud #2 ü?x").unwrap();
        assert_eq!(model(&name), "/models/fraud%20%232%20%C3%BC%3Fx");
        let auc = Key::parse("val auc").unwrap();
        assert_eq!(model_page(&name, 0, None), model(&name));
        let v3 = Version::new(3).unwrap();
        assert_eq!(
            compare(&name, None, None),
            format!("{}/compare", model(&name))
        );
        assert_eq!(
            compare(&name, Some(v3), None),
            format!("{}/compare?base=3", model(&name))
        );
        assert_eq!(
            model_page(&name, 50, Some(&auc)),
            "/models/fraud%20%232%20%C3%BC%3Fx?offset=50&metric=val%20auc"
        );
        assert_eq!(
            version(&name, Version::new(3).unwrap()),
            "/models/fraud%20%232%20%C3%BC%3Fx/versions/3"
        );
        assert_eq!(
            version_file(&name, Version::new(3).unwrap(), "model/MLmodel"),
            "/model-versions/get-artifact?path=model%2FMLmodel&name=fraud%20%232%20%C3%BC%3Fx&version=3"
        );
        assert_eq!(experiment(ExperimentId::new(7).unwrap()), "/experiments/7");
        let seven = ExperimentId::new(7).unwrap();
        assert_eq!(experiment_search(seven, "", "", None), "/experiments/7");
        assert_eq!(
            experiment_search(seven, "metrics.auc > 0.9", "", Some("t=1")),
            "/experiments/7?filter=metrics.auc%20%3E%200.9&page_token=t%3D1"
        );
        let run_id = RunId::parse("0123456789abcdef0123456789abcdef").unwrap();
        assert_eq!(run(&run_id), "/runs/0123456789abcdef0123456789abcdef");
        assert_eq!(models(), "/models");
        assert_eq!(home(), "/");
        assert_eq!(review(RequestId::new(4).unwrap()), "/reviews/4");
        assert_eq!(reviews_tab(QueueTab::Mine), "/reviews?tab=mine");
        assert_eq!(sign_in_then("/reviews/4"), "/sign-in?next=%2Freviews%2F4");
        assert_eq!(
            sign_in_failed(SignInError::Invalid, Some("//evil.example")),
            "/sign-in?error=invalid"
        );
        assert_eq!(
            sign_in_failed(SignInError::Throttled, Some("/reviews")),
            "/sign-in?error=throttled&next=%2Freviews"
        );
        assert_eq!(
            change_password(Some(PasswordError::Mismatch)),
            "/account/password?error=mismatch"
        );
    }

    #[test]
    fn only_links_with_an_encoded_percent_need_a_full_load() {
        let href = |s: &str| model(&ModelName::parse(s).unwrap());
        assert!(!needs_full_load(&href("fraud #2 ü?x")));
        assert!(!needs_full_load(&href("a+b")));
        assert!(needs_full_load(&href("a%b")));
        assert!(needs_full_load(&href("a%2Bb")));
    }
}
