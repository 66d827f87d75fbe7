//! MarketEdge: multi-tenant competitive pricing intelligence.
//!
//! One crate, two targets: with `ssr` it is the server (pages rendered on the server, server
//! functions, database access); with `hydrate` it is the browser bundle that hydrates those
//! pages. The module tree is a folder per feature over a small kernel:
//!
//! * shared by both builds: `error`, `model` (value types), `components` (interface pieces);
//! * server only: `runtime` (what a running server is made of, knowing no user or feature) and
//!   `access` (the kernel: the guard, `Ctx`, tenant and platform transactions, support access,
//!   the audit writer);
//! * one folder per feature, each with its server functions (`api`), its pages (`pages`) and,
//!   server only, its data functions and SQL: `markets`, `account`, `team`, `platform`, `audit`;
//! * `host`: the shell and route table, and the server around the features (router, wire,
//!   security, serve, health, OpenAPI, telemetry, demo data).
//!
//! Imports only go down: host → platform → team → account → markets, audit → access → runtime
//! → the shared modules (`tests/structure.rs` keeps it so).

pub mod components;
pub mod error;
pub mod model;

#[cfg(feature = "ssr")]
pub mod access;
#[cfg(feature = "ssr")]
pub mod runtime;

pub mod account;
pub mod audit;
pub mod host;
pub mod markets;
pub mod platform;
pub mod team;

/// The browser entry point: attaches event handlers to the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(host::app::App);
}
