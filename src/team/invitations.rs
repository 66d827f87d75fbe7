//! Invitations: how people join an organisation. An admin (or a super-admin creating the
//! organisation) invites an email in a role; the link, mailed through the outbox, works once,
//! for that email only, until it expires (7 days) or is revoked or re-sent. Accepting it creates
//! the account with the password the person chooses and signs them in.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::access::audit::{AuditAction, AuditEvent};
use crate::access::ctx::Ctx;
use crate::access::doors::{self, DoorTx};
use crate::access::identity::{load_account_by_id, Account};
use crate::access::jwt::{InvitationClaims, TokenKeys};
use crate::access::state::AppState;
use crate::access::tenant::TenantTx;
use crate::account::password;
use crate::account::policy::check_password_policy;
use crate::error::{AppError, FieldError};
use crate::model::account::Role;
use crate::model::admin::{
    check_name, Invitation, InvitationPreview, InvitationState, INVITATION_DAYS,
};
use crate::model::organisation::{MembershipRole, OrganisationStatus};
use crate::model::validation::{check_email, field_error, normalise_email};
use crate::runtime::app_error::violates;
use crate::runtime::mail;
use crate::runtime::rfc3339;

const INVITATION_SECONDS: i64 = INVITATION_DAYS * 24 * 60 * 60;

/// Who is invited, as entered by an admin or read from an import file.
#[derive(Debug, Clone)]
pub struct Invitee {
    pub email: String,
    pub display_name: String,
    pub role: MembershipRole,
}

impl Invitee {
    /// Normalises and checks the fields; the problems are reported per field.
    pub fn parse(
        email: &str,
        display_name: &str,
        role: MembershipRole,
    ) -> Result<Self, Vec<FieldError>> {
        let email = normalise_email(email);
        let mut problems: Vec<FieldError> = Vec::new();
        problems.extend(check_email("email", &email));
        problems.extend(check_name("display_name", display_name, 1));
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Invitee { email, display_name: display_name.trim().to_owned(), role })
    }
}

/// Why an address cannot be invited into the organisation the transaction is scoped to.
///
/// Only this organisation's own members and invitations are consulted: whether the address has an
/// account elsewhere is never told to the inviting admin (a competitor would learn who uses
/// MarketEdge). Such an invitation is created and sent; its recipient learns at acceptance that
/// their address already has an account.
pub async fn conflict(
    connection: &mut PgConnection,
    organisation_id: Uuid,
    email: &str,
    now: OffsetDateTime,
) -> Result<Option<FieldError>, sqlx::Error> {
    let member = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
                          WHERE m.organisation_id = $2 AND u.email = $1) AS "member!""#,
        email,
        organisation_id
    )
    .fetch_one(&mut *connection)
    .await?;
    if member {
        return Ok(Some(field_error(
            "email",
            "already_member",
            "This person already belongs to your organisation.",
        )));
    }
    // An expired invitation is closed so a new one can be made; an open one is reported.
    sqlx::query!(
        "UPDATE invitations SET revoked_at = $3
         WHERE organisation_id = $1 AND email = $2 AND accepted_at IS NULL
           AND revoked_at IS NULL AND expires_at <= $3",
        organisation_id,
        email,
        now
    )
    .execute(&mut *connection)
    .await?;
    let open = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM invitations WHERE organisation_id = $1 AND email = $2
                          AND accepted_at IS NULL AND revoked_at IS NULL) AS "open!""#,
        organisation_id,
        email
    )
    .fetch_one(&mut *connection)
    .await?;
    Ok(open.then(|| {
        field_error(
            "email",
            "already_invited",
            "This email already has an open invitation: re-send it instead.",
        )
    }))
}

/// Inserts an invitation and queues its email, in a transaction scoped to `organisation_id`.
#[allow(clippy::too_many_arguments)]
pub async fn insert(
    connection: &mut PgConnection,
    keys: &TokenKeys,
    public_url: &str,
    organisation_id: Uuid,
    organisation_name: &str,
    invitee: &Invitee,
    invited_by: Uuid,
    now: OffsetDateTime,
) -> Result<Uuid, AppError> {
    let id = Uuid::now_v7();
    let link_id = Uuid::now_v7();
    let expires_at = now + time::Duration::seconds(INVITATION_SECONDS);
    sqlx::query!(
        "INSERT INTO invitations
             (organisation_id, id, email, display_name, role, invited_by, link_id, created_at,
              expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        organisation_id,
        id,
        invitee.email,
        invitee.display_name,
        invitee.role as MembershipRole,
        invited_by,
        link_id,
        now,
        expires_at
    )
    .execute(&mut *connection)
    .await?;
    send(
        connection,
        keys,
        public_url,
        organisation_id,
        organisation_name,
        id,
        link_id,
        &invitee.email,
        invitee.role,
        now,
    )
    .await?;
    Ok(id)
}

#[allow(clippy::too_many_arguments)]
async fn send(
    connection: &mut PgConnection,
    keys: &TokenKeys,
    public_url: &str,
    organisation_id: Uuid,
    organisation_name: &str,
    invitation_id: Uuid,
    link_id: Uuid,
    email: &str,
    role: MembershipRole,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    let claims =
        InvitationClaims::new(invitation_id, organisation_id, link_id, now, INVITATION_SECONDS);
    let token = keys.sign_invitation(&claims).map_err(AppError::internal)?;
    let body = format!(
        "You have been invited to join {organisation_name} on MarketEdge as {role}.\n\n\
         Choose your password and sign in here within {INVITATION_DAYS} days:\n\n\
         {public_url}/accept-invitation?token={token}\n\n\
         The link works once, for {email} only. If you did not expect this, ignore this email.\n",
        role = role.label(),
    );
    let subject = format!("Join {organisation_name} on MarketEdge");
    mail::enqueue(&mut *connection, email, &subject, &body, now).await?;
    Ok(())
}

/// Invites one person into the caller's organisation. Admins only.
pub async fn invite(
    ctx: &Ctx,
    state: &AppState,
    invitee: Result<Invitee, Vec<FieldError>>,
    client_address: &str,
) -> Result<Uuid, AppError> {
    ctx.require(Role::Admin)?;
    let invitee = invitee.map_err(|fields| AppError::Validation { fields })?;
    let now = state.clock.now();
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let organisation_id = tx.organisation_id();
    if let Some(problem) = conflict(tx.connection(), organisation_id, &invitee.email, now).await? {
        return Err(AppError::Validation { fields: vec![problem] });
    }
    let name = organisation_name(tx.connection(), organisation_id).await?;
    let id = insert(
        tx.connection(),
        &state.keys,
        &state.config.public_url.value,
        organisation_id,
        &name,
        &invitee,
        ctx.user_id(),
        now,
    )
    .await?;
    let detail = serde_json::json!({ "invitation": id, "role": invitee.role });
    let event = AuditEvent {
        action: AuditAction::InvitationCreated,
        actor_user_id: Some(ctx.user_id()),
        subject: &invitee.email,
        client_address,
        detail,
    };
    tx.audit(ctx, event, now).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn organisation_name(
    connection: &mut PgConnection,
    id: Uuid,
) -> Result<String, AppError> {
    sqlx::query_scalar!("SELECT name FROM organisations WHERE id = $1", id)
        .fetch_optional(connection)
        .await?
        .ok_or(AppError::NotFound)
}

/// The organisation's open invitations (pending or expired), newest first. Admins only.
pub async fn open_invitations(ctx: &Ctx, state: &AppState) -> Result<Vec<Invitation>, AppError> {
    ctx.require(Role::Admin)?;
    let now = state.clock.now();
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let organisation_id = tx.organisation_id();
    let rows = sqlx::query!(
        r#"SELECT id, email, display_name, role AS "role: MembershipRole", expires_at
           FROM invitations
           WHERE organisation_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL
           ORDER BY created_at DESC, id DESC
           LIMIT 200"#,
        organisation_id
    )
    .fetch_all(tx.connection())
    .await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|row| Invitation {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            role: row.role,
            state: if row.expires_at > now {
                InvitationState::Pending
            } else {
                InvitationState::Expired
            },
            expires_at: rfc3339(row.expires_at),
        })
        .collect())
}

/// Sends a fresh link (valid another 7 days); earlier links of the invitation stop working.
pub async fn resend(
    ctx: &Ctx,
    state: &AppState,
    id: Uuid,
    client_address: &str,
) -> Result<(), AppError> {
    ctx.require(Role::Admin)?;
    let now = state.clock.now();
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let organisation_id = tx.organisation_id();
    let link_id = Uuid::now_v7();
    let invitation = sqlx::query!(
        r#"UPDATE invitations SET link_id = $3, expires_at = $4
           WHERE organisation_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL
           RETURNING email, role AS "role: MembershipRole""#,
        organisation_id,
        id,
        link_id,
        now + time::Duration::seconds(INVITATION_SECONDS)
    )
    .fetch_optional(tx.connection())
    .await?
    .ok_or(AppError::NotFound)?;
    let name = organisation_name(tx.connection(), organisation_id).await?;
    send(
        tx.connection(),
        &state.keys,
        &state.config.public_url.value,
        organisation_id,
        &name,
        id,
        link_id,
        &invitation.email,
        invitation.role,
        now,
    )
    .await?;
    let event = AuditEvent {
        action: AuditAction::InvitationResent,
        actor_user_id: Some(ctx.user_id()),
        subject: &invitation.email,
        client_address,
        detail: serde_json::json!({ "invitation": id }),
    };
    tx.audit(ctx, event, now).await?;
    tx.commit().await
}

/// Closes an open invitation; its link stops working.
pub async fn revoke(
    ctx: &Ctx,
    state: &AppState,
    id: Uuid,
    client_address: &str,
) -> Result<(), AppError> {
    ctx.require(Role::Admin)?;
    let now = state.clock.now();
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let organisation_id = tx.organisation_id();
    let email = sqlx::query_scalar!(
        "UPDATE invitations SET revoked_at = $3
         WHERE organisation_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL
         RETURNING email",
        organisation_id,
        id,
        now
    )
    .fetch_optional(tx.connection())
    .await?;
    let detail = serde_json::json!({ "invitation": id });
    tx.finish_one_row_change(
        ctx,
        email,
        AuditAction::InvitationRevoked,
        client_address,
        detail,
        now,
    )
    .await
}

/// Why an invitation link cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AcceptError {
    /// Unknown, expired, revoked, re-sent since, already used, or for a suspended organisation.
    #[error("the invitation link is not valid")]
    InvalidLink,
    /// The address got an account meanwhile (accounts belong to one organisation).
    #[error("the email already has an account")]
    HasAccount,
    #[error("the password was refused")]
    Fields(Vec<FieldError>),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<sqlx::Error> for AcceptError {
    fn from(error: sqlx::Error) -> Self {
        AcceptError::App(error.into())
    }
}

struct OpenInvitation {
    organisation_id: Uuid,
    id: Uuid,
    organisation_name: String,
    email: String,
    display_name: String,
    role: MembershipRole,
}

/// The claims of a link signed by us; anything else is refused before a transaction is opened
/// (a stranger's made-up links cost no database work).
fn verified_link(keys: &TokenKeys, token: &str) -> Result<InvitationClaims, AcceptError> {
    keys.verify_invitation(token).map_err(|_| AcceptError::InvalidLink)
}

/// Finds the open invitation a verified link points at, in the transaction its door opened
/// (scoped to the organisation the link names: it is signed by us, so that can be trusted),
/// and locks its row until that transaction ends (the preview rolls back at once; an acceptance
/// keeps the lock until it commits).
async fn open_by_link(
    connection: &mut DoorTx,
    claims: &InvitationClaims,
    now: OffsetDateTime,
) -> Result<OpenInvitation, AcceptError> {
    let row = sqlx::query!(
        r#"SELECT i.email, i.display_name, i.role AS "role: MembershipRole", o.name,
                  o.status AS "status: OrganisationStatus"
           FROM invitations i JOIN organisations o ON o.id = i.organisation_id
           WHERE i.organisation_id = $1 AND i.id = $2 AND i.link_id = $3
             AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $4
           FOR UPDATE OF i"#,
        claims.org,
        claims.sub,
        claims.jti,
        now
    )
    .fetch_optional(&mut **connection)
    .await?
    .filter(|row| row.status == OrganisationStatus::Active)
    .ok_or(AcceptError::InvalidLink)?;
    Ok(OpenInvitation {
        organisation_id: claims.org,
        id: claims.sub,
        organisation_name: row.name,
        email: row.email,
        display_name: row.display_name,
        role: row.role,
    })
}

/// What the acceptance page shows for a link; `InvalidLink` when it cannot be used.
pub async fn preview(
    pool: &PgPool,
    keys: &TokenKeys,
    token: &str,
    now: OffsetDateTime,
) -> Result<InvitationPreview, AcceptError> {
    let claims = verified_link(keys, token)?;
    let mut tx = doors::accepting_invitation(pool, &claims).await?;
    let invitation = open_by_link(&mut tx, &claims, now).await?;
    tx.rollback().await?;
    Ok(InvitationPreview {
        organisation_name: invitation.organisation_name,
        email: invitation.email,
        display_name: invitation.display_name,
        role: invitation.role,
    })
}

/// What the person entered on the invitation form.
pub struct Acceptance<'a> {
    pub token: &'a str,
    pub display_name: &'a str,
    pub new_password: &'a str,
    pub confirm_password: &'a str,
}

/// Accepts an invitation: creates the account with the chosen password and its membership,
/// closes the invitation, and returns the account to sign in. All of it commits together or
/// not at all.
pub async fn accept(
    pool: &PgPool,
    keys: &TokenKeys,
    form: Acceptance<'_>,
    client_address: &str,
    now: OffsetDateTime,
) -> Result<Account, AcceptError> {
    let Acceptance { token, display_name, new_password, confirm_password } = form;
    // Checked before hashing, so an invalid link costs no argon2 time.
    let claims = verified_link(keys, token)?;
    let invitation = {
        let mut tx = doors::accepting_invitation(pool, &claims).await?;
        let found = open_by_link(&mut tx, &claims, now).await?;
        tx.rollback().await?;
        found
    };
    let display_name = if display_name.trim().is_empty() {
        invitation.display_name.as_str()
    } else {
        display_name.trim()
    };
    let mut problems: Vec<FieldError> = Vec::new();
    problems.extend(check_name("display_name", display_name, 1));
    problems.extend(check_password_policy(
        "new_password",
        new_password,
        &[&invitation.email, display_name],
    ));
    if new_password != confirm_password {
        problems.push(field_error("confirm_password", "mismatch", "The two new passwords differ."));
    }
    if !problems.is_empty() {
        return Err(AcceptError::Fields(problems));
    }
    let hash = password::hash(new_password).await.map_err(AppError::internal)?;

    let mut tx = doors::accepting_invitation(pool, &claims).await?;
    // Re-read under a row lock: a second acceptance of the same link waits here, then finds it
    // used.
    let invitation = open_by_link(&mut tx, &claims, now).await?;
    // An account elsewhere is invisible to this organisation's scope: `email_has_account`
    // (SECURITY DEFINER, migration 20261129000201) answers yes or no, nothing more.
    let taken =
        sqlx::query_scalar!(r#"SELECT email_has_account($1) AS "taken!""#, invitation.email)
            .fetch_one(&mut *tx)
            .await?;
    if taken {
        return Err(AcceptError::HasAccount);
    }
    let user_id = Uuid::now_v7();
    // The new account is this transaction's own (`users_insert` admits no other row).
    tx.admit_invited_account(user_id).await?;
    let created = sqlx::query!(
        "INSERT INTO users (id, email, display_name, password_hash, last_login_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5, $5)",
        user_id,
        invitation.email,
        display_name,
        hash,
        now
    )
    .execute(&mut *tx)
    .await;
    // Another invitation to the same address, accepted a moment ago, took it.
    match created {
        Err(error) if violates(&error, "users_email_key") => return Err(AcceptError::HasAccount),
        other => other?,
    };
    sqlx::query!(
        "INSERT INTO memberships (organisation_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
        invitation.organisation_id,
        user_id,
        invitation.role as MembershipRole,
        now
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE invitations SET accepted_at = $3, accepted_user_id = $4
         WHERE organisation_id = $1 AND id = $2",
        invitation.organisation_id,
        invitation.id,
        now,
        user_id
    )
    .execute(&mut *tx)
    .await?;
    let event = AuditEvent {
        action: AuditAction::InvitationAccepted,
        actor_user_id: Some(user_id),
        subject: &invitation.email,
        client_address,
        detail: serde_json::json!({ "invitation": invitation.id, "role": invitation.role }),
    };
    tx.audit(event, now).await?;
    tx.commit().await?;
    load_account_by_id(pool, user_id)
        .await?
        .ok_or_else(|| AppError::internal("accepted account vanished").into())
}
