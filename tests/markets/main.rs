//! Markets: the domain end to end, API regressions, and the OpenAPI document.
//!
//! One test binary per feature (fewer links on 2 cores); each former test file is a module.
#![cfg(feature = "ssr")]

#[path = "../common/mod.rs"]
mod common;

mod api_regressions;
mod domain;
mod openapi;
