//! An organisation's administration by its admins: members, invitations and bulk import; and
//! the invitation link's preview, which is public because the link is the credential.

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::admin::{ImportReport, Invitation, InvitationPreview, MemberPage};
use crate::model::organisation::MembershipRole;

#[server(prefix = "/api", endpoint = "organisation_members")]
pub async fn organisation_members(
    search: Option<String>,
    after: Option<Uuid>,
) -> Result<MemberPage, AppError> {
    use crate::access::ctx::guarded;
    use crate::team::members;
    guarded(async |ctx, scope| {
        members::list(ctx, &scope.state, search.as_deref().unwrap_or_default(), after).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "change_member_role")]
pub async fn change_member_role(user_id: Uuid, role: MembershipRole) -> Result<(), AppError> {
    use crate::access::ctx::guarded;
    use crate::team::members;
    guarded(async |ctx, scope| {
        members::change_role(ctx, &scope.state, user_id, role, &scope.client_address()).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "set_member_active")]
pub async fn set_member_active(user_id: Uuid, active: bool) -> Result<(), AppError> {
    use crate::access::ctx::guarded;
    use crate::team::members;
    guarded(async |ctx, scope| {
        members::set_active(ctx, &scope.state, user_id, active, &scope.client_address()).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "organisation_invitations")]
pub async fn organisation_invitations() -> Result<Vec<Invitation>, AppError> {
    use crate::access::ctx::guarded;
    use crate::team::invitations;
    guarded(async |ctx, scope| invitations::open_invitations(ctx, &scope.state).await).await
}

#[server(prefix = "/api", endpoint = "invite_member")]
pub async fn invite_member(
    email: String,
    display_name: String,
    role: MembershipRole,
) -> Result<Uuid, AppError> {
    use crate::access::ctx::guarded;
    use crate::team::invitations::{self, Invitee};
    guarded(async |ctx, scope| {
        let invitee = Invitee::parse(&email, &display_name, role);
        invitations::invite(ctx, &scope.state, invitee, &scope.client_address()).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "resend_invitation")]
pub async fn resend_invitation(id: Uuid) -> Result<(), AppError> {
    use crate::access::ctx::guarded;
    use crate::team::invitations;
    guarded(async |ctx, scope| {
        invitations::resend(ctx, &scope.state, id, &scope.client_address()).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "revoke_invitation")]
pub async fn revoke_invitation(id: Uuid) -> Result<(), AppError> {
    use crate::access::ctx::guarded;
    use crate::team::invitations;
    guarded(async |ctx, scope| {
        invitations::revoke(ctx, &scope.state, id, &scope.client_address()).await
    })
    .await
}

/// Checks an import file without changing anything.
#[server(prefix = "/api", endpoint = "check_member_import")]
pub async fn check_member_import(csv: String) -> Result<ImportReport, AppError> {
    use crate::access::ctx::guarded;
    use crate::team::import;
    guarded(async |ctx, scope| {
        import::run(ctx, &scope.state, &csv, false, &scope.client_address()).await
    })
    .await
}

/// Checks an import file and, if every row is valid, invites everyone in it.
#[server(prefix = "/api", endpoint = "import_members")]
pub async fn import_members(csv: String) -> Result<ImportReport, AppError> {
    use crate::access::ctx::guarded;
    use crate::team::import;
    guarded(async |ctx, scope| {
        import::run(ctx, &scope.state, &csv, true, &scope.client_address()).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "read_invitation")]
pub async fn read_invitation(token: String) -> Result<InvitationPreview, AppError> {
    // public: the signed, single-use invitation link is the credential; an invalid one answers
    // 404 and shows nothing.
    use crate::team::invitations::{self, AcceptError};
    let scope = crate::access::ctx::RequestScope::capture()?;
    let state = &scope.state;
    let result =
        match invitations::preview(&state.pool, &state.keys, &token, state.clock.now()).await {
            Ok(preview) => Ok(preview),
            Err(AcceptError::App(error)) => Err(error),
            Err(_) => Err(AppError::NotFound),
        };
    scope.respond(result)
}
