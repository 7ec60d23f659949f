//! The dashboard's audit page as a browser without JavaScript meets it, against the real
//! server on port 0: a viewer filtering by actor sees that actor's events and nobody
//! else's, follows "Older →" to the rest and "Newest" back, a bad `from` is a 400 page
//! saying what is wrong, the chain check runs when asked for, and the page's export link
//! downloads exactly the filtered events with the browser's session cookie.
use crate::common::{servers, user_token, Server};
use pedigree_core::access::{Principal, Role, Scope};
use pedigree_core::audit::{AuditFilter, AuditQuery};
use pedigree_core::user::{Actor, Password};
use pedigree_core::{ModelName, UserName};
use std::collections::BTreeSet;

const PASSWORD: &str = "a sturdy passphrase for audits";
const COOKIE: &str = "__Host-pedigree_session";

/// Alice registers 53 models (more than one page of 50), Bob two.
async fn seed(s: &Server) {
    for (who, n) in [("alice", 53), ("bob", 2)] {
        let actor = Actor::new(UserName::parse(who).unwrap());
        for i in 0..n {
            let name = ModelName::parse(format!("{who}-model-{i:02}")).unwrap();
            s.registry
                .create_registered_model(&actor, name, String::new(), vec![])
                .await
                .unwrap();
        }
    }
}

async fn get(s: &Server, path: &str, auth: Auth<'_>) -> (u16, String) {
    let req = s.client.get(s.url(path));
    let req = match auth {
        Auth::Token(t) => req.bearer_auth(t),
        Auth::Cookie(c) => req.header("cookie", format!("{COOKIE}={c}")),
    };
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[derive(Clone, Copy)]
enum Auth<'a> {
    Token(&'a str),
    Cookie(&'a str),
}

/// The `href` of the element with `data-testid="{testid}"` or of the first link inside it,
/// unescaped.
fn link(html: &str, testid: &str) -> Option<String> {
    let at = html.find(&format!(r#"data-testid="{testid}""#))?;
    let rest = &html[html[..at].rfind('<')?..];
    let start = rest.find("href=\"")? + 6;
    let end = rest[start..].find('"')?;
    Some(rest[start..start + end].replace("&amp;", "&"))
}

/// Every `(seq, actor)` of the page's rows.
fn rows(html: &str) -> Vec<(i64, String)> {
    html.split(r#"data-testid="audit-row" data-seq=""#)
        .skip(1)
        .map(|row| {
            let seq = row[..row.find('"').unwrap()].parse().unwrap();
            let actor = row
                .split_once(r#"data-testid="audit-actor">"#)
                .and_then(|(_, r)| r.split_once('<'))
                .map(|(a, _)| a.to_string())
                .unwrap();
            (seq, actor)
        })
        .collect()
}

#[tokio::test]
async fn a_viewer_filters_the_audit_page_pages_back_and_downloads_the_same_events() {
    for s in servers().await {
        filters_pages_and_downloads(&s).await;
    }
}

async fn filters_pages_and_downloads(s: &Server) {
    seed(s).await;
    let vic = user_token(s, "vic", Some(Role::Viewer)).await;
    let alices: BTreeSet<i64> = {
        let filter = AuditFilter {
            actor: Some(UserName::parse("alice").unwrap()),
            ..AuditFilter::default()
        };
        let q = AuditQuery::new(filter).limit(1000).unwrap();
        let page = s.registry.audit_events(&Actor::system(), &q).await.unwrap();
        page.events.iter().map(|e| e.seq).collect()
    };
    assert_eq!(alices.len(), 53);

    let (status, html) = get(
        s,
        "/audit?actor=alice&model=&action=&from=&to=",
        Auth::Token(&vic),
    )
    .await;
    assert_eq!(status, 200, "{html}");
    let first = rows(&html);
    assert_eq!(first.len(), 50, "{html}");
    assert!(first.iter().all(|(_, a)| a == "alice"), "{first:?}");
    assert!(
        first.windows(2).all(|w| w[0].0 > w[1].0),
        "newest first: {first:?}"
    );
    assert!(html.contains("registered_model:alice-model-52"), "{html}");
    assert!(html.contains(r#"href="/models/alice-model-52""#), "{html}");
    assert!(!html.contains("bob-model"), "{html}");
    assert!(link(&html, "audit-newest").is_none(), "{html}");

    let older = link(&html, "audit-older").expect("an Older link");
    assert!(older.starts_with("/audit?actor=alice&cursor=e"), "{older}");
    let (status, html) = get(s, &older, Auth::Token(&vic)).await;
    assert_eq!(status, 200, "{html}");
    let second = rows(&html);
    assert_eq!(second.len(), 3, "{html}");
    assert!(second.iter().all(|(_, a)| a == "alice"), "{second:?}");
    let seen: BTreeSet<i64> = first.iter().chain(&second).map(|(seq, _)| *seq).collect();
    assert_eq!(seen, alices);
    assert!(link(&html, "audit-older").is_none(), "{html}");
    assert_eq!(
        link(&html, "audit-newest").as_deref(),
        Some("/audit?actor=alice")
    );

    // The form says what is filtered, so the next search starts from it.
    assert!(html.contains(r#"name="actor" value="alice""#), "{html}");

    // A browser session downloads what the page's export link names: the same events.
    let name = UserName::parse("mia").unwrap();
    s.registry
        .create_user_with_password(
            &Actor::system(),
            name.clone(),
            String::new(),
            false,
            &Password::new(PASSWORD),
            false,
        )
        .await
        .unwrap();
    s.registry
        .grant(
            &Actor::system(),
            &Principal::User(name),
            &Scope::Global,
            Role::Viewer,
        )
        .await
        .unwrap();
    let cookie = sign_in(s, "mia").await;
    let export = link(&html, "export-csv").expect("a CSV link");
    assert_eq!(
        export,
        "/api/pedigree/v1/audit/export?format=csv&actor=alice"
    );
    let (status, csv) = get(s, &export, Auth::Cookie(&cookie)).await;
    assert_eq!(status, 200, "{csv}");
    assert!(csv.contains("registered_model:alice-model-00"), "{csv}");
    assert!(!csv.contains("bob"), "{csv}");
    assert_eq!(
        csv.matches("registered_model:alice-model-").count(),
        53,
        "{csv}"
    );
}

/// Signs in through the form as a same-origin page would; the session cookie's value.
async fn sign_in(s: &Server, name: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client
        .post(s.url("/sign-in"))
        .header("origin", &s.base)
        .form(&[("name", name), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let set = r.headers()["set-cookie"].to_str().unwrap();
    cookie::Cookie::parse(set).unwrap().value().to_string()
}

#[tokio::test]
async fn bad_filters_are_a_400_page_saying_why_and_the_chain_check_runs_on_request() {
    for s in servers().await {
        bad_filters_and_chain(&s).await;
    }
}

async fn bad_filters_and_chain(s: &Server) {
    seed(s).await;
    let vic = user_token(s, "vic", Some(Role::Viewer)).await;
    let (status, html) = get(s, "/audit?from=yesterday", Auth::Token(&vic)).await;
    assert_eq!(status, 400, "{html}");
    assert!(
        html.contains("Parameter &#x27;from&#x27;") || html.contains("Parameter 'from'"),
        "{html}"
    );
    assert!(
        html.contains(r#"data-testid="audit-filters""#),
        "the form stays: {html}"
    );
    let (status, html) = get(s, "/audit?cursor=e0", Auth::Token(&vic)).await;
    assert_eq!(status, 400, "{html}");
    let (status, html) = get(s, "/audit?action=alias.sett", Auth::Token(&vic)).await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("alias.sett"), "{html}");

    // A filter that matches nothing says so, rather than showing an empty table.
    let (status, html) = get(s, "/audit?actor=nobody", Auth::Token(&vic)).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("No event matches these filters."), "{html}");

    let (_, html) = get(s, "/audit", Auth::Token(&vic)).await;
    assert!(!html.contains("Chain verified"), "{html}");
    let verify = link(&html, "chain").expect("a link to verify the chain");
    assert_eq!(verify, "/audit?verify=1");
    let (status, html) = get(s, &verify, Auth::Token(&vic)).await;
    assert_eq!(status, 200, "{html}");
    let events = s.registry.audit_count(&Actor::system()).await.unwrap();
    assert!(
        html.contains(&format!("Chain verified: {events} events")),
        "{events}: {html}"
    );
}
