//! What the public platform-status check reports.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatabaseHealth {
    Up,
    Down,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReport {
    pub version: String,
    pub database: DatabaseHealth,
    /// The database's clock when it answered, RFC 3339; `None` when it did not answer.
    pub database_time: Option<String>,
    pub migrations_applied: Option<usize>,
}
