//! The markets' pages: the list, one market, one competitor, and the alerts.

pub mod alerts;
pub mod competitor;
pub mod market;
pub mod markets;
