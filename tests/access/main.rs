//! The access kernel and the tenant walls: who may call what, and what each organisation can reach.
//!
//! One test binary per feature (fewer links on 2 cores); each former test file is a module.
#![cfg(feature = "ssr")]

#[path = "../common/mod.rs"]
mod common;

mod isolation;
mod matrix;
