//! Everything that touches the database, secrets or the network. Compiled only with `ssr`, so
//! none of it can reach the browser bundle.

pub mod account;
pub mod audit_log;
pub mod auth;
pub mod bootstrap;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod health;
pub mod http;
pub mod mail;
pub mod platform;
pub mod request_id;
pub mod routes;
pub mod security;
pub mod serve;
pub mod state;
pub mod telemetry;
pub mod wire;
