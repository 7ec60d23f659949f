//! Store-test harness: every test runs on a fresh SQLite file and, when
//! `PEDIGREE_TEST_PG_URL` names a PostgreSQL server, on a fresh PostgreSQL database too.
use pedigree_core::access::{Principal, Role, Scope};
use pedigree_core::service::Registry;
use pedigree_core::store::{Backend, DatabaseUrl};
use pedigree_core::user::Actor;
use pedigree_core::UserName;
use sqlx::Executor;
use tempfile::TempDir;

pub struct TestRegistry {
    pub reg: Registry,
    pub dir: TempDir,
    pub backend: Backend,
    pub url: DatabaseUrl,
    /// PostgreSQL: the admin URL and the test database's name, dropped with the registry.
    pg: Option<(String, String)>,
}

impl Drop for TestRegistry {
    /// Drops a test's PostgreSQL database when the test ends, pass or fail, so a test run
    /// leaves no databases behind. `Drop` cannot await: a short-lived runtime on its own
    /// thread does the work (`WITH (FORCE)` ends the registry's pooled connections).
    fn drop(&mut self) {
        let Some((admin, name)) = self.pg.take() else {
            return;
        };
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(mut c) = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin).await
                {
                    let _ = c
                        .execute(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .await;
                }
            })
        })
        .join();
    }
}

pub fn alice() -> Actor {
    Actor::new(UserName::parse("alice").unwrap())
}
pub fn bob() -> Actor {
    Actor::new(UserName::parse("bob").unwrap())
}

/// The fixtures' registries move stages directly (plain MLflow semantics), so the stage
/// rules are tested on their own; the governance suites turn the review gate back on.
fn ungated(reg: Registry) -> Registry {
    let settings = pedigree_core::service::Settings {
        review_gate: false,
        ..reg.settings()
    };
    reg.with_settings(settings)
}

/// The same registry with the review gate on (the server's default).
pub fn gated(reg: &Registry) -> Registry {
    let settings = pedigree_core::service::Settings {
        review_gate: true,
        ..reg.settings()
    };
    reg.clone().with_settings(settings)
}

/// A user `name` (created if new) holding `role` over the whole registry (none: only the
/// base role), as an actor.
pub async fn user_with(reg: &Registry, name: &str, role: Option<Role>) -> Actor {
    let user = UserName::parse(name).unwrap();
    if reg.get_user(&user).await.is_err() {
        reg.create_user(&Actor::system(), user.clone(), String::new(), false)
            .await
            .unwrap();
    }
    if let Some(role) = role {
        reg.grant(
            &Actor::system(),
            &Principal::User(user.clone()),
            &Scope::Global,
            role,
        )
        .await
        .unwrap();
    }
    Actor::new(user)
}

/// A fresh run in the Default experiment, created by alice.
pub async fn a_run(reg: &Registry) -> pedigree_core::RunId {
    reg.create_run(&alice(), pedigree_core::service::runs::NewRun::default())
        .await
        .unwrap()
        .info
        .run_id
}

/// Version `n` of `name`, registered by alice from `run`'s `model` directory.
pub async fn a_version(
    reg: &Registry,
    name: &pedigree_core::ModelName,
    run: &pedigree_core::RunId,
) -> pedigree_core::model_version::ModelVersion {
    reg.create_model_version(
        &alice(),
        pedigree_core::model_version::NewModelVersion {
            name: name.clone(),
            source: format!("runs:/{run}/model"),
            run_id: None,
            run_link: String::new(),
            logged_model_id: None,
            description: String::new(),
            tags: vec![],
        },
    )
    .await
    .unwrap()
}

/// A model `name` registered by alice with no versions.
pub async fn a_model(reg: &Registry, name: &pedigree_core::ModelName) {
    reg.create_registered_model(&alice(), name.clone(), String::new(), vec![])
        .await
        .unwrap();
}

/// A point of metric `key` at `step`, with no model or dataset.
pub fn metric(key: &str, value: f64, step: i64) -> pedigree_core::run::Metric {
    pedigree_core::run::Metric {
        key: pedigree_core::names::Key::parse(key).unwrap(),
        value,
        timestamp: 1_700_000_000_000 + step,
        step,
        model_id: None,
        dataset_name: None,
        dataset_digest: None,
    }
}

async fn sqlite() -> TestRegistry {
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::sqlite_in(dir.path());
    let reg = ungated(Registry::open(&url, dir.path()).await.unwrap());
    TestRegistry {
        reg,
        dir,
        backend: Backend::Sqlite,
        url,
        pg: None,
    }
}

async fn postgres(admin: &str) -> TestRegistry {
    sqlx::any::install_default_drivers();
    let name = format!("pedigree_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin_conn = <sqlx::AnyConnection as sqlx::Connection>::connect(admin)
        .await
        .expect("connect to PEDIGREE_TEST_PG_URL");
    admin_conn
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .unwrap();
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin);
    let url = DatabaseUrl::parse(&format!("{base}/{name}")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let reg = ungated(Registry::open(&url, dir.path()).await.unwrap());
    TestRegistry {
        reg,
        dir,
        backend: Backend::Postgres,
        url,
        pg: Some((admin.to_string(), name)),
    }
}

/// The registries a store test runs against. PostgreSQL is skipped loudly, never silently.
pub async fn registries() -> Vec<TestRegistry> {
    let mut out = vec![sqlite().await];
    match std::env::var("PEDIGREE_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => out.push(postgres(&url).await),
        _ => eprintln!("SKIPPING PostgreSQL for this store test: PEDIGREE_TEST_PG_URL is not set"),
    }
    out
}

/// A connection of the test's own to the registry's database, bypassing the services (for
/// tamper and invariant tests: the registry keeps its store to itself).
pub async fn connect(t: &TestRegistry) -> sqlx::AnyConnection {
    <sqlx::AnyConnection as sqlx::Connection>::connect(t.url.expose())
        .await
        .expect("connect to the test database")
}

/// Runs `sql` directly, bypassing the services.
pub async fn raw(t: &TestRegistry, sql: &str) -> Result<u64, sqlx::Error> {
    let mut conn = connect(t).await;
    Ok(conn
        .execute(sqlx::AssertSqlSafe(sql.to_string()))
        .await?
        .rows_affected())
}

/// The single integer `sql` answers (a `COUNT(*)`, say).
pub async fn scalar(t: &TestRegistry, sql: &str) -> i64 {
    let mut conn = connect(t).await;
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The first page (newest first, up to `limit`) of the events `filter` matches, read by alice.
pub async fn trail(
    reg: &Registry,
    filter: pedigree_core::audit::AuditFilter,
    limit: i64,
) -> Vec<pedigree_core::audit::AuditEvent> {
    let q = pedigree_core::audit::AuditQuery::new(filter)
        .limit(limit)
        .unwrap();
    reg.audit_events(&alice(), &q).await.unwrap().events
}

/// Events on exactly this subject.
pub fn on_subject(subject: &str) -> pedigree_core::audit::AuditFilter {
    pedigree_core::audit::AuditFilter {
        subject: Some(pedigree_core::audit::SubjectFilter::Exact(subject.into())),
        ..Default::default()
    }
}

/// Events on a model, its aliases and its versions.
pub fn on_model(name: &str) -> pedigree_core::audit::AuditFilter {
    pedigree_core::audit::AuditFilter {
        model: Some(pedigree_core::ModelName::parse(name).unwrap()),
        ..Default::default()
    }
}
