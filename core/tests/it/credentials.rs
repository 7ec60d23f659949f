//! Credentials on both databases: the password policy and the stored hash, signing in by
//! password, tokens that expire or are revoked and note their last use without touching
//! the read cache, the sign-in throttle, session deadlines, and the first administrator
//! created exactly once. Time is moved by rewriting the stored instants, never by sleeping.
use crate::common::{connect, on_subject, raw, registries, scalar, trail, TestRegistry};
use pedigree_core::service::sessions::{Attempt, SessionSecret};
use pedigree_core::service::Registry;
use pedigree_core::store::Backend;
use pedigree_core::time::now_millis;
use pedigree_core::user::{Actor, Password};
use pedigree_core::{Error, UserName};

const GOOD: &str = "a sturdy passphrase";

fn name(s: &str) -> UserName {
    UserName::parse(s).unwrap()
}

async fn text(t: &TestRegistry, sql: &str) -> Option<String> {
    let mut conn = connect(t).await;
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn user_with_password(reg: &Registry, n: &str, must_change: bool) {
    reg.create_user_with_password(
        &Actor::system(),
        name(n),
        String::new(),
        false,
        &Password::new(GOOD),
        must_change,
    )
    .await
    .unwrap();
}

fn unauthenticated(r: Result<impl std::fmt::Debug, Error>) -> String {
    match r {
        Err(Error::Unauthenticated(m)) => m,
        other => panic!("expected a 401, got {other:?}"),
    }
}

#[tokio::test]
async fn passwords_meet_the_policy_are_stored_as_argon2id_and_authenticate() {
    for t in registries().await {
        let reg = &t.reg;
        let system = Actor::system();
        for weak in ["short", "password1234", "alice"] {
            let r = reg
                .create_user_with_password(
                    &system,
                    name("alice"),
                    "".into(),
                    false,
                    &Password::new(weak),
                    false,
                )
                .await;
            assert!(matches!(r, Err(Error::InvalidArgument(_))), "{weak}: {r:?}");
        }
        // A refused password created nobody.
        assert_eq!(scalar(&t, "SELECT COUNT(*) FROM users").await, 0);
        user_with_password(reg, "alice", false).await;
        let phc = text(&t, "SELECT password_hash FROM users WHERE name = 'alice'")
            .await
            .unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        // The audit event says a password was set, never what it is or hashes to.
        let ev = &trail(reg, on_subject("user:alice"), 1).await[0];
        assert_eq!(ev.action, "user.create");
        assert!(
            !ev.after.contains("argon2") && !ev.after.contains("sturdy"),
            "{}",
            ev.after
        );

        let actor = reg
            .authenticate_password("alice", &Password::new(GOOD))
            .await
            .unwrap();
        assert_eq!(actor.name(), "alice");
        reg.create_user(&system, name("nopass"), "".into(), false)
            .await
            .unwrap();
        let wrong = unauthenticated(
            reg.authenticate_password("alice", &Password::new("a sturdy passphrasE"))
                .await,
        );
        let unknown = unauthenticated(reg.authenticate_password("zed", &Password::new(GOOD)).await);
        let none = unauthenticated(
            reg.authenticate_password("nopass", &Password::new(GOOD))
                .await,
        );
        let invalid = unauthenticated(
            reg.authenticate_password("not a name!", &Password::new(GOOD))
                .await,
        );
        assert_eq!(wrong, "Invalid credentials");
        for other in [&unknown, &none, &invalid] {
            assert_eq!(other, &wrong);
        }

        // An operator's reset: the old password stops working.
        reg.set_password(
            &system,
            &name("alice"),
            &Password::new("another fine passphrase"),
            false,
        )
        .await
        .unwrap();
        assert!(reg
            .authenticate_password("alice", &Password::new(GOOD))
            .await
            .is_err());
        let accounts = reg.list_accounts().await.unwrap();
        let alice = accounts
            .iter()
            .find(|a| a.user.name.as_str() == "alice")
            .unwrap();
        assert!(alice.has_password && !alice.must_change_password);
        assert!(
            !accounts
                .iter()
                .find(|a| a.user.name.as_str() == "nopass")
                .unwrap()
                .has_password
        );
    }
}

#[tokio::test]
async fn tokens_expire_are_revoked_and_note_their_use_at_most_once_a_minute() {
    for t in registries().await {
        let reg = t.reg.clone().with_read_cache(&t.url).unwrap();
        let system = Actor::system();
        reg.create_user(&system, name("alice"), "".into(), false)
            .await
            .unwrap();
        let past = reg
            .issue_token_expiring(&system, &name("alice"), "ci", Some(now_millis() - 1))
            .await;
        assert!(matches!(past, Err(Error::InvalidArgument(_))), "{past:?}");
        let tok = reg
            .issue_token_expiring(
                &system,
                &name("alice"),
                "ci",
                Some(now_millis() + 3_600_000),
            )
            .await
            .unwrap();
        let sql_last = format!("SELECT last_used_at FROM api_tokens WHERE id = {}", tok.id);
        assert_eq!(scalar_opt(&t, &sql_last).await, None);

        let generation = reg.read_generation();
        let events = reg.audit_count(&Actor::system()).await.unwrap();
        assert_eq!(
            reg.authenticate_token(&tok.secret).await.unwrap().name(),
            "alice"
        );
        let first = scalar_opt(&t, &sql_last).await.expect("use noted");
        // Bookkeeping, not a change: no audit event, and cached reads stay valid.
        assert_eq!(reg.read_generation(), generation);
        assert_eq!(reg.audit_count(&Actor::system()).await.unwrap(), events);

        // Used again within the minute: not written again.
        let recent = first - 30_000;
        raw(
            &t,
            &format!(
                "UPDATE api_tokens SET last_used_at = {recent} WHERE id = {}",
                tok.id
            ),
        )
        .await
        .unwrap();
        reg.authenticate_token(&tok.secret).await.unwrap();
        assert_eq!(scalar_opt(&t, &sql_last).await, Some(recent));
        // A minute later: written.
        let old = first - 61_000;
        raw(
            &t,
            &format!(
                "UPDATE api_tokens SET last_used_at = {old} WHERE id = {}",
                tok.id
            ),
        )
        .await
        .unwrap();
        reg.authenticate_token(&tok.secret).await.unwrap();
        assert!(scalar_opt(&t, &sql_last).await.unwrap() >= first);

        let listed = reg.list_tokens(Some(&name("alice"))).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].label, "ci");
        assert!(listed[0].expires_at.is_some() && listed[0].last_used_at.is_some());

        // Past its expiry: refused, saying why.
        raw(
            &t,
            &format!(
                "UPDATE api_tokens SET expires_at = {} WHERE id = {}",
                now_millis() - 1,
                tok.id
            ),
        )
        .await
        .unwrap();
        let msg = unauthenticated(reg.authenticate_token(&tok.secret).await);
        assert!(msg.contains("expired"), "{msg}");

        let forever = reg
            .issue_token(&system, &name("alice"), "forever")
            .await
            .unwrap();
        reg.authenticate_token(&forever.secret).await.unwrap();
        reg.revoke_token(&system, forever.id).await.unwrap();
        let msg = unauthenticated(reg.authenticate_token(&forever.secret).await);
        assert!(msg.contains("revoked"), "{msg}");
        assert!(reg.list_tokens(None).await.unwrap()[1].revoked_at.is_some());
        // Only the hash is stored.
        let stored = text(
            &t,
            &format!(
                "SELECT token_hash FROM api_tokens WHERE id = {}",
                forever.id
            ),
        )
        .await;
        assert_ne!(stored.as_deref(), Some(forever.secret.as_str()));
    }
}

async fn scalar_opt(t: &TestRegistry, sql: &str) -> Option<i64> {
    let mut conn = connect(t).await;
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn signed_in(a: Attempt<pedigree_core::service::sessions::SignedIn>) -> SessionSecret {
    match a {
        Attempt::Done(s) => s.secret,
        Attempt::Throttled { retry_after_secs } => panic!("throttled for {retry_after_secs} s"),
    }
}

#[tokio::test]
async fn sessions_end_at_their_deadlines_and_failed_sign_ins_are_throttled() {
    for t in registries().await {
        let reg = &t.reg;
        user_with_password(reg, "alice", false).await;
        let pw = Password::new(GOOD);
        let ip = Some("192.0.2.1".parse().unwrap());
        let s1 = signed_in(reg.sign_in("alice", &pw, ip, None).await.unwrap());
        let session = reg.session(&s1).await.unwrap().expect("signed in");
        assert_eq!(session.actor.name(), "alice");
        assert_eq!(
            session.absolute_deadline - session.created_at,
            12 * 3_600_000
        );
        assert_eq!(session.idle_deadline - session.created_at, 30 * 60_000);
        let stored = scalar(&t, "SELECT COUNT(*) FROM sessions").await;
        assert_eq!(stored, 1);
        assert!(text(&t, "SELECT id_hash FROM sessions").await.unwrap() != s1.expose());

        // Idle past the deadline: no session, and the row is gone.
        raw(
            &t,
            &format!("UPDATE sessions SET idle_deadline = {}", now_millis() - 1),
        )
        .await
        .unwrap();
        assert!(reg.session(&s1).await.unwrap().is_none());
        assert_eq!(scalar(&t, "SELECT COUNT(*) FROM sessions").await, 0);
        // Active, but past the absolute deadline: no session either.
        let s2 = signed_in(reg.sign_in("alice", &pw, ip, None).await.unwrap());
        raw(
            &t,
            &format!(
                "UPDATE sessions SET absolute_deadline = {}",
                now_millis() - 1
            ),
        )
        .await
        .unwrap();
        assert!(reg.session(&s2).await.unwrap().is_none());
        // Sign-in ends the session it was given (rotation); sign-out ends the new one.
        let s3 = signed_in(reg.sign_in("alice", &pw, ip, None).await.unwrap());
        let s4 = signed_in(reg.sign_in("alice", &pw, ip, Some(&s3)).await.unwrap());
        assert!(reg.session(&s3).await.unwrap().is_none());
        assert!(reg.sign_out(&s4).await.unwrap());
        assert!(reg.session(&s4).await.unwrap().is_none());
        assert!(!reg.sign_out(&s4).await.unwrap());

        // Five failures, then even the right password waits.
        for _ in 0..5 {
            let r = reg
                .sign_in("alice", &Password::new("wrong wrong wrong"), ip, None)
                .await;
            assert_eq!(unauthenticated(r.map(|_| ())), "Invalid credentials");
        }
        match reg.sign_in("alice", &pw, ip, None).await.unwrap() {
            Attempt::Throttled { retry_after_secs } => {
                assert!((1..=30).contains(&retry_after_secs))
            }
            Attempt::Done(_) => panic!("not throttled"),
        }
        // The failures age out of the window: signing in works again.
        raw(&t, "UPDATE login_attempts SET at = at - 960000")
            .await
            .unwrap();
        signed_in(reg.sign_in("alice", &pw, ip, None).await.unwrap());

        // A failed sign-in with a name that is no user name is audited, and parses back.
        let r = reg.sign_in("not a name!", &pw, ip, None).await;
        assert!(r.is_err());
        let ev = &trail(reg, Default::default(), 1).await[0];
        assert_eq!(ev.action, "session.sign_in_failed");
        assert_eq!(ev.actor, "anonymous");
        assert!(ev.subject().is_ok(), "{}", ev.subject);
        assert!(ev.after.contains("not a name!"), "{}", ev.after);
        assert!(matches!(
            reg.verify_audit(&Actor::system()).await.unwrap(),
            pedigree_core::audit::VerifyOutcome::Ok { .. }
        ));
    }
}

#[tokio::test]
async fn changing_a_password_ends_the_other_sessions_and_clears_must_change() {
    for t in registries().await {
        let reg = &t.reg;
        user_with_password(reg, "alice", true).await;
        let pw = Password::new(GOOD);
        let new = Password::new("a brand new passphrase");
        let Attempt::Done(a) = reg.sign_in("alice", &pw, None, None).await.unwrap() else {
            panic!("throttled")
        };
        assert!(a.must_change_password);
        let b = signed_in(reg.sign_in("alice", &pw, None, None).await.unwrap());
        let wrong = reg
            .change_password(&a.secret, &Password::new("not the password"), &new)
            .await;
        assert!(matches!(wrong, Err(Error::Unauthenticated(_))));
        let weak = reg
            .change_password(&a.secret, &pw, &Password::new("alice"))
            .await;
        assert!(matches!(weak, Err(Error::InvalidArgument(_))));
        assert!(matches!(
            reg.change_password(&a.secret, &pw, &new).await.unwrap(),
            Attempt::Done(())
        ));
        let kept = reg
            .session(&a.secret)
            .await
            .unwrap()
            .expect("this session stays");
        assert!(!kept.must_change_password);
        assert!(
            reg.session(&b).await.unwrap().is_none(),
            "the other session ended"
        );
        reg.authenticate_password("alice", &new).await.unwrap();
        // An operator's reset ends every session.
        reg.set_password(&Actor::system(), &name("alice"), &pw, false)
            .await
            .unwrap();
        assert!(reg.session(&a.secret).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn the_first_administrator_is_created_once_even_by_two_servers_at_once() {
    for t in registries().await {
        let admin = name("admin");
        let weak = t
            .reg
            .bootstrap_admin(&admin, Some(&Password::new("admin")))
            .await;
        assert!(matches!(weak, Err(Error::InvalidArgument(_))), "{weak:?}");
        assert_eq!(scalar(&t, "SELECT COUNT(*) FROM users").await, 0);

        // Two registries on one database, as two servers starting together; different
        // names, so only the lock (not a unique name) can keep it to one.
        let other = Registry::open(&t.url, t.dir.path()).await.unwrap();
        let root = name("root");
        let (a, b) = tokio::join!(
            t.reg.bootstrap_admin(&admin, None),
            other.bootstrap_admin(&root, None)
        );
        let created: Vec<_> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
        assert_eq!(created.len(), 1, "{created:?}");
        let admins = if t.backend == Backend::Sqlite {
            scalar(&t, "SELECT COUNT(*) FROM users WHERE is_admin = 1").await
        } else {
            scalar(&t, "SELECT COUNT(*) FROM users WHERE is_admin").await
        };
        assert_eq!(admins, 1);
        let made = &created[0];
        let pw = made.generated.clone().expect("generated");
        let Attempt::Done(s) = t
            .reg
            .sign_in(made.name.as_str(), &pw, None, None)
            .await
            .unwrap()
        else {
            panic!("throttled")
        };
        assert!(s.must_change_password);
        let ev = trail(&t.reg, on_subject(&format!("user:{}", made.name)), 10)
            .await
            .into_iter()
            .find(|e| e.action == "user.create")
            .unwrap();
        assert_eq!(ev.actor, "system");
        let after: serde_json::Value = serde_json::from_str(&ev.after).unwrap();
        assert_eq!(after["bootstrap"], true);
        // Restarting changes nothing.
        assert!(t.reg.bootstrap_admin(&admin, None).await.unwrap().is_none());
        assert!(other
            .bootstrap_admin(&admin, Some(&Password::new(GOOD)))
            .await
            .unwrap()
            .is_none());
        other.close().await;
    }
}

/// The decision waits for the bootstrap lock: while another server (here, the test's own
/// transaction) holds it and creates an administrator, startup neither races ahead nor
/// creates a second one. PostgreSQL only: SQLite's `BEGIN IMMEDIATE` is the lock there.
#[tokio::test]
async fn the_first_administrator_decision_waits_for_the_bootstrap_lock() {
    for t in registries().await {
        if t.backend != Backend::Postgres {
            continue;
        }
        use sqlx::{Connection, Executor};
        let mut other = connect(&t).await;
        let mut tx = other.begin().await.unwrap();
        tx.execute("SELECT id FROM credential_bootstrap WHERE id = 1 FOR UPDATE")
            .await
            .unwrap();
        let reg = t.reg.clone();
        let mut pending =
            tokio::spawn(async move { reg.bootstrap_admin(&name("admin"), None).await });
        // Not a readiness wait: the call must still be blocked after this long.
        let raced = tokio::time::timeout(std::time::Duration::from_millis(500), &mut pending).await;
        assert!(raced.is_err(), "decided without the lock: {raced:?}");
        tx.execute(sqlx::AssertSqlSafe(format!(
            "INSERT INTO users (name, is_admin, created_at) VALUES ('root', TRUE, {})",
            now_millis()
        )))
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert!(
            pending.await.unwrap().unwrap().is_none(),
            "a second administrator"
        );
        assert_eq!(scalar(&t, "SELECT COUNT(*) FROM users").await, 1);
    }
}
