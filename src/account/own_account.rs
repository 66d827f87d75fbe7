//! A signed-in person's own account: their sessions and their password. Every function takes the
//! context first; the user acted on is always the context's user.

use crate::access::audit::{self, AuditAction, AuditEvent};
use crate::access::ctx::{Credential, Ctx, RequestScope};
use crate::access::session::{self, SessionAuth, AUTH_KEY};
use crate::access::state::AppState;
use crate::access::tenant::begin_own_account;
use crate::account::password::{self, Verified};
use crate::account::policy::check_password_policy;
use crate::account::refresh;
use crate::account::throttle::{self, ThrottleKeys};
use crate::error::{AppError, FieldError};
use crate::model::account::SessionSummary;
use crate::model::validation::{check_present, field_error, PASSWORD_MAX_BYTES};
use crate::runtime::rfc3339;

pub async fn list_sessions(ctx: &Ctx, state: &AppState) -> Result<Vec<SessionSummary>, AppError> {
    let current = match ctx.credential() {
        Credential::Session { record_id } => Some(*record_id),
        Credential::Bearer { .. } => None,
    };
    let rows = sqlx::query!(
        "SELECT id, user_agent, client_address, created_at, last_seen_at
         FROM user_sessions WHERE user_id = $1 ORDER BY last_seen_at DESC",
        ctx.user_id()
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| SessionSummary {
            id: row.id,
            user_agent: row.user_agent,
            client_address: row.client_address,
            signed_in_at: rfc3339(row.created_at),
            last_seen_at: rfc3339(row.last_seen_at),
            current: Some(row.id) == current,
        })
        .collect())
}

/// Ends one of the context user's sessions. Scoped by user id: another user's session id simply
/// matches nothing (404).
pub async fn end_session(
    ctx: &Ctx,
    state: &AppState,
    record_id: uuid::Uuid,
) -> Result<(), AppError> {
    match session::end_records(&state.pool, ctx.user_id(), &[record_id]).await? {
        0 => Err(AppError::NotFound),
        ended => {
            audit_sessions_ended(ctx, state, ended).await;
            Ok(())
        }
    }
}

/// Signs the context user out everywhere but here: every other browser session ends, and so does
/// every API token (refresh tokens are revoked and `auth_version` moves on, which also stops
/// access tokens at their next use). This browser stays signed in with a new session id.
pub async fn end_other_sessions(ctx: &Ctx, scope: &RequestScope) -> Result<u64, AppError> {
    let state = &scope.state;
    let keep = match ctx.credential() {
        Credential::Session { record_id } => Some(*record_id),
        Credential::Bearer { .. } => None,
    };
    let now = state.clock.now();
    // The user's own row: visible to row-level security in a transaction acting for them.
    let mut tx = begin_own_account(ctx, &state.pool).await?;
    let new_version = sqlx::query_scalar!(
        "UPDATE users SET auth_version = auth_version + 1, updated_at = $2
         WHERE id = $1 RETURNING auth_version",
        ctx.user_id(),
        now
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    let ended = session::end_all_except(&state.pool, ctx.user_id(), keep).await?;
    refresh::revoke_all_for_user(&state.pool, ctx.user_id(), now).await?;
    if let Some(record_id) = keep {
        renew_this_session(ctx, scope, record_id, new_version).await?;
    }
    audit_sessions_ended(ctx, state, ended).await;
    Ok(ended)
}

async fn audit_sessions_ended(ctx: &Ctx, state: &AppState, ended: u64) {
    let event = AuditEvent {
        action: AuditAction::SessionEnded,
        actor_user_id: Some(ctx.user_id()),
        subject: "",
        client_address: "",
        detail: serde_json::json!({ "sessions_ended": ended }),
    };
    if let Err(error) = audit::record_for(ctx, &state.pool, event, state.clock.now()).await {
        tracing::warn!(%error, "could not audit ended sessions");
    }
}

/// The three fields of the change-password form.
pub struct PasswordChange<'a> {
    pub current: &'a str,
    pub new: &'a str,
    pub confirm: &'a str,
}

/// Changes the context user's password. Requires the current one; ends every other session and
/// every refresh token (by bumping `auth_version`), and gives this browser a new session id.
pub async fn change_password(
    ctx: &Ctx,
    scope: &RequestScope,
    passwords: PasswordChange<'_>,
) -> Result<(), AppError> {
    let state = &scope.state;
    let (current_password, new_password, confirm_password) =
        (passwords.current, passwords.new, passwords.confirm);
    let current_user = ctx.current_user();

    let mut problems: Vec<FieldError> = Vec::new();
    problems.extend(check_present("current_password", current_password, "your current password"));
    problems.extend(check_password_policy(
        "new_password",
        new_password,
        &[&current_user.email, &current_user.display_name],
    ));
    if new_password != confirm_password {
        problems.push(field_error("confirm_password", "mismatch", "The two new passwords differ."));
    }
    if !problems.is_empty() {
        return Err(AppError::Validation { fields: problems });
    }

    // Guessing the current password from a stolen session is throttled like signing in, on a
    // counter of this user's own (strangers cannot lock someone out of changing it).
    let keys = ThrottleKeys::password_change(ctx.user_id(), &current_user.email);
    let attempt = match throttle::begin_attempt(&state.pool, &keys, state.clock.now()).await? {
        throttle::Attempt::Allowed(attempt) => attempt,
        throttle::Attempt::Refused { .. } => {
            return Err(AppError::Validation {
                fields: vec![field_error(
                    "current_password",
                    "too_many_attempts",
                    "Too many wrong attempts. Wait a few minutes, then try again.",
                )],
            })
        }
    };
    let wrong_current = || AppError::Validation {
        fields: vec![field_error(
            "current_password",
            "wrong_password",
            "That is not your current password.",
        )],
    };
    if current_password.len() > PASSWORD_MAX_BYTES {
        return Err(wrong_current());
    }
    let mut tx = begin_own_account(ctx, &state.pool).await?;
    let stored =
        sqlx::query_scalar!("SELECT password_hash FROM users WHERE id = $1", ctx.user_id())
            .fetch_one(&mut *tx)
            .await?;
    tx.commit().await?;
    let verified =
        password::verify(current_password, stored.as_deref()).await.map_err(AppError::internal)?;
    if verified == Verified::No {
        return Err(wrong_current());
    }
    throttle::succeeded(&state.pool, &attempt).await?;

    let new_hash = password::hash(new_password).await.map_err(AppError::internal)?;
    let now = state.clock.now();
    let mut tx = begin_own_account(ctx, &state.pool).await?;
    let new_version = sqlx::query_scalar!(
        "UPDATE users SET password_hash = $2, auth_version = auth_version + 1, updated_at = $3
         WHERE id = $1 RETURNING auth_version",
        ctx.user_id(),
        new_hash,
        now
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;

    let keep = match ctx.credential() {
        Credential::Session { record_id } => Some(*record_id),
        Credential::Bearer { .. } => None,
    };
    session::end_all_except(&state.pool, ctx.user_id(), keep).await?;
    refresh::revoke_all_for_user(&state.pool, ctx.user_id(), now).await?;
    if let Some(record_id) = keep {
        renew_this_session(ctx, scope, record_id, new_version).await?;
    }
    let event = AuditEvent {
        action: AuditAction::PasswordChanged,
        actor_user_id: Some(ctx.user_id()),
        subject: &current_user.email,
        client_address: "",
        detail: serde_json::json!({}),
    };
    audit::record_for(ctx, &state.pool, event, now).await?;
    Ok(())
}

/// Keeps this browser signed in after a password change: new session id (a privilege change),
/// new `auth_version` in the record.
async fn renew_this_session(
    ctx: &Ctx,
    scope: &RequestScope,
    record_id: uuid::Uuid,
    auth_version: i32,
) -> Result<(), AppError> {
    let state = &scope.state;
    let session = scope
        .session()
        .ok_or_else(|| AppError::internal("session credential without a session"))?;
    let auth = SessionAuth { record_id, user_id: ctx.user_id(), auth_version };
    session.cycle_id().await.map_err(session::store_failure)?;
    session.insert(AUTH_KEY, &auth).await.map_err(session::store_failure)?;
    session.save().await.map_err(session::store_failure)?;
    let store_id = session.id().map(|id| id.to_string()).unwrap_or_default();
    sqlx::query!(
        "UPDATE user_sessions SET store_session_id = $2 WHERE id = $1",
        record_id,
        store_id
    )
    .execute(&state.pool)
    .await?;
    Ok(())
}
