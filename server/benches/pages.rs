//! Server render times of the dashboard at the scale: one model with 1,000
//! versions, a run with 100,000 points of one metric, and 100,000 audit events.
//!
//! The registry is seeded once through its services (not timed; a couple of minutes,
//! progress on stderr) in a data directory under /dev/shm when there is one, so seeding is
//! not bound by the disk's fsyncs; the timed reads are served from the page cache either
//! way. Each case is then timed twice: by criterion (its median is the p50), and by a plain
//! loop of sequential requests whose p50/p95 are printed in one summary line per case.
//!
//! A page this branch does not serve (a 404 or 403) is reported as missing, not timed.
//!
//! `nice -n 10 cargo bench -p pedigree-server --bench pages`
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use pedigree_core::model_version::NewModelVersion;
use pedigree_core::run::Metric;
use pedigree_core::service::runs::NewRun;
use pedigree_core::service::Registry;
use pedigree_core::user::Actor;
use pedigree_core::{Key, ModelName, RunId, Tag, UserName};
use pedigree_server::config::Layer;
use pedigree_server::Application;

const MODEL: &str = "bench-model";
const VERSIONS: usize = 1_000;
const SERIES_POINTS: usize = 100_000;
const AUDIT_EVENTS: i64 = 100_000;
const CHART_POINTS: usize = 500;
/// Requests in the summary loop of each case.
const LOOP_SAMPLES: usize = 200;

struct Fixture {
    base: String,
    registry: Registry,
    series_run: RunId,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

fn key(k: &str) -> Key {
    Key::parse(k).unwrap()
}

fn metric(k: &str, value: f64, step: i64) -> Metric {
    Metric {
        key: key(k),
        value,
        timestamp: 1_700_000_000_000 + step,
        step,
        model_id: None,
        dataset_name: None,
        dataset_digest: None,
    }
}

async fn seed(reg: &Registry) -> RunId {
    let alice = Actor::new(UserName::parse("alice").unwrap());
    let name = ModelName::parse(MODEL).unwrap();
    let started = Instant::now();
    reg.create_registered_model(&alice, name.clone(), "Benchmark model".into(), vec![])
        .await
        .unwrap();
    for v in 0..VERSIONS {
        let run = reg
            .create_run(&alice, NewRun::default())
            .await
            .unwrap()
            .info
            .run_id;
        let params = [
            Tag::parse("lr", format!("0.{v:03}")).unwrap(),
            Tag::parse("depth", (v % 12).to_string()).unwrap(),
            Tag::parse("optimizer", "adam").unwrap(),
        ];
        let metrics = [
            metric("accuracy", 0.8 + v as f64 / 10_000.0, 10),
            metric("loss", 1.0 / (v + 1) as f64, 10),
            metric("f1", 0.7 + v as f64 / 20_000.0, 10),
        ];
        reg.log_batch(&alice, &run, &metrics, &params, &[])
            .await
            .unwrap();
        reg.create_model_version(
            &alice,
            NewModelVersion {
                name: name.clone(),
                source: format!("runs:/{run}/model"),
                run_id: Some(run.to_string()),
                run_link: String::new(),
                logged_model_id: None,
                description: format!("Version {} of the benchmark model.", v + 1),
                tags: vec![],
            },
        )
        .await
        .unwrap();
        if (v + 1) % 250 == 0 {
            eprintln!("seed: {} versions ({:.0?})", v + 1, started.elapsed());
        }
    }

    let series_run = reg
        .create_run(&alice, NewRun::default())
        .await
        .unwrap()
        .info
        .run_id;
    for chunk in (0..SERIES_POINTS as i64).collect::<Vec<_>>().chunks(1_000) {
        let points: Vec<Metric> = chunk
            .iter()
            .map(|&s| {
                metric(
                    "loss",
                    (-(s as f64) / 20_000.0).exp() + (s % 97) as f64 / 1e3,
                    s,
                )
            })
            .collect();
        reg.log_batch(&alice, &series_run, &points, &[], &[])
            .await
            .unwrap();
    }
    eprintln!(
        "seed: {SERIES_POINTS} metric points ({:.0?})",
        started.elapsed()
    );

    // One event per tag write; top up whatever the writes above produced to the target.
    let system = Actor::system();
    let mut events = reg.audit_count(&system).await.unwrap();
    let mut i = 0u64;
    while events < AUDIT_EVENTS {
        reg.set_run_tag(
            &alice,
            &series_run,
            Tag::parse("note", format!("revision {i}")).unwrap(),
        )
        .await
        .unwrap();
        i += 1;
        events += 1;
        if events % 10_000 == 0 {
            eprintln!("seed: {events} audit events ({:.0?})", started.elapsed());
        }
    }
    let counted = reg.audit_count(&system).await.unwrap();
    eprintln!(
        "seed: done, {counted} audit events in all ({:.0?})",
        started.elapsed()
    );
    series_run
}

async fn start() -> Fixture {
    let shm = std::path::Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm).unwrap()
    } else {
        tempfile::tempdir().unwrap()
    };
    // A known password, so startup does not print a one-time one into the bench's output.
    let config = Layer::default()
        .bootstrap_admin("admin", "a sturdy bench passphrase")
        .data_dir(dir.path())
        .port(0)
        .resolve()
        .unwrap();
    let app = Application::build(&config).await.unwrap();
    let series_run = seed(app.registry()).await;
    let registry = app.registry().clone();
    let base = format!("http://{}", app.local_addr());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = rx.await;
    }));
    Fixture {
        base,
        registry,
        series_run,
        _dir: dir,
        _stop: tx,
    }
}

async fn get(client: &reqwest::Client, url: &str) -> (u16, usize) {
    let r = client.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.bytes().await.unwrap().len())
}

async fn chart(f: &Fixture) -> usize {
    let series = f
        .registry
        .metric_series(&f.series_run, &[key("loss")], CHART_POINTS)
        .await
        .unwrap();
    series[0].points.len()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn summary(case: &str, mut samples: Vec<Duration>, note: &str) {
    samples.sort();
    eprintln!(
        "summary: {case}: p50 {:.1} ms, p95 {:.1} ms over {} requests{note}",
        percentile(&samples, 0.5).as_secs_f64() * 1e3,
        percentile(&samples, 0.95).as_secs_f64() * 1e3,
        samples.len(),
    );
}

fn pages(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fixture = rt.block_on(start());
    let client = reqwest::Client::new();
    let f = &fixture;

    let mut group = c.benchmark_group("dashboard");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8));

    let pages = [
        ("model_page", format!("{}/models/{MODEL}", f.base)),
        (
            "version_page",
            format!("{}/models/{MODEL}/versions/{}", f.base, VERSIONS / 2),
        ),
        ("audit_page", format!("{}/audit", f.base)),
    ];
    for (case, url) in &pages {
        let (status, bytes) = rt.block_on(get(&client, url));
        if status == 403 || status == 404 {
            eprintln!("summary: {case}: missing on this branch (GET {url} answered {status})");
            continue;
        }
        assert_eq!(status, 200, "GET {url}");
        let samples = (0..LOOP_SAMPLES)
            .map(|_| {
                let t = Instant::now();
                rt.block_on(get(&client, url));
                t.elapsed()
            })
            .collect();
        summary(case, samples, &format!(", {} KiB of HTML", bytes / 1024));
        group.bench_function(*case, |b| b.iter(|| rt.block_on(get(&client, url))));
    }

    // No server function serves chart data on this branch: the registry read the page's
    // chart would make, 100,000 points down to 500.
    assert_eq!(rt.block_on(chart(f)), CHART_POINTS);
    let samples = (0..LOOP_SAMPLES / 4)
        .map(|_| {
            let t = Instant::now();
            rt.block_on(chart(f));
            t.elapsed()
        })
        .collect();
    summary(
        "chart_data",
        samples,
        &format!(" (Registry::metric_series, {SERIES_POINTS} points to {CHART_POINTS})"),
    );
    group.bench_function("chart_data", |b| b.iter(|| rt.block_on(chart(f))));
    group.finish();
}

criterion_group!(benches, pages);
criterion_main!(benches);
