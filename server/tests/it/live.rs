//! The dashboard's live feed (`/_app/live`, server-sent events) against the real server
//! on port 0: a change committed after a page opened the feed arrives as a `change` event
//! naming its model, and a change nobody's page shows (a run) does not. (That graceful
//! shutdown ends open feeds is `app::graceful_shutdown_ends_open_live_feeds`.)
use crate::common::spawn;
use pedigree_core::user::Actor;
use pedigree_core::{ModelName, UserName};
use std::time::Duration;

/// Reads the event stream until a `change` event's data, or gives up after `limit`.
async fn next_change(
    body: &mut reqwest::Response,
    seen: &mut String,
    limit: Duration,
) -> Option<String> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(at) = seen.find("event: change\n") {
            let rest = &seen[at..];
            let end = rest.find("\n\n")?;
            let data = rest[..end]
                .lines()
                .find_map(|l| l.strip_prefix("data: "))
                .map(str::to_string);
            *seen = seen[at + end + 2..].to_string();
            return data;
        }
        let chunk = tokio::time::timeout_at(deadline, body.chunk())
            .await
            .ok()?
            .ok()??;
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test]
async fn a_committed_change_reaches_an_open_feed_naming_its_model() {
    let s = spawn().await;
    let alice = Actor::new(UserName::parse("alice").unwrap());
    let resp = s.client.get(s.url("/_app/live")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let mut body = resp;
    let mut seen = String::new();

    // A run is no page's concern; the model created after it is.
    s.registry
        .create_run(&alice, Default::default())
        .await
        .unwrap();
    let name = ModelName::parse("fraud α").unwrap();
    s.registry
        .create_registered_model(&alice, name, String::new(), vec![])
        .await
        .unwrap();
    let data = next_change(&mut body, &mut seen, Duration::from_secs(20))
        .await
        .expect("a change event");
    let change: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert_eq!(change["topic"], "models", "{data}");
    assert_eq!(change["model"], "fraud α", "{data}");
}
