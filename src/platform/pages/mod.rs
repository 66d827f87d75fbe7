//! The console's pages: the organisation list and one organisation.

pub mod organisation;
pub mod organisations;
