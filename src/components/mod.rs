//! Reusable pieces of interface.

pub mod layout;
