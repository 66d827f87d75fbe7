//! The team's pages: members and invitations, and accepting an invitation.

pub mod accept_invitation;
pub mod members;
