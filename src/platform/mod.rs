//! The platform super-admin's console: organisations (their creation, suspension and deletion),
//! the entry to support access, the first super-admin, and warnings about the deployment.

pub mod api;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod bootstrap;
#[cfg(feature = "ssr")]
pub mod deletion;
#[cfg(feature = "ssr")]
pub mod organisations;
#[cfg(feature = "ssr")]
pub mod warnings;
