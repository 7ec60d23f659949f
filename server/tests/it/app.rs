//! Black-box tests of the real application spawned on port 0: health, the dashboard's
//! server-rendered pages over a registry, and graceful shutdown.
use pedigree_core::model_version::NewModelVersion;
use pedigree_core::user::Actor;
use pedigree_core::{AliasName, ModelName, Stage, UserName, Version};
use pedigree_server::config::Layer;
use pedigree_server::Application;

struct Spawned {
    base: String,
    _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn spawn(seed: impl AsyncFnOnce(&pedigree_core::service::Registry)) -> Spawned {
    let dir = tempfile::tempdir().unwrap();
    let config = Layer::default()
        .data_dir(dir.path())
        .port(0)
        .resolve()
        .unwrap();
    let app = Application::build(&config).await.unwrap();
    seed(app.registry()).await;
    let base = format!("http://{}", app.local_addr());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(app.run_until(async move {
        let _ = rx.await;
    }));
    Spawned {
        base,
        _dir: dir,
        stop: Some(tx),
        handle,
    }
}

async fn seed_fraud_detector(reg: &pedigree_core::service::Registry) {
    let alice = Actor::new(UserName::parse("alice").unwrap());
    let name = ModelName::parse("fraud-detector").unwrap();
    reg.create_registered_model(&alice, name.clone(), "Flags transactions".into(), vec![])
        .await
        .unwrap();
    let run = reg
        .create_run(&alice, Default::default())
        .await
        .unwrap()
        .info
        .run_id;
    for _ in 0..3 {
        reg.create_model_version(
            &alice,
            NewModelVersion {
                name: name.clone(),
                source: format!("runs:/{run}/model"),
                run_id: None,
                run_link: String::new(),
                logged_model_id: None,
                description: String::new(),
                tags: vec![],
            },
        )
        .await
        .unwrap();
    }
    // An external reference: files elsewhere, from a run not tracked here.
    reg.create_model_version(
        &alice,
        NewModelVersion {
            name: name.clone(),
            source: "s3://bucket/fraud/model".into(),
            run_id: Some("run_elsewhere".into()),
            run_link: String::new(),
            logged_model_id: None,
            description: String::new(),
            tags: vec![],
        },
    )
    .await
    .unwrap();
    // Seeded as the server itself: the review gate is not what these pages test.
    reg.transition_stage(
        &pedigree_core::user::Actor::system(),
        &name,
        Version::new(2).unwrap(),
        Stage::Production,
        true,
    )
    .await
    .unwrap();
    reg.set_alias(
        &pedigree_core::user::Actor::system(),
        &name,
        AliasName::parse("champion").unwrap(),
        Version::new(2).unwrap(),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn health_answers_200_once_bound() {
    let s = spawn(async |_| {}).await;
    let r = reqwest::get(format!("{}/health", s.base)).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["status"], "ok");
}

#[tokio::test]
async fn the_model_list_and_model_page_are_server_rendered_from_the_registry() {
    let s = spawn(seed_fraud_detector).await;
    let list = reqwest::get(format!("{}/models", s.base)).await.unwrap();
    assert_eq!(list.status(), 200);
    let html = list.text().await.unwrap();
    assert!(html.contains("href=\"/models/fraud-detector\""), "{html}");
    assert!(html.contains("@champion → v2"), "{html}");

    let page = reqwest::get(format!("{}/models/fraud-detector", s.base))
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert_eq!(
        html.matches("data-testid=\"version-row\"").count(),
        4,
        "{html}"
    );
    // The external version says so, and names its run as the reference it is.
    assert_eq!(
        html.matches("data-testid=\"external-source\"").count(),
        1,
        "{html}"
    );
    assert!(html.contains("run_elsewhere (external)"), "{html}");
    // One version in Production (the timeline's lane label says "Production" too).
    assert_eq!(
        html.matches(r#"stage-production">Production<"#).count(),
        1,
        "{html}"
    );
    assert!(html.contains(">@champion<"));
    assert!(
        html.contains("/pkg/pedigree.js"),
        "the page must load the hydration bundle"
    );
}

#[tokio::test]
async fn a_missing_model_is_a_404_page_that_says_so() {
    let s = spawn(async |_| {}).await;
    let r = reqwest::get(format!("{}/models/no-such-model", s.base))
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Registered Model with name=no-such-model not found"),
        "{html}"
    );
    let r = reqwest::get(format!("{}/no/such/page", s.base))
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

/// Names that need percent-encoding in a path segment, with the href the model list must
/// link them by. `a+b` and `a b` sit next to `a%2Bb` so that a `+` read as a space, or a
/// segment decoded twice, shows a wrong model rather than a 404.
const ENCODED_NAMES: &[(&str, &str)] = &[
    ("fraud #2 ü?x", "/models/fraud%20%232%20%C3%BC%3Fx"),
    ("a%b", "/models/a%25b"),
    ("a%2Bb", "/models/a%252Bb"),
    ("a+b", "/models/a%2Bb"),
    ("a b", "/models/a%20b"),
];

/// Registers a model through the MLflow REST API, as a client would.
async fn create_model_over_http(base: &str, name: &str) {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/2.0/mlflow/registered-models/create"))
        .json(&serde_json::json!({ "name": name }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        200,
        "create {name:?}: {}",
        r.text().await.unwrap()
    );
}

/// The `<a ...>` start tag whose href is exactly `href`, if the page has one.
fn anchor_with_href<'a>(html: &'a str, href: &str) -> Option<&'a str> {
    let at = html.find(&format!("href=\"{href}\""))?;
    let start = html[..at].rfind("<a")?;
    let end = at + html[at..].find('>')?;
    Some(&html[start..=end])
}

/// The text inside the element with `data-testid="{testid}"`, hydration markers removed.
fn text_of_testid(html: &str, testid: &str) -> Option<String> {
    let at = html.find(&format!("data-testid=\"{testid}\""))?;
    let open_end = at + html[at..].find('>')? + 1;
    let close = open_end + html[open_end..].find("</")?;
    let mut text = html[open_end..close].replace("<!>", "");
    while let Some(a) = text.find("<!--") {
        let b = a + text[a..].find("-->")? + 3;
        text.replace_range(a..b, "");
    }
    Some(text)
}

#[tokio::test]
async fn links_percent_encode_names_and_lead_to_exactly_that_model() {
    let s = spawn(async |_| {}).await;
    for (name, _) in ENCODED_NAMES {
        create_model_over_http(&s.base, name).await;
    }

    let list = reqwest::get(format!("{}/models", s.base)).await.unwrap();
    assert_eq!(list.status(), 200);
    let html = list.text().await.unwrap();
    assert!(
        !html.contains("href=\"/models/fraud #2"),
        "the raw name must not be an href: {html}"
    );
    for (name, href) in ENCODED_NAMES {
        let a = anchor_with_href(&html, href)
            .unwrap_or_else(|| panic!("no link to {name:?} at {href}: {html}"));
        // A `%25` in the href would come back from the router's in-page navigation as a
        // bare `%` in the address bar, so those links load from the server.
        assert_eq!(a.contains("rel=\"external\""), href.contains("%25"), "{a}");

        let page = reqwest::get(format!("{}{href}", s.base)).await.unwrap();
        assert_eq!(page.status(), 200, "GET {href}");
        let html = page.text().await.unwrap();
        assert_eq!(
            text_of_testid(&html, "model-name").as_deref(),
            Some(*name),
            "GET {href}: {html}"
        );
    }
}

#[tokio::test]
async fn server_functions_answer_at_stable_app_urls_and_mlflow_keeps_its_404() {
    let s = spawn(seed_fraud_detector).await;
    create_model_over_http(&s.base, "fraud #2 ü?x").await;
    let client = reqwest::Client::new();
    let call = |path: &str, body: &str| {
        client
            .post(format!("{}{path}", s.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_string())
            .send()
    };

    let r = call("/_app/models/list", "").await.unwrap();
    assert_eq!(r.status(), 200);
    let list: serde_json::Value = r.json().await.unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    assert_eq!(names.len(), 2, "{list}");
    assert!(names.contains(&"fraud-detector") && names.contains(&"fraud #2 ü?x"));

    let r = call("/_app/models/get", "name=fraud+%232+%C3%BC%3Fx")
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page: serde_json::Value = r.json().await.unwrap();
    assert_eq!(page["model"]["name"], "fraud #2 ü?x", "{page}");

    let r = call("/_app/models/get", "name=no-such-model")
        .await
        .unwrap();
    assert!(!r.status().is_success(), "{}", r.status());
    assert!(r.text().await.unwrap().contains("not found"));

    for path in ["/_app/no/such/function", "/api/2.0/mlflow/no-such-endpoint"] {
        let r = call(path, "").await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error_code"], "ENDPOINT_NOT_FOUND", "{path}: {body}");
    }
}

#[tokio::test]
async fn graceful_shutdown_finishes_and_releases_the_port() {
    let mut s = spawn(async |_| {}).await;
    assert_eq!(
        reqwest::get(format!("{}/health", s.base))
            .await
            .unwrap()
            .status(),
        200
    );
    let _ = s.stop.take().unwrap().send(());
    (&mut s.handle).await.unwrap().unwrap();
    assert!(reqwest::get(format!("{}/health", s.base)).await.is_err());
}

#[tokio::test]
async fn graceful_shutdown_ends_open_live_feeds() {
    let mut s = spawn(async |_| {}).await;
    let mut feed = reqwest::get(format!("{}/_app/live", s.base)).await.unwrap();
    assert_eq!(feed.status(), 200);
    let _ = s.stop.take().unwrap().send(());
    // Without the shutdown ending it, the feed (and so the server) would run forever: the
    // bound only turns that hang into a failure.
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(30), &mut s.handle).await;
    assert!(stopped.is_ok(), "the server waited for the open feed");
    stopped.unwrap().unwrap().unwrap();
    while let Ok(Some(_)) = feed.chunk().await {}
}
