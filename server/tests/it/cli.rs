//! The `pedigree` binary as an operator runs it: migrate, demo, and `audit verify` catching
//! a tampered event by its number.
use std::process::Command;

fn pedigree(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pedigree"))
        .args(args)
        .arg("--data")
        .arg(data)
        .env_remove("PEDIGREE_DATABASE_URL")
        .env("PEDIGREE_LOG", "warn")
        .output()
        .unwrap()
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

#[tokio::test]
async fn demo_loads_a_living_registry_and_audit_verify_names_a_tampered_event() {
    let dir = tempfile::tempdir().unwrap();
    let out = pedigree(dir.path(), &["migrate"]);
    assert!(out.status.success(), "{}", stdout(&out));

    let out = pedigree(dir.path(), &["demo"]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("46 model versions"),
        "{}",
        stdout(&out)
    );
    // Loading twice would mix two demos: refused.
    let again = pedigree(dir.path(), &["demo"]);
    assert_eq!(again.status.code(), Some(2), "{}", stdout(&again));

    let ok = pedigree(dir.path(), &["audit", "verify"]);
    assert!(ok.status.success(), "{}", stdout(&ok));
    assert!(stdout(&ok).contains("audit log OK"));

    // Go around the append-only trigger, as someone with the database file could.
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", dir.path().join("pedigree.db").display());
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    use sqlx::Executor;
    conn.execute("DROP TRIGGER audit_events_no_update")
        .await
        .unwrap();
    conn.execute("UPDATE audit_events SET after = '{\"stage\":\"Production\"}' WHERE seq = 57")
        .await
        .unwrap();
    drop(conn);

    let bad = pedigree(dir.path(), &["audit", "verify"]);
    assert_eq!(bad.status.code(), Some(1), "{}", stdout(&bad));
    assert!(
        stdout(&bad).contains("BROKEN at event 57"),
        "{}",
        stdout(&bad)
    );
}

#[test]
fn bad_configuration_is_a_clear_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pedigree"))
        .args(["migrate", "--data"])
        .arg(dir.path())
        .env("PEDIGREE_PORT", "http")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).contains("PEDIGREE_PORT"), "{}", stdout(&out));
    let out = pedigree(dir.path(), &["migrate", "--database-url", "mysql://x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).contains("database URL"), "{}", stdout(&out));
}

#[tokio::test]
async fn audit_export_writes_the_filtered_trail_to_stdout_or_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = pedigree(dir.path(), &["demo"]);
    assert!(out.status.success(), "{}", stdout(&out));

    let verify = pedigree(dir.path(), &["audit", "verify"]);
    assert!(verify.status.success());
    let text = String::from_utf8_lossy(&verify.stdout).into_owned();
    let created = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("model_version.create"))
        .map(|n| n.trim().to_string());
    assert_eq!(created.as_deref(), Some("46"), "{text}");

    let csv = pedigree(
        dir.path(),
        &[
            "audit",
            "export",
            "--format",
            "csv",
            "--action",
            "model_version.create,alias.set",
        ],
    );
    assert!(csv.status.success(), "{}", stdout(&csv));
    let text = String::from_utf8(csv.stdout).unwrap();
    let mut lines = text.split_terminator("\r\n");
    assert_eq!(
        lines.next(),
        Some("seq,at,actor,action,subject,before,after,prev_hash,hash")
    );
    let rows: Vec<&str> = lines.collect();
    assert!(rows.len() > 46, "{} rows", rows.len());
    assert!(rows
        .iter()
        .all(|r| r.contains(",model_version.create,") || r.contains(",alias.set,")));
    let created = rows
        .iter()
        .filter(|r| r.contains(",model_version.create,"))
        .count();
    assert_eq!(created, 46);

    let file = dir.path().join("trail.jsonl");
    let jsonl = pedigree(
        dir.path(),
        &[
            "audit",
            "export",
            "--format",
            "jsonl",
            "--since",
            "2000-01-01T00:00:00+02:00",
            "--output",
            file.to_str().unwrap(),
        ],
    );
    assert!(jsonl.status.success(), "{}", stdout(&jsonl));
    assert!(jsonl.stdout.is_empty(), "the events went to the file");
    let events: Vec<serde_json::Value> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events[0]["seq"], 1);
    for pair in events.windows(2) {
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
        assert_eq!(
            pair[1]["seq"].as_i64().unwrap(),
            pair[0]["seq"].as_i64().unwrap() + 1
        );
    }

    let bad = pedigree(
        dir.path(),
        &["audit", "export", "--format", "csv", "--until", "soon"],
    );
    assert_eq!(bad.status.code(), Some(2), "{}", stdout(&bad));
    assert!(stdout(&bad).contains("--until"), "{}", stdout(&bad));
}
