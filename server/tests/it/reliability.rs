//! Reliability as a user sees it: many concurrent writers get answers, never a 5xx; every
//! write that was acknowledged survives a `kill -9` of the server; the audit chain still
//! verifies afterwards.
use crate::common::servers;
use serde_json::json;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[tokio::test]
async fn fifty_concurrent_writers_all_succeed_and_every_point_lands() {
    for s in servers().await {
        let s = std::sync::Arc::new(s);
        let (_, run) = s.post("runs/create", json!({"experiment_id": "0"})).await;
        let run_id = run["run"]["info"]["run_id"].as_str().unwrap().to_string();
        let tasks: Vec<_> = (0..50)
            .map(|w| {
                let (s, run_id) = (s.clone(), run_id.clone());
                tokio::spawn(async move {
                    let metrics: Vec<_> = (0..20).map(|i| json!({"key": format!("w{w}"), "value": i, "timestamp": i, "step": i})).collect();
                    s.post("runs/log-batch", json!({"run_id": run_id, "metrics": metrics})).await.0
                })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap(), 200);
        }
        for w in [0, 17, 49] {
            let (_, h) = s
                .get(&format!(
                    "metrics/get-history?run_id={run_id}&metric_key=w{w}"
                ))
                .await;
            assert_eq!(h["metrics"].as_array().map(Vec::len), Some(20), "{h}");
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

fn start(data: &std::path::Path, port: u16) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_pedigree"))
        .args(["serve", "--port", &port.to_string(), "--data"])
        .arg(data)
        .env_remove("PEDIGREE_DATABASE_URL")
        .env("PEDIGREE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Polls `/health` until it answers (no fixed sleeps), for at most 30 s.
async fn wait_ready(client: &reqwest::Client, base: &str) {
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(30) {
        if client
            .get(format!("{base}/health"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("server at {base} never became ready");
}

#[tokio::test]
async fn acknowledged_writes_survive_kill_dash_nine() {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = start(dir.path(), port);
    wait_ready(&client, &base).await;
    let api = format!("{base}/api/2.0/mlflow");
    let r: serde_json::Value = client
        .post(format!("{api}/registered-models/create"))
        .json(&json!({"name": "durable"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["registered_model"]["name"], "durable");
    let run: serde_json::Value = client
        .post(format!("{api}/runs/create"))
        .json(&json!({"experiment_id": "0"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let run_id = run["run"]["info"]["run_id"].as_str().unwrap().to_string();
    // Writes keep arriving while the server is killed; count the acknowledged ones.
    let mut acked = 0;
    for i in 0..200 {
        let r = client
            .post(format!("{api}/runs/log-metric"))
            .json(&json!({"run_id": run_id, "key": "loss", "value": i, "timestamp": i, "step": i}))
            .send()
            .await;
        if r.is_ok_and(|r| r.status() == 200) {
            acked = i + 1;
        } else {
            break;
        }
        if i == 120 {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }
    // Reaps the child on every path (a no-op once it was killed above).
    let _ = child.kill();
    let _ = child.wait();
    assert!(acked >= 121, "writes before the kill were refused: {acked}");
    let port2 = free_port();
    let base2 = format!("http://127.0.0.1:{port2}");
    let mut child2 = start(dir.path(), port2);
    wait_ready(&client, &base2).await;
    let h: serde_json::Value = client
        .get(format!(
            "{base2}/api/2.0/mlflow/metrics/get-history?run_id={run_id}&metric_key=loss"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        h["metrics"].as_array().map(Vec::len),
        Some(acked as usize),
        "acknowledged points lost"
    );
    child2.kill().unwrap();
    child2.wait().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pedigree"))
        .args(["audit", "verify", "--data"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
