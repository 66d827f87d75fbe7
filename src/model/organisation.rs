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

/// Choices offered in forms and filters: each enum's values in display order, with their wire
/// names (the serde names, also the database's) and labels.
pub trait Choice: Sized + Copy + PartialEq + 'static {
    const ALL: &'static [Self];
    fn value(self) -> &'static str;
    fn label(self) -> &'static str;

    fn from_value(value: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|choice| choice.value() == value)
    }
}

impl Choice for Industry {
    const ALL: &'static [Self] =
        &[Industry::Cinema, Industry::Hotel, Industry::Gym, Industry::B2b, Industry::Retail];
    fn value(self) -> &'static str {
        match self {
            Industry::Cinema => "cinema",
            Industry::Hotel => "hotel",
            Industry::Gym => "gym",
            Industry::B2b => "b2b",
            Industry::Retail => "retail",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Industry::Cinema => "Cinema",
            Industry::Hotel => "Hotel",
            Industry::Gym => "Gym",
            Industry::B2b => "B2B services",
            Industry::Retail => "Retail",
        }
    }
}

impl Choice for Plan {
    const ALL: &'static [Self] = &[Plan::Basic, Plan::Professional, Plan::Enterprise];
    fn value(self) -> &'static str {
        match self {
            Plan::Basic => "basic",
            Plan::Professional => "professional",
            Plan::Enterprise => "enterprise",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Plan::Basic => "Basic",
            Plan::Professional => "Professional",
            Plan::Enterprise => "Enterprise",
        }
    }
}

impl Choice for OrganisationStatus {
    const ALL: &'static [Self] = &[OrganisationStatus::Active, OrganisationStatus::Suspended];
    fn value(self) -> &'static str {
        match self {
            OrganisationStatus::Active => "active",
            OrganisationStatus::Suspended => "suspended",
        }
    }
    fn label(self) -> &'static str {
        match self {
            OrganisationStatus::Active => "Active",
            OrganisationStatus::Suspended => "Suspended",
        }
    }
}

impl Choice for MembershipRole {
    const ALL: &'static [Self] =
        &[MembershipRole::Admin, MembershipRole::Analyst, MembershipRole::Viewer];
    fn value(self) -> &'static str {
        self.label()
    }
    fn label(self) -> &'static str {
        MembershipRole::label(self)
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    /// The form values must be the serde names, which the server functions decode.
    fn values_match_serde<T: Choice + Serialize>() {
        for choice in T::ALL {
            assert_eq!(serde_json::to_string(choice).unwrap(), format!("\"{}\"", choice.value()));
            assert!(T::from_value(choice.value()) == Some(*choice));
        }
    }

    #[test]
    fn choice_values_are_the_wire_names() {
        values_match_serde::<Industry>();
        values_match_serde::<Plan>();
        values_match_serde::<OrganisationStatus>();
        values_match_serde::<MembershipRole>();
    }
}
