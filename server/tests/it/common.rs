//! Spawns the real application on port 0 with a fresh data directory (SQLite, or a fresh
//! PostgreSQL database when `PEDIGREE_TEST_PG_URL` is set and the caller asks for it).

use pedigree_server::config::Layer;
use pedigree_server::Application;
use serde_json::Value;

pub struct Server {
    pub base: String,
    pub dir: tempfile::TempDir,
    pub registry: pedigree_core::service::Registry,
    pub client: reqwest::Client,
    /// The server's database, for tests that move its clock by rewriting stored instants.
    pub db_url: String,
    /// PostgreSQL: the admin URL and the test database, dropped with the server.
    pg: Option<(String, String)>,
}

impl Drop for Server {
    /// Drops the test's PostgreSQL database when the test ends, pass or fail. `Drop`
    /// cannot await: a short-lived runtime on its own thread does it, and `WITH (FORCE)`
    /// ends the connections the server still holds.
    fn drop(&mut self) {
        let Some((admin, name)) = self.pg.take() else {
            return;
        };
        let _ = std::thread::spawn(move || {
            use sqlx::Executor;
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

pub async fn spawn_with(layer: Layer) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let config = Layer::default()
        .data_dir(dir.path())
        .port(0)
        // Plain MLflow stage semantics unless a test turns the review gate on.
        .review_gate(false)
        .merge(layer)
        .resolve()
        .unwrap();
    let db_url = config.database_url.expose().to_string();
    let app = Application::build(&config).await.unwrap();
    let registry = app.registry().clone();
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until(std::future::pending()));
    Server {
        base,
        dir,
        registry,
        client: reqwest::Client::new(),
        db_url,
        pg: None,
    }
}

/// Two servers sharing one fresh PostgreSQL database (as two replicas), or `None` when
/// `PEDIGREE_TEST_PG_URL` is not set.
pub async fn two_servers_on_one_postgres(layer: Layer) -> Option<(Server, Server)> {
    let admin = std::env::var("PEDIGREE_TEST_PG_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    let (url, name) = fresh_pg_database(&admin).await;
    let mut first = spawn_with(layer.clone().database_url(&url).unwrap()).await;
    first.pg = Some((admin, name));
    let second = spawn_with(layer.database_url(&url).unwrap()).await;
    Some((first, second))
}

impl Server {
    /// Runs `sql` on the server's database, behind its back.
    pub async fn raw(&self, sql: &str) -> u64 {
        use sqlx::Executor;
        sqlx::any::install_default_drivers();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&self.db_url)
            .await
            .unwrap();
        conn.execute(sqlx::AssertSqlSafe(sql.to_string()))
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .rows_affected()
    }

    /// The single integer `sql` answers.
    pub async fn scalar(&self, sql: &str) -> i64 {
        sqlx::any::install_default_drivers();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&self.db_url)
            .await
            .unwrap();
        use sqlx::{Executor, Row};
        conn.fetch_one(sqlx::AssertSqlSafe(sql.to_string()))
            .await
            .and_then(|row| row.try_get::<i64, _>(0))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}

pub async fn spawn() -> Server {
    spawn_with(Layer::default()).await
}

/// A fresh, empty PostgreSQL database in the cluster `PEDIGREE_TEST_PG_URL` names: its
/// URL and its name.
async fn fresh_pg_database(admin: &str) -> (String, String) {
    use sqlx::Executor;
    sqlx::any::install_default_drivers();
    let name = format!("pedigree_api_{}", std::process::id()) + &format!("_{}", rand_suffix());
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(admin)
        .await
        .expect("connect to PEDIGREE_TEST_PG_URL");
    conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .unwrap();
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin);
    (format!("{base}/{name}"), name)
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{}_{}",
        t % 1_000_000_000,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// The server on SQLite and, when `PEDIGREE_TEST_PG_URL` is set, on PostgreSQL too.
pub async fn servers_with(layer: Layer) -> Vec<Server> {
    let mut out = vec![spawn_with(layer.clone()).await];
    match std::env::var("PEDIGREE_TEST_PG_URL") {
        Ok(admin) if !admin.is_empty() => {
            let (url, name) = fresh_pg_database(&admin).await;
            let mut server = spawn_with(layer.database_url(&url).unwrap()).await;
            server.pg = Some((admin, name));
            out.push(server);
        }
        _ => eprintln!("SKIPPING PostgreSQL for this API test: PEDIGREE_TEST_PG_URL is not set"),
    }
    out
}

pub async fn servers() -> Vec<Server> {
    servers_with(Layer::default()).await
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Calls an MLflow endpoint with a JSON body; returns the status and the parsed body.
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .client
            .request(method, self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(
            reqwest::Method::POST,
            &format!("/api/2.0/mlflow/{path}"),
            body,
        )
        .await
    }

    pub async fn get(&self, path_and_query: &str) -> (u16, Value) {
        let r = self
            .client
            .get(self.url(&format!("/api/2.0/mlflow/{path_and_query}")))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}

/// Asserts an MLflow-shaped error with the given status and code.
pub fn assert_error(got: &(u16, Value), status: u16, code: &str) {
    assert_eq!(got.0, status, "{got:?}");
    assert_eq!(got.1["error_code"], code, "{got:?}");
    assert!(
        got.1["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{got:?}"
    );
}

/// The newest `limit` audit events, on exactly `subject` when given.
pub fn audit_query(subject: Option<&str>, limit: i64) -> pedigree_core::audit::AuditQuery {
    let filter = pedigree_core::audit::AuditFilter {
        subject: subject.map(|s| pedigree_core::audit::SubjectFilter::Exact(s.into())),
        ..Default::default()
    };
    pedigree_core::audit::AuditQuery::new(filter)
        .limit(limit)
        .unwrap()
}

/// A user (optionally with a registry-wide role) and an API token for them.
pub async fn user_token(
    s: &Server,
    name: &str,
    role: Option<pedigree_core::access::Role>,
) -> String {
    use pedigree_core::access::{Principal, Scope};
    let sys = pedigree_core::user::Actor::system();
    let user = pedigree_core::UserName::parse(name).unwrap();
    s.registry
        .create_user(&sys, user.clone(), String::new(), false)
        .await
        .unwrap();
    if let Some(role) = role {
        s.registry
            .grant(&sys, &Principal::User(user.clone()), &Scope::Global, role)
            .await
            .unwrap();
    }
    s.registry
        .issue_token(&sys, &user, "t")
        .await
        .unwrap()
        .secret
}
