//! The platform super-admin's console: organisations, support access, the platform audit log.

pub mod organisations;
pub mod platform_audit;
pub mod support;
