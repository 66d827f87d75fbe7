//! Everything that touches the database, secrets or the network. Compiled only with `ssr`, so
//! none of it can reach the browser bundle.

pub mod account;
pub mod admin;
pub mod audit_log;
pub mod auth;
pub mod bootstrap;
pub mod clock;
pub mod config;
pub mod csv_file;
pub mod db;
pub mod demo;
pub mod demo_market;
pub mod health;
pub mod http;
pub mod mail;
pub mod market;
pub mod request_id;
pub mod routes;
pub mod security;
pub mod serve;
pub mod state;
pub mod team;
pub mod telemetry;
pub mod wire;

/// A timestamp as the interface shows it: RFC 3339, UTC.
pub fn rfc3339(time: time::OffsetDateTime) -> String {
    time.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}
