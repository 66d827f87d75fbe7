//! The access kernel: who is calling and what they may reach.
//!
//! `ctx` is the guard every server function goes through; `tenant` and `platform` are the only
//! transactions that reach organisation data, and only from a context; `support` is a
//! super-admin's audited way into one organisation; `audit` writes the trails. Queries here run
//! on the pool directly because they are what produce a context in the first place; everything
//! downstream takes the context. The kernel depends on `runtime` and the shared modules, never
//! on a feature.

pub mod audit;
pub mod ctx;
pub mod doors;
pub mod identity;
pub mod jwt;
pub mod platform;
pub mod session;
pub mod snapshot;
pub mod state;
pub mod support;
pub mod system;
pub mod tenant;
