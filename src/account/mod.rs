//! A person's own account: signing in and out (browser sessions and API tokens), the password,
//! its reset, remembered devices, the sign-in throttle, and the account page.

pub mod api;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod device;
#[cfg(feature = "ssr")]
pub mod housekeeping;
#[cfg(feature = "ssr")]
pub mod own_account;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod policy;
#[cfg(feature = "ssr")]
pub mod refresh;
#[cfg(feature = "ssr")]
pub mod reset;
#[cfg(feature = "ssr")]
pub mod routes;
#[cfg(feature = "ssr")]
pub mod sign_in;
#[cfg(feature = "ssr")]
pub mod throttle;
