//! The one state every handler and middleware shares: the registry, the limits, the
//! dashboard's Leptos options and the request shell's policy. MLflow handlers know it as
//! `mlflow::Ctx`; Leptos finds its options through [`FromRef`].
use crate::config::Config;
use crate::shell::hosts::HostAllowlist;
use crate::shell::ShellPolicy;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use pedigree_core::service::Registry;
use pedigree_core::user::Actor;
use std::net::SocketAddr;
use std::sync::Arc;

/// Cloned for every request by every middleware and route that holds it, so it must stay
/// cheap to clone: everything large sits behind an `Arc` (a `LeptosOptions` clone alone
/// cost ~100k instructions a request, half the CPU of a registry read).
#[derive(Clone)]
pub struct AppState {
    pub reg: Registry,
    /// Largest artifact upload, in bytes.
    pub max_body_bytes: usize,
    pub leptos: Arc<LeptosOptions>,
    pub shell: Arc<ShellPolicy>,
    /// Identical MLflow reads replayed until the next write (`crate::mlflow::replay`).
    pub replay: Arc<crate::mlflow::replay::Replay>,
    /// The actor of requests without credentials, made once.
    pub anonymous: Actor,
    /// Cancelled when the server starts shutting down: endless responses (the live
    /// updates) end then, so graceful shutdown does not wait for them forever.
    pub closing: tokio_util::sync::CancellationToken,
}

impl AppState {
    /// The state for a server bound to `addr` (the real port, also when asked for port 0).
    pub fn new(reg: Registry, config: &Config, leptos: LeptosOptions, addr: SocketAddr) -> Self {
        AppState {
            reg,
            max_body_bytes: config.server.max_body_bytes,
            leptos: Arc::new(leptos),
            shell: Arc::new(ShellPolicy {
                hosts: HostAllowlist::new(&config.server.allowed_hosts, addr),
                require_auth: config.auth.require_auth,
                request_timeout: config.server.request_timeout,
            }),
            replay: Arc::default(),
            anonymous: Actor::anonymous(),
            closing: tokio_util::sync::CancellationToken::new(),
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        (*state.leptos).clone()
    }
}
