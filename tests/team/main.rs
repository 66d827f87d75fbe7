//! An organisation's administration by its admins, and the console's organisations, support access and platform audit (one file, as the flows cross).
//!
//! One test binary per feature (fewer links on 2 cores); each former test file is a module.
#![cfg(feature = "ssr")]

#[path = "../common/mod.rs"]
mod common;

mod administration;
