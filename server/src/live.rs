//! `GET /_app/live`: the dashboard's live updates, as server-sent events. Each `change`
//! event carries a `pedigree_core::live::LiveChange` (the topic and, for a model, its
//! name); the page then refetches what it shows through its usual checked reads. The
//! feed is the event outbox, polled per connection, so a change committed on any replica
//! reaches every open page within one poll and a change that rolled back never does.
use crate::shell::permission::Routes;
use crate::state::AppState;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Extension;
use futures::stream::{self, Stream, StreamExt};
use pedigree_core::access::Need;
use pedigree_core::live::LiveChange;
use pedigree_core::user::Actor;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

/// How often an open page's feed looks for new changes.
const POLL: Duration = Duration::from_millis(500);

/// The live feed's address.
pub const LIVE: &str = "/_app/live";

pub fn router() -> Routes {
    Routes::new().get(LIVE, Need::VIEWER, live)
}

struct Feed {
    state: AppState,
    actor: Option<Actor>,
    seq: i64,
    queue: VecDeque<LiveChange>,
}

async fn live(
    State(state): State<AppState>,
    actor: Option<Extension<Actor>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    // Changes from now on: what the page loaded already shows everything before.
    let seq = state.reg.change_head().await.unwrap_or(0);
    let closing = state.closing.clone();
    let feed = Feed {
        state,
        actor: actor.map(|Extension(a)| a),
        seq,
        queue: VecDeque::new(),
    };
    let events = stream::unfold(feed, |mut f| async move {
        loop {
            if let Some(change) = f.queue.pop_front() {
                let event = Event::default()
                    .event("change")
                    .id(change.seq.to_string())
                    .json_data(&change)
                    .unwrap_or_else(|_| Event::default().event("change"));
                return Some((Ok(event), f));
            }
            tokio::time::sleep(POLL).await;
            match f.state.reg.live_changes(f.actor.as_ref(), f.seq).await {
                Ok((changes, last)) => {
                    f.seq = last;
                    f.queue.extend(changes);
                }
                // A database hiccup: the page keeps what it shows and the feed tries again.
                Err(e) => tracing::warn!(error = %e, "live feed read failed"),
            }
        }
    })
    .take_until(closing.cancelled_owned());
    Sse::new(events).keep_alive(KeepAlive::default())
}
