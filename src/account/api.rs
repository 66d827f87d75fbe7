//! The signed-in person's own account: who they are, their sessions, their password.

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::account::{CurrentUser, SessionSummary};

#[server(prefix = "/api", endpoint = "signed_in_user")]
pub async fn signed_in_user() -> Result<Option<CurrentUser>, AppError> {
    // public: visitors get `None`; a signed-in caller gets only their own identity, as resolved
    // by the guard.
    let scope = crate::access::ctx::RequestScope::capture()?;
    let result = async {
        let Some(ctx) = scope.optional_ctx().await? else {
            return Ok(None);
        };
        let mut user = ctx.current_user();
        if ctx.organisation_id().is_some() {
            user.unread_alerts = Some(crate::markets::alerts::unread(&ctx, &scope.state).await?);
        }
        Ok(Some(user))
    }
    .await;
    scope.respond(result)
}

#[server(prefix = "/api", endpoint = "my_sessions")]
pub async fn my_sessions() -> Result<Vec<SessionSummary>, AppError> {
    use crate::access::ctx::guarded;
    use crate::account::own_account;
    guarded(async |ctx, scope| own_account::list_sessions(ctx, &scope.state).await).await
}

#[server(prefix = "/api", endpoint = "end_session")]
pub async fn end_session(id: Uuid) -> Result<(), AppError> {
    use crate::access::ctx::guarded;
    use crate::account::own_account;
    guarded(async |ctx, scope| own_account::end_session(ctx, &scope.state, id).await).await
}

#[server(prefix = "/api", endpoint = "end_other_sessions")]
pub async fn end_other_sessions() -> Result<u64, AppError> {
    use crate::access::ctx::guarded;
    use crate::account::own_account;
    guarded(async |ctx, scope| own_account::end_other_sessions(ctx, scope).await).await
}

#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use crate::access::ctx::guarded;
    use crate::account::own_account;
    guarded(async |ctx, scope| {
        let passwords = own_account::PasswordChange {
            current: &current_password,
            new: &new_password,
            confirm: &confirm_password,
        };
        own_account::change_password(ctx, scope, passwords).await
    })
    .await
}
