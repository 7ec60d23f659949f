//! Live updates in the browser: one `EventSource` on the server's change feed
//! (`/_app/live`, server-sent events) for the whole app, whose latest change every page can
//! follow. A page turns the feed into a counter of the changes it cares about
//! ([`live_bumps`]) and puts that counter in its resource's source, so it refetches what it
//! shows when someone else acts, without a reload. On the server and before hydration
//! nothing is opened and the counters stay at 0.
use leptos::prelude::*;
use pedigree_core::live::{LiveChange, Topic};

/// The feed's address (the server's `live::LIVE`).
pub const LIVE: &str = "/_app/live";

/// The latest change the feed announced, provided by the [`crate::layout::Shell`].
#[derive(Clone, Copy)]
pub struct Live(pub RwSignal<Option<LiveChange>>);

/// Provides [`Live`] and, in the browser, opens the feed. Called once, by the shell.
pub fn provide_live() -> Live {
    let live = Live(RwSignal::new(None));
    provide_context(live);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| connect(live));
    live
}

#[cfg(feature = "hydrate")]
fn connect(live: Live) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let Ok(source) = web_sys::EventSource::new(LIVE) else {
        return;
    };
    let on_change =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let change = e
                .data()
                .as_string()
                .and_then(|text| serde_json::from_str::<LiveChange>(&text).ok());
            if let Some(change) = change {
                live.0.set(Some(change));
            }
        });
    let _ = source.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
    // The feed lives as long as the app: the browser reconnects it by itself.
    on_change.forget();
    std::mem::forget(source);
}

/// A counter that goes up by one with each change `wanted` accepts.
pub fn live_bumps(wanted: impl Fn(&LiveChange) -> bool + Send + Sync + 'static) -> Memo<u64> {
    let live = use_context::<Live>();
    Memo::new(move |prev: Option<&u64>| {
        let prev = prev.copied().unwrap_or(0);
        match live.and_then(|l| l.0.get()) {
            Some(c) if wanted(&c) => prev + 1,
            _ => prev,
        }
    })
}

/// Whether `c` is about model `name`, or about reviews (which may move its stages).
pub fn touches_model(c: &LiveChange, name: &str) -> bool {
    c.topic == Topic::Reviews || c.model.as_deref() == Some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_page_follows_its_own_model_and_reviews() {
        let change = |topic, model: Option<&str>| LiveChange {
            seq: 1,
            topic,
            model: model.map(str::to_string),
        };
        assert!(touches_model(
            &change(Topic::Models, Some("fraud")),
            "fraud"
        ));
        assert!(!touches_model(
            &change(Topic::Models, Some("churn")),
            "fraud"
        ));
        assert!(touches_model(&change(Topic::Reviews, None), "fraud"));
    }
}
