//! An organisation's record: its audit trail, the platform's trail, and the take-away copy of
//! everything the organisation holds (the export).

pub mod api;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
pub mod organisation_log;
#[cfg(feature = "ssr")]
pub mod platform_log;
