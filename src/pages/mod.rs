//! Route components, one module per area.

pub mod home;
pub mod not_found;
