//! Route components, one module per area.

pub mod account;
pub mod home;
pub mod login;
pub mod not_found;
