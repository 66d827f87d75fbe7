//! The platform super-admin's console: organisations (and their deletion), support access, the
//! platform audit log.

pub mod deletion;
pub mod organisations;
pub mod platform_audit;
pub mod support;
