//! Reading, exporting and verifying the audit log: who may read it, the filtered newest-first
//! pages with their cursors, the export stream, and the chain check with its counts. There
//! is deliberately no API that updates or deletes an event; the database refuses it too.
//! The SQL is in `store::audit`.
use super::Registry;
use crate::audit::{
    chain_hash, AuditCursor, AuditEvent, AuditFilter, AuditPage, AuditQuery, AuditRecord,
    VerifyOutcome, GENESIS_HASH,
};
use crate::error::Result;
use crate::store::audit as store;
use crate::store::audit::Walk;
use crate::user::Actor;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use std::collections::BTreeMap;

/// Events an export reads per query: enough to amortise a round trip, few enough that an
/// export of any length holds only this many in memory and no connection between pages.
const EXPORT_PAGE: i64 = 500;

impl Registry {
    /// Who may read the audit trail: anyone holding a role on the registry as a whole
    /// (viewer and above; a manager is a viewer). Every read of the trail (pages, counts,
    /// exports, the chain check) asks this first.
    pub async fn may_read_audit(&self, actor: &Actor) -> Result<()> {
        self.may_read(actor, None).await
    }

    /// One page of the events `query` asks for, newest first, and the cursor of the next
    /// page when there is one. Events appended while a reader pages back never shift a
    /// page: a cursor names a place in the chain, not an offset.
    pub async fn audit_events(&self, actor: &Actor, query: &AuditQuery) -> Result<AuditPage> {
        self.may_read_audit(actor).await?;
        query.filter.check()?;
        let before = query.cursor.map_or(i64::MAX, AuditCursor::before_seq);
        let limit = query.page_size();
        let mut conn = self.store.acquire().await?;
        // One row more than asked says whether another page follows.
        let mut events = store::filtered(
            &mut conn,
            &query.filter,
            Walk::NewestBefore(before),
            limit + 1,
        )
        .await?;
        let more = events.len() as i64 > limit;
        events.truncate(limit as usize);
        let next_cursor = match events.last() {
            Some(last) if more => Some(AuditCursor::after(last.seq)?),
            _ => None,
        };
        Ok(AuditPage {
            events,
            next_cursor,
        })
    }

    /// Every event `filter` matches, oldest first, as a stream read a page at a time (the
    /// log may be far larger than memory). It ends at the head as it was when the export
    /// began, so what it holds is one consistent stretch of the chain.
    pub async fn audit_export(
        &self,
        actor: &Actor,
        filter: AuditFilter,
    ) -> Result<BoxStream<'static, Result<AuditEvent>>> {
        self.may_read_audit(actor).await?;
        filter.check()?;
        let upto = {
            let mut conn = self.store.acquire().await?;
            store::head(&mut conn).await?.seq
        };
        let st = self.store.clone();
        let pages = stream::try_unfold(Some(0i64), move |after| {
            let (st, filter) = (st.clone(), filter.clone());
            async move {
                let Some(after) = after else {
                    return Ok::<_, crate::Error>(None);
                };
                let mut conn = st.acquire().await?;
                let walk = Walk::OldestAfter { after, upto };
                let page = store::filtered(&mut conn, &filter, walk, EXPORT_PAGE).await?;
                let next = match page.last() {
                    Some(last) if page.len() as i64 == EXPORT_PAGE => Some(last.seq),
                    _ => None,
                };
                Ok(Some((page, next)))
            }
        });
        Ok(pages
            .map_ok(|page| stream::iter(page.into_iter().map(Ok)))
            .try_flatten()
            .boxed())
    }

    /// The number of events in the log.
    pub async fn audit_count(&self, actor: &Actor) -> Result<i64> {
        self.may_read_audit(actor).await?;
        let mut conn = self.store.acquire().await?;
        store::count(&mut conn).await
    }

    /// Walks the whole chain in order, streaming, and names the first event whose sequence,
    /// link or hash does not hold; also checks the head matches the last event. A sound
    /// chain is reported with its number of events per action.
    pub async fn verify_audit(&self, actor: &Actor) -> Result<VerifyOutcome> {
        self.may_read_audit(actor).await?;
        let mut conn = self.store.acquire().await?;
        let mut prev_hash = GENESIS_HASH.to_string();
        let mut expected_seq = 1i64;
        let mut actions = BTreeMap::<String, i64>::new();
        {
            let mut stream = store::stream_in_order(&mut conn);
            while let Some(e) = stream.try_next().await? {
                if e.seq != expected_seq {
                    return Ok(VerifyOutcome::Broken {
                        seq: expected_seq,
                        reason: format!(
                            "event {expected_seq} is missing (next stored event is {})",
                            e.seq
                        ),
                    });
                }
                if e.prev_hash != prev_hash {
                    return Ok(VerifyOutcome::Broken {
                        seq: e.seq,
                        reason: "its link to the previous event does not match".into(),
                    });
                }
                match actions.get_mut(&e.action) {
                    Some(n) => *n += 1,
                    None => {
                        actions.insert(e.action.clone(), 1);
                    }
                }
                let record = AuditRecord {
                    actor: e.actor,
                    action: e.action,
                    subject: e.subject,
                    before: e.before,
                    after: e.after,
                };
                let h = chain_hash(&prev_hash, e.seq, e.at, &record);
                if h != e.hash {
                    return Ok(VerifyOutcome::Broken {
                        seq: e.seq,
                        reason: "its contents do not match its hash (the event was changed)".into(),
                    });
                }
                prev_hash = h;
                expected_seq += 1;
            }
        }
        let store::Head {
            seq: head_seq,
            hash: head_hash,
        } = store::head(&mut conn).await?;
        if head_seq != expected_seq - 1 || head_hash != prev_hash {
            return Ok(VerifyOutcome::Broken {
                seq: expected_seq,
                reason: format!("the chain head records {head_seq} events but {} are stored (events were removed from the end)", expected_seq - 1),
            });
        }
        Ok(VerifyOutcome::Ok {
            events: expected_seq - 1,
            head: prev_hash,
            actions,
        })
    }

    /// Events not yet handed on by the (coming) webhook deliverer, oldest first.
    pub async fn pending_events(&self, limit: i64) -> Result<Vec<crate::store::outbox::OutboxRow>> {
        let mut conn = self.store.acquire().await?;
        crate::store::outbox::pending(&mut conn, limit.clamp(1, 1000)).await
    }
}
