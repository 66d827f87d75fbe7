//! The signed-in person's own account: who they are, their sessions, their password.

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::account::{CurrentUser, SessionSummary};

#[server(prefix = "/api", endpoint = "signed_in_user")]
pub async fn signed_in_user() -> Result<Option<CurrentUser>, AppError> {
    // public: visitors get `None`; a signed-in caller gets only their own identity, as resolved
    // by the guard.
    use crate::server::auth::ctx;
    crate::api::respond(
        ctx::optional_for_server_fn().await.map(|ctx| ctx.map(|c| c.current_user())),
    )
}

#[server(prefix = "/api", endpoint = "my_sessions")]
pub async fn my_sessions() -> Result<Vec<SessionSummary>, AppError> {
    use crate::server::auth::ctx;
    crate::api::respond(
        async {
            let ctx = ctx::for_server_fn().await?;
            let state = expect_context::<crate::server::state::AppState>();
            crate::server::account::list_sessions(&ctx, &state).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "end_session")]
pub async fn end_session(id: Uuid) -> Result<(), AppError> {
    use crate::server::auth::ctx;
    use crate::server::auth::session;
    crate::api::respond(
        async {
            let ctx = ctx::for_server_fn().await?;
            let state = expect_context::<crate::server::state::AppState>();
            // Scoped by the caller's user id: another user's session id simply matches nothing.
            match session::end_records(&state.pool, ctx.user_id(), &[id]).await? {
                0 => Err(AppError::NotFound),
                _ => {
                    audit_session_end(&state, &ctx, 1).await;
                    Ok(())
                }
            }
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "end_other_sessions")]
pub async fn end_other_sessions() -> Result<u64, AppError> {
    use crate::server::auth::ctx::{self, Credential};
    use crate::server::auth::session;
    crate::api::respond(
        async {
            let ctx = ctx::for_server_fn().await?;
            let state = expect_context::<crate::server::state::AppState>();
            let keep = match ctx.credential() {
                Credential::Session { record_id } => Some(*record_id),
                Credential::Bearer { .. } => None,
            };
            let ended = session::end_all_except(&state.pool, ctx.user_id(), keep).await?;
            audit_session_end(&state, &ctx, ended).await;
            Ok(ended)
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use crate::server::auth::ctx;
    crate::api::respond(
        async {
            let ctx = ctx::for_server_fn().await?;
            crate::server::account::change_password(
                &ctx,
                &current_password,
                &new_password,
                &confirm_password,
            )
            .await
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
async fn audit_session_end(
    state: &crate::server::state::AppState,
    ctx: &crate::server::auth::ctx::Ctx,
    ended: u64,
) {
    use crate::server::auth::audit::{self, AuditAction, AuditEvent};
    let event = AuditEvent {
        action: AuditAction::SessionEnded,
        actor_user_id: Some(ctx.user_id()),
        subject: "",
        client_address: "",
        detail: serde_json::json!({ "sessions_ended": ended }),
    };
    if let Err(error) =
        audit::record(&state.pool, ctx.organisation_id(), event, state.clock.now()).await
    {
        tracing::warn!(%error, "could not audit ended sessions");
    }
}
