//! The spine's promises, on both databases: every double comes back with its bits, no
//! concurrent update loses another's change, every write passes the policy with its typed
//! action and subject, every audit event has its outbox row, and both databases have the
//! same schema.
use crate::common::{
    a_model, a_run, a_version, alice, bob, on_model, on_subject, registries, scalar, trail,
    TestRegistry,
};
use pedigree_core::audit::{Action, Subject};
use pedigree_core::names::*;
use pedigree_core::policy::Policy;
use pedigree_core::run::{Metric, RunStatus};
use pedigree_core::service::Registry;
use pedigree_core::store::Backend;
use pedigree_core::user::Actor;
use pedigree_core::Error;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// A deterministic stream of arbitrary 64-bit patterns (xorshift64*), so a failure can be
/// reproduced from the test alone.
fn bit_patterns(mut state: u64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|_| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            f64::from_bits(state.wrapping_mul(0x2545_f491_4f6c_dd1d))
        })
        .collect()
}

/// The doubles a registry must hand back unchanged: the ones from the bug report
/// (`1/(s+3) + s·1e-7`), signed zeros, subnormals, extremes, integers past 2^53, the
/// infinities and NaN, and a few thousand arbitrary bit patterns.
fn hard_doubles() -> Vec<f64> {
    let mut v = vec![
        0.0,
        -0.0,
        f64::MIN_POSITIVE,
        f64::from_bits(1),
        -f64::from_bits(1),
        f64::from_bits(0x000f_ffff_ffff_ffff),
        f64::MAX,
        f64::MIN,
        f64::EPSILON,
        9_007_199_254_740_993.0,
        -4_611_686_018_427_387_904.0,
        1e22,
        0.1,
        1.0 / 3.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
    ];
    v.extend((0..500).map(|s| 1.0 / (s as f64 + 3.0) + s as f64 * 1e-7));
    v.extend(bit_patterns(0x9e37_79b9_7f4a_7c15, 2500));
    v
}

fn same_bits(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

#[tokio::test]
async fn every_logged_double_reads_back_with_the_same_bits() {
    for t in registries().await {
        let reg = &t.reg;
        let run = a_run(reg).await;
        let key = Key::parse("loss").unwrap();
        let values = hard_doubles();
        let points: Vec<Metric> = values
            .iter()
            .enumerate()
            .map(|(i, &value)| Metric {
                key: key.clone(),
                value,
                timestamp: 1_700_000_000_000,
                step: i as i64,
                model_id: None,
                dataset_name: None,
                dataset_digest: None,
            })
            .collect();
        for batch in points.chunks(1000) {
            reg.log_batch(&alice(), &run, batch, &[], &[])
                .await
                .unwrap();
        }
        let back = reg.metric_history(&run, &key).await.unwrap();
        assert_eq!(back.len(), values.len(), "{:?}", t.backend);
        let wrong: Vec<_> = values
            .iter()
            .zip(&back)
            .filter(|(a, b)| !same_bits(**a, b.value))
            .map(|(a, b)| format!("{a:?} came back as {:?}", b.value))
            .collect();
        assert!(
            wrong.is_empty(),
            "{:?}: {} of {} values changed, e.g. {:?}",
            t.backend,
            wrong.len(),
            values.len(),
            &wrong[..wrong.len().min(5)]
        );
        // Every value as a latest value too: one key per value, so the run's latest
        // metrics (read back in one piece) hold all of them.
        let lrun = a_run(reg).await;
        for (c, chunk) in values.chunks(1000).enumerate() {
            let ms: Vec<Metric> = chunk
                .iter()
                .enumerate()
                .map(|(i, &value)| Metric {
                    key: Key::parse(format!("v{c}_{i}")).unwrap(),
                    value,
                    timestamp: 1,
                    step: 0,
                    model_id: None,
                    dataset_name: None,
                    dataset_digest: None,
                })
                .collect();
            reg.log_batch(&alice(), &lrun, &ms, &[], &[]).await.unwrap();
        }
        let latest = reg.get_run(&lrun).await.unwrap().metrics;
        assert_eq!(latest.len(), values.len());
        let wrong: Vec<String> = latest
            .iter()
            .filter_map(|m| {
                let (c, i) = m.key.as_str()[1..].split_once('_').unwrap();
                let want = values[c.parse::<usize>().unwrap() * 1000 + i.parse::<usize>().unwrap()];
                (!same_bits(m.value, want)).then(|| format!("{want:?} came back as {:?}", m.value))
            })
            .collect();
        assert!(
            wrong.is_empty(),
            "{:?}: {} of {} latest values changed, e.g. {:?}",
            t.backend,
            wrong.len(),
            values.len(),
            &wrong[..wrong.len().min(5)]
        );
        // The latest value (the highest step) keeps its bits too, -0.0 included.
        for (i, &value) in [-0.0, f64::from_bits(1), 0.1 + 0.2].iter().enumerate() {
            let k = Key::parse(format!("last{i}")).unwrap();
            let m = Metric {
                key: k.clone(),
                value,
                timestamp: 1,
                step: 1,
                model_id: None,
                dataset_name: None,
                dataset_digest: None,
            };
            reg.log_batch(&alice(), &run, &[m], &[], &[]).await.unwrap();
            let latest = reg.get_run(&run).await.unwrap();
            let got = latest.metrics.iter().find(|m| m.key == k).unwrap().value;
            assert!(
                same_bits(got, value),
                "{:?}: {value:?} latest came back as {got:?}",
                t.backend
            );
        }
    }
}

#[tokio::test]
async fn zero_and_negative_zero_at_one_step_are_two_points() {
    for t in registries().await {
        let reg = &t.reg;
        let run = a_run(reg).await;
        let key = Key::parse("z").unwrap();
        let point = |value| Metric {
            key: key.clone(),
            value,
            timestamp: 5,
            step: 0,
            model_id: None,
            dataset_name: None,
            dataset_digest: None,
        };
        reg.log_batch(
            &alice(),
            &run,
            &[point(0.0), point(-0.0), point(0.0)],
            &[],
            &[],
        )
        .await
        .unwrap();
        let back: Vec<u64> = reg
            .metric_history(&run, &key)
            .await
            .unwrap()
            .iter()
            .map(|m| m.value.to_bits())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(
            back,
            vec![0.0f64.to_bits(), (-0.0f64).to_bits()],
            "{:?}",
            t.backend
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_run_updates_never_lose_each_others_changes() {
    for t in registries().await {
        for attempt in 0..20 {
            let run = a_run(&t.reg).await;
            let (r1, r2) = (t.reg.clone(), t.reg.clone());
            let (id1, id2) = (run.clone(), run.clone());
            let finish = tokio::spawn(async move {
                r1.update_run(&alice(), &id1, Some(RunStatus::Finished), Some(42), None)
                    .await
            });
            let rename = tokio::spawn(async move {
                r2.update_run(&bob(), &id2, None, None, Some(format!("renamed-{attempt}")))
                    .await
            });
            finish.await.unwrap().unwrap();
            rename.await.unwrap().unwrap();
            let info = t.reg.get_run(&run).await.unwrap().info;
            assert_eq!(
                (info.status, info.end_time, info.run_name.as_str()),
                (
                    RunStatus::Finished,
                    Some(42),
                    format!("renamed-{attempt}").as_str()
                ),
                "{:?}, attempt {attempt}: one update was lost",
                t.backend
            );
            // The later event's `before` is the earlier event's `after`: both were read
            // under the run's lock.
            let events = trail(&t.reg, on_subject(&format!("run:{run}")), 2).await;
            assert_eq!(events.len(), 2);
            assert_eq!(
                events[0].before, events[1].after,
                "{:?}: the audit before is stale",
                t.backend
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_model_updates_keep_a_consistent_audit_trail() {
    for t in registries().await {
        let name = ModelName::parse("m").unwrap();
        t.reg
            .create_registered_model(&alice(), name.clone(), "d0".into(), vec![])
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for i in 0..10 {
            let (reg, name) = (t.reg.clone(), name.clone());
            tasks.push(tokio::spawn(async move {
                reg.update_registered_model(&alice(), &name, format!("d{}", i + 1))
                    .await
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        // Newest first: each event's `before` is the `after` of the one before it.
        let events = trail(&t.reg, on_model("m"), 20).await;
        let updates: Vec<_> = events
            .iter()
            .filter(|e| e.action == "registered_model.update")
            .collect();
        assert_eq!(updates.len(), 10);
        for pair in updates.windows(2) {
            assert_eq!(pair[0].before, pair[1].after, "{:?}", t.backend);
        }
        assert_eq!(updates.last().unwrap().before, "\"d0\"", "{:?}", t.backend);
    }
}

/// Records what it was asked and refuses one action.
#[derive(Debug, Default)]
struct Recording {
    asked: Mutex<Vec<(String, Action, Subject)>>,
    refuse: Option<Action>,
}

impl Policy for Recording {
    fn authorize(
        &self,
        actor: &Actor,
        action: Action,
        subject: &Subject,
    ) -> pedigree_core::Result<()> {
        self.asked
            .lock()
            .unwrap()
            .push((actor.name().to_string(), action, subject.clone()));
        if self.refuse == Some(action) {
            return Err(Error::PermissionDenied(format!(
                "{} may not {action}",
                actor.name()
            )));
        }
        Ok(())
    }
}

fn registry_with(t: &TestRegistry, policy: Arc<Recording>) -> Registry {
    t.reg.clone().with_policy(policy)
}

#[tokio::test]
async fn every_write_asks_the_policy_with_its_action_and_subject() {
    for t in registries().await {
        let policy = Arc::new(Recording {
            refuse: Some(Action::AliasSet),
            ..Default::default()
        });
        let reg = registry_with(&t, policy.clone());
        let name = ModelName::parse("gated").unwrap();
        let run = a_run(&reg).await;
        a_model(&reg, &name).await;
        a_version(&reg, &name, &run).await;
        let v1 = Version::new(1).unwrap();
        reg.transition_stage(&bob(), &name, v1, Stage::Production, false)
            .await
            .unwrap();
        let events_before = reg.audit_count(&alice()).await.unwrap();
        let champion = AliasName::parse("champion").unwrap();
        let refused = reg.set_alias(&bob(), &name, champion.clone(), v1).await;
        assert!(
            matches!(&refused, Err(Error::PermissionDenied(m)) if m == "bob may not alias.set"),
            "{refused:?}"
        );
        // A refused write leaves nothing: no alias, no audit event, no outbox row.
        assert!(reg.resolve_alias(&name, &champion).await.is_err());
        assert_eq!(reg.audit_count(&alice()).await.unwrap(), events_before);
        assert_eq!(
            scalar(&t, "SELECT COUNT(*) FROM event_outbox").await,
            events_before
        );
        let asked = policy.asked.lock().unwrap().clone();
        let expected = vec![
            (
                "alice".to_string(),
                Action::RunCreate,
                Subject::Run(run.clone()),
            ),
            (
                "alice".into(),
                Action::RegisteredModelCreate,
                Subject::RegisteredModel(name.clone()),
            ),
            (
                "alice".into(),
                Action::ModelVersionCreate,
                Subject::ModelVersion(name.clone(), v1),
            ),
            (
                "bob".into(),
                Action::ModelVersionTransition,
                Subject::ModelVersion(name.clone(), v1),
            ),
            (
                "bob".into(),
                Action::AliasSet,
                Subject::Alias(name.clone(), champion),
            ),
        ];
        assert_eq!(asked, expected, "{:?}", t.backend);
    }
}

#[tokio::test]
async fn every_audit_event_has_its_outbox_row_and_reads_back_typed() {
    for t in registries().await {
        let reg = &t.reg;
        let name = ModelName::parse("outboxed").unwrap();
        let run = a_run(reg).await;
        reg.log_batch(
            &alice(),
            &run,
            &[Metric {
                key: Key::parse("auc").unwrap(),
                value: 0.9,
                timestamp: 1,
                step: 0,
                model_id: None,
                dataset_name: None,
                dataset_digest: None,
            }],
            &[Tag::parse("lr", "0.1").unwrap()],
            &[],
        )
        .await
        .unwrap();
        reg.create_registered_model(&alice(), name.clone(), String::new(), vec![])
            .await
            .unwrap();
        reg.set_registered_model_tag(&alice(), &name, Tag::parse("team", "risk").unwrap())
            .await
            .unwrap();
        reg.delete_run(&alice(), &run).await.unwrap();
        let events = reg.audit_count(&alice()).await.unwrap();
        assert!(events >= 5);
        assert_eq!(
            scalar(&t, "SELECT COUNT(*) FROM event_outbox").await,
            events
        );
        // Every event is pending, oldest first, with its action and subject.
        let pending: Vec<_> = reg
            .pending_events(1000)
            .await
            .unwrap()
            .into_iter()
            .map(|o| (o.audit_seq, o.action, o.subject, o.delivered_at))
            .collect();
        let mut audited: Vec<_> = trail(reg, Default::default(), 1000)
            .await
            .into_iter()
            .map(|e| (e.seq, e.action, e.subject, None))
            .collect();
        audited.reverse();
        assert_eq!(pending, audited, "{:?}", t.backend);
        for e in trail(reg, Default::default(), 100).await {
            let (action, subject) = (e.action().unwrap(), e.subject().unwrap());
            assert_eq!(
                (action.to_string(), subject.to_string()),
                (e.action, e.subject)
            );
        }
    }
}

/// Tables and their columns as the database itself describes them.
async fn schema(t: &TestRegistry) -> BTreeSet<(String, String)> {
    let mut conn = crate::common::connect(t).await;
    let sql = match t.backend {
        Backend::Sqlite => {
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'"
        }
        Backend::Postgres => {
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'"
        }
    };
    sqlx::query_as::<_, (String, String)>(sql)
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

#[tokio::test]
async fn sqlite_and_postgresql_migrations_make_the_same_tables_and_columns() {
    let regs = registries().await;
    if regs.len() < 2 {
        eprintln!("SKIPPING the schema parity check: it needs PostgreSQL (PEDIGREE_TEST_PG_URL)");
        return;
    }
    let (lite, pg) = (schema(&regs[0]).await, schema(&regs[1]).await);
    assert!(lite.len() > 50, "only {} columns found", lite.len());
    let only_lite: Vec<_> = lite.difference(&pg).collect();
    let only_pg: Vec<_> = pg.difference(&lite).collect();
    assert!(
        only_lite.is_empty() && only_pg.is_empty(),
        "only in SQLite: {only_lite:?}; only in PostgreSQL: {only_pg:?}"
    );
}

#[tokio::test]
async fn a_models_audit_trail_holds_its_own_events_and_no_lookalikes() {
    for t in registries().await {
        let reg = &t.reg;
        for name in ["m_1", "m_1x", "M_1"] {
            reg.create_registered_model(
                &alice(),
                ModelName::parse(name).unwrap(),
                String::new(),
                vec![],
            )
            .await
            .unwrap();
        }
        let m = ModelName::parse("m_1").unwrap();
        reg.set_registered_model_tag(&alice(), &m, Tag::parse("k", "v").unwrap())
            .await
            .unwrap();
        let subjects: Vec<String> = trail(reg, on_model("m_1"), 100)
            .await
            .into_iter()
            .map(|e| e.subject)
            .collect();
        // `_` is no wildcard and case counts, on both databases.
        assert_eq!(
            subjects,
            vec!["registered_model:m_1", "registered_model:m_1"],
            "{:?}",
            t.backend
        );
    }
}
