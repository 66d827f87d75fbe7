//! Property-based fuzzing (proptest): configuration, CSV imports, tokens, validation.
//!
//! One test binary per feature (fewer links on 2 cores); each former test file is a module.
#![cfg(feature = "ssr")]

mod config;
mod csv;
mod tokens;
mod validation;
