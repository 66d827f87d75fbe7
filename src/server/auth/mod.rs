//! Authentication and the access context.
//!
//! `ctx` is the guard every server function goes through; the other modules are the pieces it
//! and the sign-in paths are built from. Queries here run on the pool directly because they are
//! what produce a context in the first place; everything downstream takes the context.

pub mod audit;
pub mod ctx;
pub mod device;
pub mod jwt;
pub mod login;
pub mod password;
pub mod policy;
pub mod refresh;
pub mod reset;
pub mod session;
pub mod throttle;
