//! How long a manager waits for a page of the audit trail over a long log: loads
//! `PEDIGREE_AUDIT_EVENTS` events (200,000 by default; a real hash chain, a registry's mix
//! of actors, actions and subjects) into a fresh SQLite file and, when
//! `PEDIGREE_TEST_PG_URL` is set, a PostgreSQL database, then times the first page and a
//! deep page (90% of the way back through the filter's events) for each kind of filter,
//! with the 0008 indexes and again without them. Prints the figures and the plans; asserts
//! only that the answers are the same either way, never a time.
//!
//! `cargo nextest run -p pedigree-core --test it audit_latency --run-ignored only --no-capture`
use crate::common::{alice, connect, raw, registries, TestRegistry};
use pedigree_core::audit::{chain_hash, Action, AuditCursor, AuditFilter, AuditQuery, AuditRecord};
use pedigree_core::audit::{SubjectFilter, GENESIS_HASH};
use pedigree_core::names::{ModelName, UserName};
use std::time::{Duration, Instant};

/// xorshift64*: the same log on every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const BASE_AT: i64 = 1_793_491_200_000;

/// One event of a registry's usual mix: mostly run logging, some model work, rare users.
fn event(rng: &mut Rng) -> AuditRecord {
    let actor = match rng.below(100) {
        0..=39 => "user-00".to_string(),
        _ => format!("user-{:02}", 1 + rng.below(49)),
    };
    let run = format!("run:{:032x}", rng.below(20_000));
    let m = format!("model-{:03}", rng.below(500));
    let v = 1 + rng.below(30);
    let (action, subject) = match rng.below(1000) {
        0..=599 => (Action::RunLogBatch, run),
        600..=699 => (Action::RunUpdate, run),
        700..=759 => (Action::RunCreate, run),
        760..=799 => (
            Action::ArtifactPut,
            format!("artifact:1/{}/model.pkl", &run[4..]),
        ),
        800..=859 => (Action::ModelVersionSetTag, format!("model_version:{m}/{v}")),
        860..=899 => (Action::ModelVersionCreate, format!("model_version:{m}/{v}")),
        900..=914 => (
            Action::ModelVersionTransition,
            format!("model_version:{m}/{v}"),
        ),
        915..=924 => (Action::AliasSet, format!("registered_model:{m}@champion")),
        925..=974 => (
            Action::RegisteredModelSetTag,
            format!("registered_model:{m}"),
        ),
        975..=989 => (
            Action::ExperimentSetTag,
            format!("experiment:{}", 1 + rng.below(50)),
        ),
        990..=998 => (Action::ReviewApprove, format!("model_version:{m}/{v}")),
        _ => (Action::UserCreate, format!("user:{actor}")),
    };
    AuditRecord {
        actor,
        action: action.as_str().into(),
        subject,
        before: "null".into(),
        after: "{\"key\":\"team\",\"value\":\"risk\"}".into(),
    }
}

/// Appends `n` chained events straight into the table, 500 rows a statement.
async fn load(t: &TestRegistry, n: i64) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut conn = connect(t).await;
    let mut prev = GENESIS_HASH.to_string();
    use sqlx::Connection;
    let mut tx = conn.begin().await.unwrap();
    let mut seq = 0i64;
    while seq < n {
        let rows = 500.min(n - seq);
        let mut sql = String::from(
            "INSERT INTO audit_events (seq, at, actor, action, subject, before, after, prev_hash, hash) VALUES ",
        );
        let mut batch = Vec::new();
        for i in 0..rows {
            seq += 1;
            let at = BASE_AT + seq * 50;
            let r = event(&mut rng);
            let hash = chain_hash(&prev, seq, at, &r);
            let b = i * 9;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${},${},${},${},${},${},${},${},${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8,
                b + 9
            ));
            batch.push((seq, at, r, prev.clone(), hash.clone()));
            prev = hash;
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (seq, at, r, prev_hash, hash) in batch {
            q = q
                .bind(seq)
                .bind(at)
                .bind(r.actor)
                .bind(r.action)
                .bind(r.subject)
                .bind(r.before)
                .bind(r.after)
                .bind(prev_hash)
                .bind(hash);
        }
        q.execute(&mut *tx).await.unwrap();
    }
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(n)
        .bind(&prev)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

fn kinds(n: i64) -> Vec<(&'static str, AuditFilter)> {
    let user = |s: &str| Some(UserName::parse(s).unwrap());
    let model = |s: &str| Some(ModelName::parse(s).unwrap());
    let at = |fraction: f64| BASE_AT + (n as f64 * fraction) as i64 * 50;
    vec![
        ("no filter", AuditFilter::default()),
        (
            "actor (40% of events)",
            AuditFilter {
                actor: user("user-00"),
                ..Default::default()
            },
        ),
        (
            "actor (1.2%)",
            AuditFilter {
                actor: user("user-17"),
                ..Default::default()
            },
        ),
        (
            "model (0.04%)",
            AuditFilter {
                model: model("model-042"),
                ..Default::default()
            },
        ),
        (
            "action (1.5%)",
            AuditFilter {
                actions: vec![Action::ModelVersionTransition],
                ..Default::default()
            },
        ),
        (
            "3 actions (3.4%)",
            AuditFilter {
                actions: vec![
                    Action::AliasSet,
                    Action::ModelVersionTransition,
                    Action::ReviewApprove,
                ],
                ..Default::default()
            },
        ),
        (
            "subject exact",
            AuditFilter {
                subject: Some(SubjectFilter::Exact("registered_model:model-042".into())),
                ..Default::default()
            },
        ),
        (
            "subject prefix (4%)",
            AuditFilter {
                subject: Some(SubjectFilter::Prefix("artifact:1/".into())),
                ..Default::default()
            },
        ),
        (
            "subject prefix (0.01%)",
            AuditFilter {
                subject: Some(SubjectFilter::Prefix("model_version:model-042/1".into())),
                ..Default::default()
            },
        ),
        (
            "time: last 10%",
            AuditFilter {
                from: Some(at(0.9)),
                ..Default::default()
            },
        ),
        (
            "time: 40%..50%",
            AuditFilter {
                from: Some(at(0.4)),
                to: Some(at(0.5)),
                ..Default::default()
            },
        ),
        (
            "model + action",
            AuditFilter {
                model: model("model-042"),
                actions: vec![Action::ModelVersionSetTag],
                ..Default::default()
            },
        ),
    ]
}

/// The cursor 90% of the way back through the filter's events (`None` if there are few).
async fn deep_cursor(t: &TestRegistry, f: &AuditFilter) -> (usize, Option<AuditCursor>) {
    let mut seqs = Vec::new();
    let mut cursor = None;
    loop {
        let q = AuditQuery::new(f.clone())
            .limit(1000)
            .unwrap()
            .cursor(cursor);
        let page = t.reg.audit_events(&alice(), &q).await.unwrap();
        seqs.extend(page.events.iter().map(|e| e.seq));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let at = seqs.len() * 9 / 10;
    (
        seqs.len(),
        (at > 0).then(|| AuditCursor::after(seqs[at]).unwrap()),
    )
}

/// The median of seven runs of one page, and its events' numbers.
async fn time(t: &TestRegistry, f: &AuditFilter, c: Option<AuditCursor>) -> (Duration, Vec<i64>) {
    let q = AuditQuery::new(f.clone()).cursor(c);
    let mut times = Vec::new();
    let mut seqs = Vec::new();
    for _ in 0..7 {
        let start = Instant::now();
        let page = t.reg.audit_events(&alice(), &q).await.unwrap();
        times.push(start.elapsed());
        seqs = page.events.iter().map(|e| e.seq).collect();
    }
    times.sort();
    (times[3], seqs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: loads 200,000 events; run on its own"]
async fn audit_latency() {
    let n: i64 = std::env::var("PEDIGREE_AUDIT_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    for t in registries().await {
        let started = Instant::now();
        load(&t, n).await;
        if t.backend == pedigree_core::store::Backend::Postgres {
            raw(&t, "ANALYZE audit_events").await.unwrap();
        }
        println!(
            "\n{:?}: {n} events loaded in {:.1} s",
            t.backend,
            started.elapsed().as_secs_f64()
        );
        let mut rows = Vec::new();
        for (name, f) in kinds(n) {
            let (matching, deep) = deep_cursor(&t, &f).await;
            let first = time(&t, &f, None).await;
            let deep_page = time(&t, &f, deep).await;
            let mut conn = connect(&t).await;
            let plan = pedigree_core::store::audit::explain(
                &mut conn,
                &f,
                pedigree_core::store::audit::Walk::NewestBefore(i64::MAX),
                101,
            )
            .await
            .unwrap();
            rows.push((name, f, matching, deep, first, deep_page, plan));
        }
        let started = Instant::now();
        let verified = t.reg.verify_audit(&alice()).await.unwrap();
        let verify_time = started.elapsed();
        assert!(matches!(
            verified,
            pedigree_core::audit::VerifyOutcome::Ok { .. }
        ));
        let started = Instant::now();
        let exported = {
            use futures::TryStreamExt;
            let s = t
                .reg
                .audit_export(&alice(), AuditFilter::default())
                .await
                .unwrap();
            s.try_fold(0u64, |n, _| async move { Ok(n + 1) })
                .await
                .unwrap()
        };
        let export_time = started.elapsed();
        assert_eq!(exported as i64, n);
        for index in [
            "audit_events_actor",
            "audit_events_action",
            "audit_events_model",
        ] {
            raw(&t, &format!("DROP INDEX {index}")).await.unwrap();
        }
        if t.backend == pedigree_core::store::Backend::Postgres {
            raw(&t, "ANALYZE audit_events").await.unwrap();
        }
        println!(
            "| filter | events | first page: 0008 | without | deep page: 0008 | without |\n|---|---|---|---|---|---|"
        );
        for (name, f, matching, deep, first, deep_page, plan) in rows {
            let first_before = time(&t, &f, None).await;
            let deep_before = time(&t, &f, deep).await;
            assert_eq!(
                first.1, first_before.1,
                "{name}: the indexes changed the answer"
            );
            assert_eq!(
                deep_page.1, deep_before.1,
                "{name}: the indexes changed the answer"
            );
            let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
            println!(
                "| {name} | {matching} | {} | {} | {} | {} |",
                ms(first.0),
                ms(first_before.0),
                ms(deep_page.0),
                ms(deep_before.0)
            );
            eprintln!("  plan for {name}: {}", plan.join(" / "));
        }
        println!(
            "verify (whole chain): {:.0} ms; export (whole log, streamed): {:.0} ms",
            verify_time.as_secs_f64() * 1000.0,
            export_time.as_secs_f64() * 1000.0
        );
    }
}
