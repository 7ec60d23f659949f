//! The core's integration tests, one binary (linking one per file costs minutes on two
//! cores): store and service tests run on a fresh SQLite file and, when
//! `PEDIGREE_TEST_PG_URL` names a PostgreSQL server, on a fresh PostgreSQL database too.
#![allow(dead_code, clippy::disallowed_methods)]

mod audit;
mod audit_export;
mod audit_latency;
mod blob;
mod cache;
mod common;
mod credentials;
mod demo;
mod external;
mod governance;
mod governance_race;
mod holders;
mod lineage;
mod locations;
mod review_checks;
mod reviews;
mod snapshot;
mod spine;
mod store;
