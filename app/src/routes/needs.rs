//! What each page needs before it renders (deny by default): the server checks it for
//! every dashboard path (`server/src/shell/permission.rs`) and refuses a path missing
//! here; a server test walks the router's page list against this table. Pages only read
//! (their writes are server functions and forms, each declared too), so the need is
//! viewer, except where the page is how one gets an identity.
use pedigree_core::access::Need;

/// Every page's route pattern (as in [`crate::App`]) with its need.
pub const PAGES: &[(&str, Need)] = &[
    ("/", Need::VIEWER),
    ("/models", Need::VIEWER),
    (super::MODEL_ROUTE, Need::VIEWER),
    (super::VERSION_ROUTE, Need::VIEWER),
    (super::COMPARE_ROUTE, Need::VIEWER),
    ("/experiments", Need::VIEWER),
    (super::EXPERIMENT_ROUTE, Need::VIEWER),
    (super::RUN_ROUTE, Need::VIEWER),
    ("/reviews", Need::VIEWER),
    (super::REVIEW_ROUTE, Need::VIEWER),
    (super::AUDIT, Need::VIEWER),
    (super::ADMIN, Need::ADMIN),
    (super::SIGN_IN, Need::Anyone),
    // A session that must change its password has no actor until it has: the page and
    // its form check the session themselves.
    (super::CHANGE_PASSWORD, Need::Anyone),
];

/// The need of the page whose pattern is `pattern`, in Leptos's (`/models/:name`) or
/// axum's (`/models/{name}`) spelling; `None` for an undeclared one.
pub fn page_need(pattern: &str) -> Option<Need> {
    let leptos = pattern
        .split('/')
        .map(
            |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(param) => format!(":{param}"),
                None => seg.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("/");
    PAGES
        .iter()
        .find(|(p, _)| *p == leptos)
        .map(|(_, need)| *need)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_of_a_pattern_find_its_need_and_unknown_pages_none() {
        assert_eq!(page_need("/models/{name}"), Some(Need::VIEWER));
        assert_eq!(page_need("/models/:name"), Some(Need::VIEWER));
        assert_eq!(page_need("/sign-in"), Some(Need::Anyone));
        assert_eq!(page_need("/admin/secrets"), None);
        assert_eq!(page_need("/models/{name}/x"), None);
    }
}
