//! Checking an email and password: the one path both the sign-in form and the token endpoint's
//! password grant use, with throttling, the dummy verification for unknown emails, re-hashing,
//! and auditing.

use sqlx::PgPool;
use time::OffsetDateTime;

use crate::access::audit::{self, AuditAction, AuditEvent};
use crate::access::doors;
pub use crate::access::identity::{load_account_by_id, Account, Standing};
use crate::access::jwt::DeviceClaims;
use crate::account::password::{self, Verified};
use crate::account::throttle::{self, ThrottleKeys};
use crate::error::AppError;
use crate::model::validation::{normalise_email, PASSWORD_MAX_BYTES};

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
    /// Not the caller's doing: the database is unavailable (503) or a bug (500, logged).
    #[error(transparent)]
    Failed(#[from] AppError),
}

impl From<sqlx::Error> for LoginError {
    fn from(error: sqlx::Error) -> Self {
        LoginError::Failed(AppError::from(error))
    }
}

impl From<password::HashError> for LoginError {
    fn from(error: password::HashError) -> Self {
        LoginError::Failed(AppError::internal(error))
    }
}

/// Who is signing in, as the throttle and the audit log see them.
#[derive(Debug, Clone)]
pub struct Requester {
    /// The client's address, for the audit log.
    pub client_address: String,
    /// What the throttle counts the client by (its address, or its IPv6 /64).
    pub throttle_address: String,
    /// The device cookie the browser presented (none for API clients, whatever they send).
    pub device: Option<DeviceClaims>,
}

impl Requester {
    pub fn of(parts: &axum::http::request::Parts, device: Option<DeviceClaims>) -> Self {
        Requester {
            client_address: crate::runtime::client_address::client_address(parts),
            throttle_address: crate::runtime::client_address::throttle_address(parts),
            device,
        }
    }
}

/// Checks an email and password from `requester` at `now`.
pub async fn authenticate(
    pool: &PgPool,
    raw_email: &str,
    password: &str,
    requester: &Requester,
    now: OffsetDateTime,
) -> Result<Account, LoginError> {
    let email = normalise_email(raw_email);
    let client_address = requester.client_address.as_str();
    // Before anyone is signed in no row-level policy shows an account: `sign_in_lookup`
    // (SECURITY DEFINER, migration 20261129000201) returns this email's id and hash, nothing else.
    let stored =
        sqlx::query!(r#"SELECT user_id AS "id!", password_hash FROM sign_in_lookup($1)"#, email)
            .fetch_optional(pool)
            .await?;
    // A browser that signed in to this very account before counts on its own key; anyone else
    // (a device cookie for another account included) on the account's and the address's.
    let keys = match (&requester.device, &stored) {
        (Some(device), Some(user)) if device.sub == user.id => {
            ThrottleKeys::device(&email, device.jti)
        }
        _ => ThrottleKeys::stranger(&email, &requester.throttle_address),
    };

    let attempt = match throttle::begin_attempt(pool, &keys, now).await? {
        throttle::Attempt::Refused { until } => return Err(LoginError::Locked { until }),
        throttle::Attempt::Allowed(attempt) => attempt,
    };

    // An oversized password is never hashed, but still costs one (dummy) verification so its
    // answer takes as long as any other failure.
    let attempt_password = if password.len() > PASSWORD_MAX_BYTES { "" } else { password };
    let stored_hash = stored
        .as_ref()
        .filter(|_| password.len() <= PASSWORD_MAX_BYTES)
        .and_then(|user| user.password_hash.as_deref());
    let verified = password::verify(attempt_password, stored_hash).await?;

    let account = match (&verified, &stored) {
        (Verified::Yes { .. }, Some(user)) => load_account_by_id(pool, user.id).await?,
        _ => None,
    };
    let account = match account {
        Some(account) if account.standing() != Standing::Inactive => account,
        _ => {
            let locked = attempt.locks_if_wrong();
            return Err(fail(pool, locked, &email, client_address, now).await?);
        }
    };

    if let Verified::Yes { rehashed: Some(new_hash) } = verified {
        store_rehash(pool, &account, &new_hash, now).await?;
    }
    if account.standing() == Standing::OrganisationSuspended {
        // The password was right, so saying why is no enumeration.
        return Err(LoginError::OrganisationSuspended);
    }
    // Everything a successful sign-in writes, in one transaction (scoped to the organisation,
    // whose trail gets the entry): one commit instead of four on the path every login takes.
    // It acts for the account just proven (`app.user_id`, its own `users` row), begun in one
    // round trip like any scoped transaction.
    let mut tx = doors::signing_in(pool, &account).await?;
    throttle::succeeded(&mut *tx, &attempt).await?;
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
    tx.audit(event, now).await?;
    tx.commit().await?;
    Ok(account)
}

/// Stores a password's new hash (its stored one used older parameters).
async fn store_rehash(
    pool: &PgPool,
    account: &Account,
    new_hash: &str,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    // Rare (only when the parameters changed), so a transaction of its own.
    let mut tx = doors::rehashing_password(pool, account).await?;
    sqlx::query!(
        "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1",
        account.user_id,
        new_hash,
        now
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
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
    audit::record_platform(pool, event(AuditAction::LoginFailed), now).await?;
    if let Some(until) = locked {
        let mut locked_event = event(AuditAction::LoginLocked);
        locked_event.detail = serde_json::json!({ "locked_until": until.unix_timestamp() });
        audit::record_platform(pool, locked_event, now).await?;
        tracing::warn!(subject = email, client_address, "login locked after repeated failures");
    }
    Ok(LoginError::InvalidCredentials)
}
