//! Startup as a library: `Application::build` opens the registry, creates the first
//! administrator when there is none, binds the listener (port 0 in tests) and assembles the
//! router; `run_until_stopped` serves until Ctrl-C or SIGTERM.
use crate::config::Config;
use crate::routes;
use pedigree_core::service::Registry;
use std::net::SocketAddr;
use tokio::net::TcpListener;

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    registry: Registry,
    closing: tokio_util::sync::CancellationToken,
}

impl Application {
    pub async fn build(config: &Config) -> Result<Application, String> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            format!(
                "cannot create data directory {}: {e}",
                config.data_dir.display()
            )
        })?;
        let registry = Registry::open(&config.database_url, &config.data_dir)
            .await
            .map_err(|e| e.to_string())?
            .with_settings(config.registry.clone())
            .with_read_cache(&config.database_url)
            .map_err(|e| e.to_string())?;
        bootstrap_admin(&registry, config).await?;
        let listener = TcpListener::bind((config.server.host, config.server.port))
            .await
            .map_err(|e| {
                format!(
                    "cannot listen on {}:{}: {e}",
                    config.server.host, config.server.port
                )
            })?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let closing = tokio_util::sync::CancellationToken::new();
        let router = routes::router(registry.clone(), config, addr, closing.clone());
        Ok(Application {
            listener,
            router,
            registry,
            closing,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests and closes the pool.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let registry = self.registry.clone();
        let closing = self.closing.clone();
        // `into_make_service…` turns every route into a service once; serving the `Router`
        // itself would redo that, cloning the whole route table and its middleware
        // stacks, for every connection. The peer address is what the sign-in throttle
        // counts per client.
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown.await;
            closing.cancel();
        })
        .await?;
        registry.close().await;
        Ok(())
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }
}

/// The file a generated first-administrator password is kept in, inside the data directory.
pub const INITIAL_ADMIN_PASSWORD_FILE: &str = "initial-admin-password";

/// No default credentials: when no administrator exists, create the configured one (its
/// password checked by the policy: a weak one stops startup), or `admin` with a one-time
/// password shown once on stdout and kept in a file only this user can read.
async fn bootstrap_admin(registry: &Registry, config: &Config) -> Result<(), String> {
    let name = &config.auth.bootstrap_admin;
    let given = config.auth.bootstrap_admin_password.as_ref();
    let created = registry
        .bootstrap_admin(name, given)
        .await
        .map_err(|e| match (given, &e) {
            (Some(_), pedigree_core::Error::InvalidArgument(_)) => {
                format!("the bootstrap administrator password (PEDIGREE_BOOTSTRAP_ADMIN_PASSWORD) is refused: {e}")
            }
            _ => format!("cannot create the first administrator '{name}': {e}"),
        })?;
    let Some(created) = created else {
        return Ok(());
    };
    tracing::info!(admin = %created.name, "created the first administrator");
    let Some(password) = created.generated else {
        return Ok(());
    };
    let file = config.data_dir.join(INITIAL_ADMIN_PASSWORD_FILE);
    let kept = match write_private(&file, &format!("{}\n", password.expose())) {
        Ok(()) => format!("It is also in {} (readable by this user only); delete that file once you have signed in.", file.display()),
        Err(e) => format!("It could not be written to {}: {e}", file.display()),
    };
    println!(
        "Created the administrator '{}' with a one-time password, shown only now; it must be changed at first sign-in:\n\n    {}\n\n{kept}",
        created.name,
        password.expose()
    );
    Ok(())
}

/// Writes `contents` to `path`, readable and writable by the owner only (mode 0600, also
/// when the file already existed).
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path)?;
    // `mode` applies only to a file it creates: narrow one that was already there.
    #[cfg(unix)]
    f.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    f.write_all(contents.as_bytes())?;
    f.sync_all()
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
