//! MarketEdge: multi-tenant competitive pricing intelligence.
//!
//! One crate, two targets: with `ssr` it is the server (pages rendered on the server, server
//! functions, database access under `server/`); with `hydrate` it is the browser bundle that
//! hydrates those pages. Types both sides share live at the top of the module tree.

pub mod api;
pub mod app;
pub mod components;
pub mod error;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod server;

/// The browser entry point: attaches event handlers to the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
