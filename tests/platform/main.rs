//! The platform: deleting an organisation, and the first super-admin.
//!
//! One test binary per feature (fewer links on 2 cores); each former test file is a module.
#![cfg(feature = "ssr")]

#[path = "../common/mod.rs"]
mod common;

mod bootstrap;
mod deletion;
