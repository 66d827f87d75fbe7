//! Reusable pieces of interface.

pub mod chart;
pub mod choice;
pub mod field;
pub mod pager;
pub mod signed_in;
