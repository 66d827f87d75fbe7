//! Who is signed in, in what role, and their sessions.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::organisation::MembershipRole;

/// What a signed-in identity may do. The first three are membership roles inside one
/// organisation, ordered by power; `SuperAdmin` is the platform role, outside any organisation.
/// Serialised as the JWT `user_role` claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    SuperAdmin,
    Admin,
    Analyst,
    Viewer,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::SuperAdmin => "super-admin",
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Viewer => "viewer",
        }
    }

    /// Whether holding `self` is enough for something that needs `needed`. Tenant roles are ranked
    /// (admin ⊇ analyst ⊇ viewer); the platform role is separate: a super-admin reaches an
    /// organisation's data only through the audited support path, never by rank.
    pub fn satisfies(self, needed: Role) -> bool {
        match (self, needed) {
            (Role::SuperAdmin, Role::SuperAdmin) => true,
            (Role::SuperAdmin, _) | (_, Role::SuperAdmin) => false,
            (have, need) => have.tenant_rank() >= need.tenant_rank(),
        }
    }

    fn tenant_rank(self) -> u8 {
        match self {
            Role::Viewer => 1,
            Role::Analyst => 2,
            Role::Admin => 3,
            Role::SuperAdmin => 0,
        }
    }
}

impl From<MembershipRole> for Role {
    fn from(role: MembershipRole) -> Self {
        match role {
            MembershipRole::Admin => Role::Admin,
            MembershipRole::Analyst => Role::Analyst,
            MembershipRole::Viewer => Role::Viewer,
        }
    }
}

/// The signed-in person as the interface shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub organisation_name: Option<String>,
    /// Set while a super-admin works inside an organisation through support access.
    pub support: Option<crate::model::admin::SupportBanner>,
    /// Open alerts of the organisation nobody has read (members only): the navigation badge.
    pub unread_alerts: Option<i64>,
}

/// One signed-in browser, as listed on the account page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionSummary {
    pub id: Uuid,
    pub user_agent: String,
    pub client_address: String,
    /// RFC 3339, UTC.
    pub signed_in_at: String,
    /// RFC 3339, UTC.
    pub last_seen_at: String,
    pub current: bool,
}

#[cfg(test)]
mod tests;
