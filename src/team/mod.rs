//! An organisation's administration by its own admins: members, invitations (and accepting one,
//! `accept_route`), bulk import; `api` holds the server functions, `pages` the routes.

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
