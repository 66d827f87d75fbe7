//! Reusable pieces of interface.

pub mod field;
pub mod layout;
