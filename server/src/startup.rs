//! Startup as a library: `Application::build` opens the registry, binds the listener (port 0
//! in tests) and assembles the router; `run_until_stopped` serves until Ctrl-C or SIGTERM.
use crate::config::Config;
use crate::routes;
use pedigree_core::service::Registry;
use std::net::SocketAddr;
use tokio::net::TcpListener;

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    registry: Registry,
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
        let listener = TcpListener::bind((config.server.host, config.server.port))
            .await
            .map_err(|e| {
                format!(
                    "cannot listen on {}:{}: {e}",
                    config.server.host, config.server.port
                )
            })?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let router = routes::router(registry.clone(), config, addr);
        Ok(Application {
            listener,
            router,
            registry,
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
        // `into_make_service` turns every route into a service once; serving the `Router`
        // itself would redo that, cloning the whole route table and its middleware
        // stacks, for every connection.
        axum::serve(self.listener, self.router.into_make_service())
            .with_graceful_shutdown(shutdown)
            .await?;
        registry.close().await;
        Ok(())
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }
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
