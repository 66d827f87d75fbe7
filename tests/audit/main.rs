//! An organisation's record: its audit log and the data export.
//!
//! One test binary per feature (fewer links on 2 cores); each former test file is a module.
#![cfg(feature = "ssr")]

#[path = "../common/mod.rs"]
mod common;

mod export;
mod log;
