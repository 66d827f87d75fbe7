//! The server around the features: the HTTP surface, hardening, public limits, timeouts, faults, deploy files, Leptos configuration, demo data.
//!
//! One test binary per feature (fewer links on 2 cores); each former test file is a module.
#![cfg(feature = "ssr")]

#[path = "../common/mod.rs"]
mod common;

mod demo_seed;
mod deploy_files;
mod faults;
mod hardening;
mod http_surface;
mod leptos_config;
mod public_limits;
mod server_timeouts;
