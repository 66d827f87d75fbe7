//! Audit entries as an organisation's admins read them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// RFC 3339, UTC.
    pub occurred_at: String,
    /// The `audit_action` value, e.g. `login_succeeded`.
    pub action: String,
    /// Who did it (email), when known.
    pub actor: Option<String>,
    pub subject: String,
    pub client_address: String,
    /// What changed, as JSON: `before`/`after` values, the role given, the support access used.
    pub detail: String,
}
