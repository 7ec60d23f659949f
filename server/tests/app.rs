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
    let config = Layer {
        data_dir: Some(dir.path().to_path_buf()),
        port: Some(0),
        ..Layer::default()
    }
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
    reg.transition_stage(
        &alice,
        &name,
        Version::new(2).unwrap(),
        Stage::Production,
        true,
    )
    .await
    .unwrap();
    reg.set_alias(
        &alice,
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
        3,
        "{html}"
    );
    assert_eq!(html.matches(">Production<").count(), 1);
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
