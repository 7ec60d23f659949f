//! Pedigree's server as a library: configuration, startup, the request shell and the
//! router, so tests spawn the real application on port 0 and the binary is a thin CLI
//! over it.
#![forbid(unsafe_code)]

pub mod api;
pub mod cli;
pub mod config;
pub mod forms;
pub mod live;
pub mod mlflow;
pub mod routes;
pub mod shell;
pub mod startup;
pub mod state;

pub use config::Config;
pub use startup::Application;
