//! Pedigree's domain: the types every front door shares, the rules that parse them, and —
//! behind the `server` feature — the store, the content-addressed blob store and the
//! services that the MLflow API and the dashboard both call.
//!
//! The default feature set has no I/O so the browser build can share types and validation.
#![forbid(unsafe_code)]

pub mod error;
pub mod names;
pub mod time;

pub mod access;
pub mod artifact;
pub mod audit;
pub mod chart;
pub mod experiment;
pub mod external;
pub mod holders;
pub mod lineage;
pub mod live;
pub mod location;
pub mod logged_model;
pub mod markdown;
pub mod model_version;
pub mod model_view;
pub mod policy;
pub mod registered_model;
pub mod review;
pub mod review_view;
pub mod run;
pub mod search;
pub mod user;
pub mod version_view;

#[cfg(feature = "server")]
pub mod blob;
#[cfg(feature = "server")]
pub mod demo;
#[cfg(feature = "server")]
pub mod service;
// The only module allowed to write SQL (see `clippy.toml`).
#[cfg(feature = "server")]
#[allow(clippy::disallowed_methods)]
pub mod store;

pub use error::{Entity, Error, Result};
pub use names::*;
