//! Deny by default, walked: every route the server declares (`shell::permission::Routes`)
//! is requested by a caller without its role and must be refused before its handler runs;
//! a caller holding the role gets past the check; and every page and server function
//! Leptos mounts has a declared need, so none is served by accident.
use crate::common::{servers_with, Server};
use pedigree_core::access::{Need, Role};
use pedigree_server::config::Layer;
use pedigree_server::shell::permission::app_need;

/// Servers (SQLite, and PostgreSQL when configured) where nobody holds a role without a
/// grant.
async fn closed() -> Vec<Server> {
    let mut layer = Layer::default();
    layer.auth.default_role = Some("none".into());
    layer.auth.anonymous_role = Some("none".into());
    servers_with(layer).await
}

async fn token(s: &Server, name: &str, role: Option<Role>) -> String {
    crate::common::user_token(s, name, role).await
}

/// The declared pattern with every parameter filled in.
fn concrete(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|seg| {
            if seg.starts_with("{*") {
                "x/y".to_string()
            } else if seg.starts_with('{') {
                "1".to_string()
            } else {
                seg.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn request(
    s: &Server,
    token: Option<&str>,
    method: &reqwest::Method,
    path: &str,
) -> (u16, String) {
    let mut r = s
        .client
        .request(method.clone(), s.url(path))
        .header("content-type", "application/json")
        .body("{}");
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    // A live feed admitted never ends: its head is the answer.
    let endless = r
        .headers()
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    if endless {
        return (status, String::new());
    }
    (status, r.text().await.unwrap())
}

#[tokio::test]
async fn every_declared_route_refuses_callers_without_its_role_and_admits_those_with_it() {
    for s in closed().await {
        walk(&s).await;
    }
}

async fn walk(s: &Server) {
    let nobody = token(s, "nobody", None).await;
    let holders = [
        (Role::Viewer, token(s, "vic", Some(Role::Viewer)).await),
        (
            Role::Contributor,
            token(s, "cora", Some(Role::Contributor)).await,
        ),
        (Role::Approver, token(s, "abe", Some(Role::Approver)).await),
        (Role::Admin, token(s, "ada", Some(Role::Admin)).await),
    ];
    let declared = pedigree_server::routes::declared();
    assert!(
        declared.declared().len() > 80,
        "{}",
        declared.declared().len()
    );
    let mut gated = 0;
    for d in declared.declared() {
        let method = reqwest::Method::from_bytes(d.method.as_str().as_bytes()).unwrap();
        let path = concrete(&d.path);
        let Need::Role(role) = d.need else {
            continue;
        };
        gated += 1;
        // Without any identity and without a role: refused by the check, whose message
        // names the role (a handler's own refusal would name the subject instead).
        for (who, tok) in [("anonymous", None), ("nobody", Some(nobody.as_str()))] {
            let (status, body) = request(s, tok, &method, &path).await;
            assert!(
                status == 401 || status == 403,
                "{} {path} as {who}: {status} {body}",
                d.method
            );
            assert!(
                body.contains("PERMISSION_DENIED") || body.contains("UNAUTHENTICATED"),
                "{body}"
            );
            assert!(
                body.contains(role.as_str()),
                "{} {path} as {who}: {body}",
                d.method
            );
        }
        for (held, tok) in &holders {
            let (status, body) = request(s, Some(tok), &method, &path).await;
            let refused_by_check = (status == 401 || status == 403) && body.contains("this needs");
            assert_eq!(
                refused_by_check,
                *held < role,
                "{} {path} with {held}: {status} {body}",
                d.method
            );
        }
    }
    assert!(gated > 70, "{gated}");
}

#[tokio::test]
async fn every_page_and_server_function_has_a_declared_need() {
    for route in leptos_axum::generate_route_list(app::App) {
        let path = route.path().to_string();
        assert!(
            app_need(&axum::http::Method::GET, &path).is_some(),
            "page {path} declares no need (app::routes::PAGES)"
        );
    }
    let mut fns = 0;
    for (path, method) in leptos::server_fn::axum::server_fn_paths() {
        fns += 1;
        let method = axum::http::Method::from_bytes(method.as_str().as_bytes()).unwrap();
        assert!(
            app_need(&method, path).is_some(),
            "server function {path} declares no need (app::api::NEEDS)"
        );
    }
    assert!(fns >= 8, "{fns}");
}

#[tokio::test]
async fn a_viewer_calling_the_approve_server_function_directly_is_refused() {
    for s in closed().await {
        viewer_approves(&s).await;
    }
}

async fn viewer_approves(s: &Server) {
    let vic = token(s, "vic", Some(Role::Viewer)).await;
    let r = s
        .client
        .post(s.url("/_app/reviews/approve"))
        .bearer_auth(&vic)
        .form(&[("id", "1"), ("comment", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let body = r.text().await.unwrap();
    assert!(body.contains("approver"), "{body}");
}
