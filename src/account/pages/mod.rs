//! The account's pages: sign-in, forgotten and reset password, and the account itself.

pub mod account;
pub mod forgot_password;
pub mod login;
pub mod reset_password;
