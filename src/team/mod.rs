//! An organisation's administration by its own admins: members, invitations, bulk import.

pub mod api;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod accept_route;
#[cfg(feature = "ssr")]
pub mod import;
#[cfg(feature = "ssr")]
pub mod invitations;
#[cfg(feature = "ssr")]
pub mod members;
