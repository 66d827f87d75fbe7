//! The platform super-admin's console: organisations (and their deletion), support access, the
//! platform audit log, and warnings about the deployment.

pub mod deletion;
pub mod organisations;
pub mod platform_audit;
pub mod support;
pub mod warnings;
