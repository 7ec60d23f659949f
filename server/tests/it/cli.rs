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
