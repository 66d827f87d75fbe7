//! A person's own account: browser sessions, API tokens, the sign-in throttle, password resets.
//! (`tests/login_enumeration.rs` counts a process-wide number, so it keeps a binary of its own.)
//!
//! One test binary per feature (fewer links on 2 cores); each former test file is a module.
#![cfg(feature = "ssr")]

#[path = "../common/mod.rs"]
mod common;

mod lockout;
mod reset;
mod sessions;
mod tokens;
