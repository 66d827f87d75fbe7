//! Route components, one module per area.

pub mod account;
pub mod forgot_password;
pub mod home;
pub mod login;
pub mod not_found;
pub mod reset_password;
