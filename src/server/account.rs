//! A signed-in person's own account: their sessions and their password. Every function takes the
//! context first; the user acted on is always the context's user.

use axum::http::request::Parts;
use tower_sessions::Session;

use crate::error::{AppError, FieldError};
use crate::model::account::SessionSummary;
use crate::model::validation::{check_present, field_error};
use crate::server::auth::audit::{self, AuditAction, AuditEvent};
use crate::server::auth::ctx::{Credential, Ctx};
use crate::server::auth::password::{self, Verified};
use crate::server::auth::policy::check_password_policy;
use crate::server::auth::refresh;
use crate::server::auth::session::{self, SessionAuth, AUTH_KEY};
use crate::server::state::AppState;

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

fn rfc3339(time: time::OffsetDateTime) -> String {
    time.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// Changes the context user's password. Requires the current one; ends every other session and
/// every refresh token (by bumping `auth_version`), and gives this browser a new session id.
pub async fn change_password(
    ctx: &Ctx,
    current_password: &str,
    new_password: &str,
    confirm_password: &str,
) -> Result<(), AppError> {
    let state = leptos::prelude::use_context::<AppState>()
        .ok_or_else(|| AppError::internal("change_password without AppState"))?;
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

    let stored =
        sqlx::query_scalar!("SELECT password_hash FROM users WHERE id = $1", ctx.user_id())
            .fetch_one(&state.pool)
            .await?;
    let verified =
        password::verify(current_password, stored.as_deref()).await.map_err(AppError::internal)?;
    if verified == Verified::No {
        return Err(AppError::Validation {
            fields: vec![field_error(
                "current_password",
                "wrong_password",
                "That is not your current password.",
            )],
        });
    }

    let new_hash = password::hash(new_password).await.map_err(AppError::internal)?;
    let now = state.clock.now();
    let new_version = sqlx::query_scalar!(
        "UPDATE users SET password_hash = $2, auth_version = auth_version + 1, updated_at = $3
         WHERE id = $1 RETURNING auth_version",
        ctx.user_id(),
        new_hash,
        now
    )
    .fetch_one(&state.pool)
    .await?;

    let keep = match ctx.credential() {
        Credential::Session { record_id } => Some(*record_id),
        Credential::Bearer { .. } => None,
    };
    session::end_all_except(&state.pool, ctx.user_id(), keep).await?;
    refresh::revoke_all_for_user(&state.pool, ctx.user_id(), now).await?;
    if let Some(record_id) = keep {
        renew_this_session(&state, ctx, record_id, new_version).await?;
    }
    let event = AuditEvent {
        action: AuditAction::PasswordChanged,
        actor_user_id: Some(ctx.user_id()),
        subject: &current_user.email,
        client_address: "",
        detail: serde_json::json!({}),
    };
    audit::record(&state.pool, ctx.organisation_id(), event, now).await?;
    Ok(())
}

/// Keeps this browser signed in after a password change: new session id (a privilege change),
/// new `auth_version` in the record.
async fn renew_this_session(
    state: &AppState,
    ctx: &Ctx,
    record_id: uuid::Uuid,
    auth_version: i32,
) -> Result<(), AppError> {
    let session = leptos::prelude::use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<Session>().cloned())
        .ok_or_else(|| AppError::internal("session credential without a session"))?;
    let auth = SessionAuth { record_id, user_id: ctx.user_id(), auth_version };
    session.cycle_id().await.map_err(AppError::internal)?;
    session.insert(AUTH_KEY, &auth).await.map_err(AppError::internal)?;
    session.save().await.map_err(AppError::internal)?;
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
