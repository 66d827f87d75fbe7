//! An organisation's administration by its own admins: members, invitations, bulk import.

pub mod import;
pub mod invitations;
pub mod members;
