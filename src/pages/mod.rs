//! Route components, one module per area.

pub mod accept_invitation;
pub mod account;
pub mod admin;
pub mod admin_organisation;
pub mod alerts;
pub mod audit;
pub mod competitor;
pub mod forgot_password;
pub mod home;
pub mod login;
pub mod market;
pub mod markets;
pub mod not_found;
pub mod reset_password;
pub mod team;
