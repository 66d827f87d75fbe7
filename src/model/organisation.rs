//! Organisations (tenants) and the roles people hold in them.

use serde::{Deserialize, Serialize};

/// The kind of business an organisation is; it decides the suggested product template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "industry", rename_all = "snake_case"))]
pub enum Industry {
    Cinema,
    Hotel,
    Gym,
    B2b,
    Retail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "plan", rename_all = "snake_case"))]
pub enum Plan {
    Basic,
    Professional,
    Enterprise,
}

/// A role inside one organisation. Platform super-admins are not members and have no such role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "membership_role", rename_all = "snake_case"))]
pub enum MembershipRole {
    Admin,
    Analyst,
    Viewer,
}

impl MembershipRole {
    pub fn label(self) -> &'static str {
        match self {
            MembershipRole::Admin => "admin",
            MembershipRole::Analyst => "analyst",
            MembershipRole::Viewer => "viewer",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "organisation_status", rename_all = "snake_case"))]
pub enum OrganisationStatus {
    Active,
    Suspended,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "user_status", rename_all = "snake_case"))]
pub enum UserStatus {
    Active,
    Deactivated,
}

/// One organisation in the platform overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationSummary {
    pub id: uuid::Uuid,
    pub name: String,
    pub industry: Industry,
    pub plan: Plan,
    pub status: OrganisationStatus,
    pub members: i64,
}
