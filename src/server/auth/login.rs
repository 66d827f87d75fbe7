//! Checking an email and password: the one path both the sign-in form and the token endpoint's
//! password grant use, with throttling, the dummy verification for unknown emails, re-hashing,
//! and auditing.

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::model::account::Role;
use crate::model::organisation::{MembershipRole, OrganisationStatus, UserStatus};
use crate::model::validation::{normalise_email, PASSWORD_MAX_BYTES};
use crate::server::auth::audit::{self, AuditAction, AuditEvent};
use crate::server::auth::password::{self, Verified};
use crate::server::auth::throttle::{self, ThrottleKeys};
use crate::server::db::tenant::begin_scoped;

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

/// Loads an account with its membership. Memberships are a tenant table; the lookup is scoped to
/// this user so the row-level policy shows their own membership and nothing else.
pub async fn load_account_by_id(
    pool: &PgPool,
    user_id: Uuid,
) -> Result<Option<Account>, sqlx::Error> {
    // One round trip: `guard_account` opens the user's own membership to row-level security
    // for its own statement only (migration 9).
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

/// Why a sign-in failed. `InvalidCredentials` covers unknown emails, wrong passwords and
/// deactivated accounts alike, so the answer never tells them apart.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("too many failed attempts; locked until {until}")]
    Locked { until: OffsetDateTime },
    #[error("the organisation is suspended")]
    OrganisationSuspended,
    #[error("{0}")]
    Internal(String),
}

impl From<sqlx::Error> for LoginError {
    fn from(error: sqlx::Error) -> Self {
        LoginError::Internal(format!("database: {error}"))
    }
}

impl From<password::HashError> for LoginError {
    fn from(error: password::HashError) -> Self {
        LoginError::Internal(error.to_string())
    }
}

/// Checks an email and password from `client_address` at `now`.
pub async fn authenticate(
    pool: &PgPool,
    raw_email: &str,
    password: &str,
    client_address: &str,
    now: OffsetDateTime,
) -> Result<Account, LoginError> {
    let email = normalise_email(raw_email);
    let keys = ThrottleKeys::new(&email, client_address);

    let locks_if_wrong = match throttle::begin_attempt(pool, &keys, now).await? {
        throttle::Attempt::Refused { until } => return Err(LoginError::Locked { until }),
        throttle::Attempt::Allowed { locks_if_wrong } => locks_if_wrong,
    };

    let stored = sqlx::query!("SELECT id, password_hash FROM users WHERE email = $1", email)
        .fetch_optional(pool)
        .await?;
    // An oversized password is never hashed, but still costs one (dummy) verification so its
    // answer takes as long as any other failure.
    let attempt = if password.len() > PASSWORD_MAX_BYTES { "" } else { password };
    let stored_hash = stored
        .as_ref()
        .filter(|_| password.len() <= PASSWORD_MAX_BYTES)
        .and_then(|user| user.password_hash.as_deref());
    let verified = password::verify(attempt, stored_hash).await?;

    let account = match (&verified, &stored) {
        (Verified::Yes { .. }, Some(user)) => load_account_by_id(pool, user.id).await?,
        _ => None,
    };
    let account = match account {
        Some(account) if account.standing() != Standing::Inactive => account,
        _ => return Err(fail(pool, locks_if_wrong, &email, client_address, now).await?),
    };

    if let Verified::Yes { rehashed: Some(new_hash) } = verified {
        store_rehash(pool, account.user_id, &new_hash, now).await?;
    }
    if account.standing() == Standing::OrganisationSuspended {
        // The password was right, so saying why is no enumeration.
        return Err(LoginError::OrganisationSuspended);
    }
    // Everything a successful sign-in writes, in one transaction (scoped to the organisation,
    // whose trail gets the entry): one commit instead of four on the path every login takes.
    let mut tx = match account.organisation_id {
        Some(organisation_id) => begin_scoped(pool, organisation_id).await?,
        None => crate::server::db::begin(pool).await?,
    };
    throttle::succeeded(&mut *tx, &keys).await?;
    sqlx::query!("UPDATE users SET last_login_at = $2 WHERE id = $1", account.user_id, now)
        .execute(&mut *tx)
        .await?;
    let event = AuditEvent {
        action: AuditAction::LoginSucceeded,
        actor_user_id: Some(account.user_id),
        subject: &account.email,
        client_address,
        detail: serde_json::json!({}),
    };
    match account.organisation_id {
        Some(organisation_id) => audit::record_tenant(&mut tx, organisation_id, event, now).await?,
        None => audit::record_platform(&mut *tx, event, now).await?,
    }
    tx.commit().await?;
    Ok(account)
}

/// Stores a password's new hash (its stored one used older parameters).
async fn store_rehash(
    pool: &PgPool,
    user_id: Uuid,
    new_hash: &str,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1",
        user_id,
        new_hash,
        now
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Audits a failed attempt (already counted by the throttle) and returns the error to answer with.
async fn fail(
    pool: &PgPool,
    locked: Option<OffsetDateTime>,
    email: &str,
    client_address: &str,
    now: OffsetDateTime,
) -> Result<LoginError, sqlx::Error> {
    let event = |action| AuditEvent {
        action,
        actor_user_id: None,
        subject: email,
        client_address,
        detail: serde_json::json!({}),
    };
    audit::record(pool, None, event(AuditAction::LoginFailed), now).await?;
    if let Some(until) = locked {
        let mut locked_event = event(AuditAction::LoginLocked);
        locked_event.detail = serde_json::json!({ "locked_until": until.unix_timestamp() });
        audit::record(pool, None, locked_event, now).await?;
        tracing::warn!(subject = email, client_address, "login locked after repeated failures");
    }
    Ok(LoginError::InvalidCredentials)
}
