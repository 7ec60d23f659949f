//! The server's integration tests, one binary (linking one per file costs minutes on two
//! cores): the application on port 0 (SQLite, and PostgreSQL when `PEDIGREE_TEST_PG_URL`
//! is set), the MLflow API as clients see it, response snapshots, the `pedigree` binary,
//! reliability under concurrency and `kill -9`, and the request shell every request passes.
#![allow(dead_code)]

mod app;
mod audit_api;
mod cli;
mod common;
mod dashboard_admin;
mod dashboard_audit;
mod dashboard_reviews;
mod governance_api;
mod live;
mod mlflow_api;
mod mlflow_compat;
mod mlflow_external;
mod mlflow_snapshots;
mod openapi;
mod permissions;
mod reliability;
mod replay;
mod review_policy_api;
mod session;
mod shell;
mod transition_requests;
mod version_page;
