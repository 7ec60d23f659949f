//! Server functions: the dashboard's only way to the registry. Each is thin: take the
//! [`ctx::Ctx`] (registry and actor), make one `pedigree_core` call, map the error. One
//! module per aggregate.
//!
//! Every server function has an explicit, stable URL under `/_app/`, e.g.
//! `#[server(prefix = "/_app", endpoint = "models/list")]` answers `POST /_app/models/list`.
//! Explicit because the default URL carries a hash of the crate path, so it changes between
//! builds and cannot be named in tests, logs or a proxy config. Outside `/api/` because that
//! tree is MLflow's: the server answers its unknown paths with MLflow's JSON 404.
pub mod admin;
pub mod audit;
#[cfg(feature = "ssr")]
pub mod ctx;
pub mod experiments;
pub mod models;
mod needs;
pub use needs::{need, NEEDS};
pub mod reviews;
pub mod runs;
pub mod session;
pub mod versions;
