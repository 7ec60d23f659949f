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

/// Runs `pedigree ARGS --data DATA` with `stdin` on standard input.
fn pedigree_in(data: &std::path::Path, args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_pedigree"))
        .args(args)
        .arg("--data")
        .arg(data)
        .env_remove("PEDIGREE_DATABASE_URL")
        .env("PEDIGREE_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn users_get_passwords_and_tokens_are_created_listed_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = pedigree_in(
        d,
        &[
            "user",
            "add",
            "alice",
            "--display-name",
            "Alice",
            "--password-stdin",
        ],
        "a sturdy passphrase\n",
    );
    assert!(out.status.success(), "{}", stdout(&out));
    let weak = pedigree_in(
        d,
        &["user", "add", "weak", "--password-stdin"],
        "password1234\n",
    );
    assert_ne!(weak.status.code(), Some(0));
    assert!(stdout(&weak).contains("too common"), "{}", stdout(&weak));
    // Without a password on stdin: a one-time password, printed once.
    let out = pedigree(d, &["user", "add", "bob", "--admin"]);
    assert!(out.status.success(), "{}", stdout(&out));
    let text = stdout(&out);
    let one_time = text
        .lines()
        .find_map(|l| l.split("first sign-in): ").nth(1))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(one_time.len() >= 12, "{text}");

    let list = stdout(&pedigree(d, &["user", "list"]));
    assert!(
        list.lines().any(|l| l.starts_with("alice\tno\tset\t")),
        "{list}"
    );
    assert!(
        list.lines()
            .any(|l| l.starts_with("bob\tyes\tmust-change\t")),
        "{list}"
    );
    assert!(
        !list.contains(one_time) && !list.contains("argon2"),
        "{list}"
    );

    let out = pedigree_in(d, &["user", "passwd", "bob", "--password-stdin"], "bob\n");
    assert_ne!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = pedigree_in(
        d,
        &["user", "passwd", "bob", "--password-stdin"],
        "bob's own passphrase\n",
    );
    assert!(out.status.success(), "{}", stdout(&out));
    let list = stdout(&pedigree(d, &["user", "list"]));
    assert!(
        list.lines().any(|l| l.starts_with("bob\tyes\tset\t")),
        "{list}"
    );
    let out = pedigree(d, &["user", "passwd", "bob"]);
    assert_eq!(out.status.code(), Some(2), "--password-stdin is required");

    let out = pedigree(
        d,
        &[
            "token",
            "create",
            "--user",
            "alice",
            "--label",
            "ci",
            "--expires-in",
            "90d",
        ],
    );
    assert!(out.status.success(), "{}", stdout(&out));
    let secret = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(secret.starts_with("pdg_") && secret.len() == 68, "{secret}");
    let out = pedigree(d, &["token", "create", "--user", "bob"]);
    assert!(out.status.success(), "{}", stdout(&out));
    let bad = pedigree(
        d,
        &["token", "create", "--user", "alice", "--expires-in", "5s"],
    );
    assert_eq!(bad.status.code(), Some(2), "{}", stdout(&bad));

    let list = stdout(&pedigree(d, &["token", "list", "--user", "alice"]));
    let rows: Vec<&str> = list.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{list}");
    let cols: Vec<&str> = rows[0].split('\t').collect();
    assert_eq!(&cols[..3], &["1", "alice", "ci"], "{list}");
    assert_ne!(cols[4], "-", "an expiry: {list}");
    assert_eq!(&cols[5..], &["-", "-"], "never used, not revoked: {list}");
    assert!(!list.contains(&secret[4..]), "{list}");
    assert_eq!(stdout(&pedigree(d, &["token", "list"])).lines().count(), 3);

    let out = pedigree(d, &["token", "revoke", "1"]);
    assert!(out.status.success(), "{}", stdout(&out));
    let list = stdout(&pedigree(d, &["token", "list", "--user", "alice"]));
    assert_ne!(
        list.lines().nth(1).unwrap().split('\t').nth(6),
        Some("-"),
        "{list}"
    );
    let again = pedigree(d, &["token", "revoke", "1"]);
    assert_ne!(again.status.code(), Some(0));
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
