//! What the dashboard tests share: users with passwords, a browser that shows redirects,
//! form posts from the site's own pages, signed-in sessions, pages as HTML, and model `m`
//! with a request to review.
use crate::common::Server;
use pedigree_core::access::{Principal, Role, Scope};
use pedigree_core::model_version::NewModelVersion;
use pedigree_core::review::CommentText;
use pedigree_core::run::Metric;
use pedigree_core::service::reviews::OpenRequest;
use pedigree_core::user::{Actor, Password};
use pedigree_core::{Key, ModelName, Stage, Tag, UserName, Version};
use reqwest::redirect::Policy;

pub(super) const PASSWORD: &str = "a sturdy passphrase";
pub(super) const COOKIE: &str = "__Host-pedigree_session";

/// A client that shows redirects instead of following them.
pub(super) fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

pub(super) async fn user(s: &Server, name: &str, role: Option<Role>, must_change: bool) {
    let system = Actor::system();
    let user = UserName::parse(name).unwrap();
    s.registry
        .create_user_with_password(
            &system,
            user.clone(),
            String::new(),
            false,
            &Password::new(PASSWORD),
            must_change,
        )
        .await
        .unwrap();
    if let Some(role) = role {
        s.registry
            .grant(&system, &Principal::User(user), &Scope::Global, role)
            .await
            .unwrap();
    }
}

pub(super) struct Posted {
    pub(super) status: u16,
    pub(super) location: String,
    pub(super) cookie: Option<cookie::Cookie<'static>>,
}

/// Posts a form as a same-origin page would (`Origin` is the server's own).
pub(super) async fn post_form(
    s: &Server,
    path: &str,
    cookie: Option<&str>,
    form: &[(&str, &str)],
) -> Posted {
    let mut req = browser()
        .post(s.url(path))
        .header("origin", &s.base)
        .form(form);
    if let Some(c) = cookie {
        req = req.header("cookie", format!("{COOKIE}={c}"));
    }
    let r = req.send().await.unwrap();
    let header = |name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    Posted {
        status: r.status().as_u16(),
        location: header("location").unwrap_or_default(),
        cookie: header("set-cookie").map(|v| cookie::Cookie::parse(v).unwrap()),
    }
}

/// Signs in through the form and returns the session cookie's value.
pub(super) async fn signed_in(s: &Server, name: &str) -> String {
    let p = post_form(
        s,
        "/sign-in",
        None,
        &[("name", name), ("password", PASSWORD), ("next", "/reviews")],
    )
    .await;
    assert_eq!((p.status, p.location.as_str()), (303, "/reviews"));
    p.cookie.expect("a session cookie").value().to_string()
}

/// The text right inside the first element with `data-testid="{testid}"`.
pub(super) fn text(html: &str, testid: &str) -> Option<String> {
    let at = html.find(&format!(r#"data-testid="{testid}""#))?;
    let rest = &html[at..];
    let start = rest.find('>')? + 1;
    let end = rest[start..].find('<')?;
    Some(rest[start..start + end].to_string())
}

/// A page's status and HTML, as the user of `cookie` (anonymous without).
pub(super) async fn page(s: &Server, path: &str, cookie: Option<&str>) -> (u16, String) {
    let mut req = browser().get(s.url(path));
    if let Some(c) = cookie {
        req = req.header("cookie", format!("{COOKIE}={c}"));
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Model `m` registered by `rita`: v1 in Production with `champion`, v2 from a run with
/// other params and better metrics; `ann` asks for v2 in Production.
pub(super) async fn seeded_request(s: &Server) -> i64 {
    let reg = &s.registry;
    let rita = Actor::new(UserName::parse("rita").unwrap());
    let ann = Actor::new(UserName::parse("ann").unwrap());
    let name = ModelName::parse("m").unwrap();
    reg.create_registered_model(&rita, name.clone(), String::new(), vec![])
        .await
        .unwrap();
    for (lr, auc) in [("0.1", 0.81), ("0.05", 0.87)] {
        let run = reg.create_run(&rita, Default::default()).await.unwrap();
        let id = run.info.run_id;
        let metric = Metric {
            key: Key::parse("auc").unwrap(),
            value: auc,
            timestamp: 1,
            step: 0,
            model_id: None,
            dataset_name: None,
            dataset_digest: None,
        };
        let params = [
            Tag::param("learning_rate", lr).unwrap(),
            Tag::param("max_depth", "6").unwrap(),
        ];
        reg.log_batch(&rita, &id, &[metric], &params, &[])
            .await
            .unwrap();
        reg.create_model_version(
            &rita,
            NewModelVersion {
                name: name.clone(),
                source: format!("runs:/{id}/model"),
                run_id: Some(id.to_string()),
                run_link: String::new(),
                logged_model_id: None,
                description: String::new(),
                tags: vec![],
            },
        )
        .await
        .unwrap();
    }
    let v1 = Version::new(1).unwrap();
    reg.transition_stage(&Actor::system(), &name, v1, Stage::Production, false)
        .await
        .unwrap();
    let champion = pedigree_core::AliasName::parse("champion").unwrap();
    reg.set_alias(&Actor::system(), &name, champion, v1)
        .await
        .unwrap();
    let req = reg
        .open_transition_request(
            &ann,
            OpenRequest {
                name,
                version: Version::new(2).unwrap(),
                to_stage: Stage::Production,
                archive_existing_versions: true,
                comment: CommentText::parse("Better AUC on the new data").unwrap(),
            },
        )
        .await
        .unwrap();
    req.id.get()
}

/// Posts a server action's form as the page's script does (no `Accept: text/html`, so the
/// answer is the action's own, not a redirect).
pub(super) async fn action(s: &Server, endpoint: &str, cookie: &str, form: &[(&str, &str)]) -> u16 {
    browser()
        .post(s.url(&format!("/_app/reviews/{endpoint}")))
        .header("origin", &s.base)
        .header("cookie", format!("{COOKIE}={cookie}"))
        .form(form)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}
