//! Forgotten passwords: a single-use link, valid for an hour, sent by email through the outbox.
//! Asking answers the same whether or not the email has an account; using the link sets the
//! password and bumps `auth_version`, which ends every session and token of the account.

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::FieldError;
use crate::model::organisation::UserStatus;
use crate::model::validation::{field_error, normalise_email};
use crate::server::auth::audit::{self, AuditAction, AuditEvent};
use crate::server::auth::jwt::{ResetClaims, TokenKeys};
use crate::server::auth::password;
use crate::server::auth::policy::check_password_policy;
use crate::server::auth::refresh;
use crate::server::auth::session;
use crate::server::auth::throttle::{self, ThrottleKeys};
use crate::server::mail;

pub const RESET_LINK_SECONDS: i64 = 60 * 60;

/// Queues a reset link for `raw_email` if it belongs to an active account; otherwise does
/// nothing. Either way the caller answers the same.
pub async fn request_reset(
    pool: &PgPool,
    keys: &TokenKeys,
    public_url: &str,
    raw_email: &str,
    client_address: &str,
    now: OffsetDateTime,
) -> Result<(), String> {
    let email = normalise_email(raw_email);
    let user = sqlx::query!(
        r#"SELECT id, auth_version, status AS "status: UserStatus" FROM users WHERE email = $1"#,
        email
    )
    .fetch_optional(pool)
    .await
    .map_err(|error| error.to_string())?;
    let Some(user) = user.filter(|user| user.status == UserStatus::Active) else {
        return Ok(());
    };
    let jti = Uuid::now_v7();
    let claims = ResetClaims::new(user.id, user.auth_version, jti, now, RESET_LINK_SECONDS);
    let token = keys.sign_reset(&claims).map_err(|error| error.to_string())?;
    let link = format!("{public_url}/reset-password?token={token}");
    let body = format!(
        "Someone (hopefully you) asked to reset the password of your MarketEdge account.\n\n\
         Choose a new password here within the next hour:\n\n{link}\n\n\
         The link works once. If you did not ask for this, ignore this email: your password \
         stays as it is.\n"
    );

    let mut tx = crate::server::db::begin(pool).await.map_err(|error| error.to_string())?;
    sqlx::query!(
        "INSERT INTO password_resets (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        jti,
        user.id,
        now,
        now + time::Duration::seconds(RESET_LINK_SECONDS)
    )
    .execute(&mut *tx)
    .await
    .map_err(|error| error.to_string())?;
    mail::enqueue(&mut *tx, &email, "Reset your MarketEdge password", &body, now)
        .await
        .map_err(|error| error.to_string())?;
    let event = AuditEvent {
        action: AuditAction::PasswordResetRequested,
        actor_user_id: None,
        subject: &email,
        client_address,
        detail: serde_json::json!({}),
    };
    audit::record_platform(&mut *tx, event, now).await.map_err(|error| error.to_string())?;
    tx.commit().await.map_err(|error| error.to_string())
}

#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    /// Unknown, expired, used, or superseded by a later password change.
    #[error("the reset link is not valid")]
    InvalidLink,
    #[error("the new password was refused")]
    Fields(Vec<FieldError>),
    #[error("{0}")]
    Internal(String),
}

impl From<sqlx::Error> for ResetError {
    fn from(error: sqlx::Error) -> Self {
        ResetError::Internal(error.to_string())
    }
}

/// Sets a new password from a reset link.
pub async fn complete_reset(
    pool: &PgPool,
    keys: &TokenKeys,
    token: &str,
    new_password: &str,
    confirm_password: &str,
    now: OffsetDateTime,
) -> Result<(), ResetError> {
    let claims = keys.verify_reset(token).map_err(|_| ResetError::InvalidLink)?;
    let user = sqlx::query!(
        r#"SELECT email, display_name, auth_version, status AS "status: UserStatus" FROM users WHERE id = $1"#,
        claims.sub
    )
    .fetch_optional(pool)
    .await?
    .filter(|user| user.status == UserStatus::Active && user.auth_version == claims.ver)
    .ok_or(ResetError::InvalidLink)?;

    let mut problems: Vec<FieldError> = Vec::new();
    problems.extend(check_password_policy(
        "new_password",
        new_password,
        &[&user.email, &user.display_name],
    ));
    if new_password != confirm_password {
        problems.push(field_error("confirm_password", "mismatch", "The two new passwords differ."));
    }
    if !problems.is_empty() {
        return Err(ResetError::Fields(problems));
    }
    let hash = password::hash(new_password)
        .await
        .map_err(|error| ResetError::Internal(error.to_string()))?;

    let mut tx = crate::server::db::begin(pool).await?;
    // Marking the link used and changing the password commit together: a link works once.
    let consumed = sqlx::query!(
        "UPDATE password_resets SET used_at = $3
         WHERE id = $1 AND user_id = $2 AND used_at IS NULL AND expires_at > $3",
        claims.jti,
        claims.sub,
        now
    )
    .execute(&mut *tx)
    .await?;
    if consumed.rows_affected() != 1 {
        return Err(ResetError::InvalidLink);
    }
    // Re-checked inside the transaction: a password change (or another link) that landed while
    // the new hash was computed voids this link.
    let changed = sqlx::query!(
        "UPDATE users SET password_hash = $2, auth_version = auth_version + 1, updated_at = $3
         WHERE id = $1 AND auth_version = $4 AND status = 'active'",
        claims.sub,
        hash,
        now,
        claims.ver
    )
    .execute(&mut *tx)
    .await?;
    if changed.rows_affected() != 1 {
        return Err(ResetError::InvalidLink);
    }
    let event = AuditEvent {
        action: AuditAction::PasswordReset,
        actor_user_id: Some(claims.sub),
        subject: &user.email,
        client_address: "",
        detail: serde_json::json!({}),
    };
    audit::record_platform(&mut *tx, event, now).await?;
    tx.commit().await?;

    session::end_all_except(pool, claims.sub, None).await?;
    // Whoever locked the account by guessing no longer keeps its owner out.
    throttle::clear_account(pool, &ThrottleKeys::new(&user.email, "")).await?;
    refresh::revoke_all_for_user(pool, claims.sub, now).await?;
    Ok(())
}
