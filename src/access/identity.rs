//! Who an account is right now: identity, standing and role, as the guard and sign-in read them.
//! The guard re-reads it on every request, so a deactivation, a role change or a suspension
//! takes effect at once.

use sqlx::PgPool;
use uuid::Uuid;

use crate::model::account::Role;
use crate::model::organisation::{MembershipRole, OrganisationStatus, UserStatus};

/// A user as the guard and sign-in see them: identity, standing and role right now.
#[derive(Debug, Clone)]
pub struct Account {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub status: UserStatus,
    pub auth_version: i32,
    pub is_super_admin: bool,
    pub organisation_id: Option<Uuid>,
    pub organisation_name: Option<String>,
    pub organisation_status: Option<OrganisationStatus>,
    pub membership_role: Option<MembershipRole>,
}

impl Account {
    /// The role this account holds now, if it may act at all.
    pub fn role(&self) -> Option<Role> {
        if self.is_super_admin {
            Some(Role::SuperAdmin)
        } else {
            self.membership_role.map(Role::from)
        }
    }

    /// Whether the account may be used right now: active user, active organisation, a role.
    pub fn standing(&self) -> Standing {
        if self.status != UserStatus::Active || self.role().is_none() {
            Standing::Inactive
        } else if !self.is_super_admin
            && self.organisation_status != Some(OrganisationStatus::Active)
        {
            Standing::OrganisationSuspended
        } else {
            Standing::Good
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Good,
    Inactive,
    OrganisationSuspended,
}

/// Loads an account with its membership. `users` and memberships are behind row-level security;
/// the lookup is scoped to this user so the policies show their own account and membership and
/// nothing else.
pub async fn load_account_by_id(
    pool: &PgPool,
    user_id: Uuid,
) -> Result<Option<Account>, sqlx::Error> {
    // One round trip: `guard_account` opens the user's own account and membership to
    // row-level security for its own statement only (migration 9; `users_read`, migration
    // 20261129000201).
    sqlx::query_as!(
        Account,
        r#"SELECT user_id AS "user_id!", email AS "email!", display_name AS "display_name!",
                  status AS "status!: UserStatus", auth_version AS "auth_version!",
                  is_super_admin AS "is_super_admin!",
                  organisation_id, organisation_name,
                  organisation_status AS "organisation_status: OrganisationStatus",
                  membership_role AS "membership_role: MembershipRole"
           FROM guard_account($1)"#,
        user_id
    )
    .fetch_optional(pool)
    .await
}
