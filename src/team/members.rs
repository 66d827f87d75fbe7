//! The people of an organisation, for its admins: the list, role changes, deactivation and
//! reactivation. Everything runs in the caller's tenant transaction, so a user id of another
//! organisation matches no membership and answers 404. Changes take effect on the person's next
//! request: the guard reads role and status from the database every time, and deactivation also
//! bumps `auth_version`, which voids their sessions and tokens.

use uuid::Uuid;

use crate::access::audit::{AuditAction, AuditEvent};
use crate::access::ctx::Ctx;
use crate::access::session;
use crate::access::state::AppState;
use crate::access::tenant::TenantTx;
use crate::account::refresh;
use crate::error::AppError;
use crate::model::account::Role;
use crate::model::admin::{Member, MemberPage, PAGE_SIZE};
use crate::model::organisation::{MembershipRole, UserStatus};
use crate::model::validation::field_error;
use crate::runtime::rfc3339;

/// One page of members ordered by name, optionally filtered by a search on name or email.
/// `after` is looked up among this organisation's members only: another organisation's user as
/// a cursor gives an empty page, never where their name would sort.
pub async fn list(
    ctx: &Ctx,
    state: &AppState,
    search: &str,
    after: Option<Uuid>,
) -> Result<MemberPage, AppError> {
    ctx.require(Role::Admin)?;
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let organisation_id = tx.organisation_id();
    let pattern = like_pattern(search);
    let mut rows = sqlx::query!(
        r#"SELECT u.id, u.display_name, u.email, m.role AS "role: MembershipRole",
                  u.status AS "status: UserStatus", u.last_login_at
           FROM memberships m JOIN users u ON u.id = m.user_id
           WHERE m.organisation_id = $1
             AND ($2 = '' OR u.display_name ILIKE $2 OR u.email ILIKE $2)
             AND ($3::uuid IS NULL OR (lower(u.display_name), u.id) >
                  (SELECT lower(cu.display_name), cu.id
                   FROM memberships cm JOIN users cu ON cu.id = cm.user_id
                   WHERE cm.organisation_id = $1 AND cm.user_id = $3))
           ORDER BY lower(u.display_name), u.id
           LIMIT $4"#,
        organisation_id,
        pattern,
        after,
        PAGE_SIZE as i64 + 1
    )
    .fetch_all(tx.connection())
    .await?;
    tx.commit().await?;
    let next = (rows.len() > PAGE_SIZE).then(|| rows[PAGE_SIZE - 1].id.to_string());
    rows.truncate(PAGE_SIZE);
    Ok(MemberPage {
        rows: rows
            .into_iter()
            .map(|row| Member {
                user_id: row.id,
                display_name: row.display_name,
                email: row.email,
                role: row.role,
                status: row.status,
                last_login_at: row.last_login_at.map(rfc3339),
            })
            .collect(),
        next,
    })
}

/// `%term%` for ILIKE, with the pattern characters of the term escaped; empty stays empty.
pub fn like_pattern(search: &str) -> String {
    let term = search.trim();
    if term.is_empty() {
        return String::new();
    }
    let escaped = term.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

struct Target {
    email: String,
    role: MembershipRole,
    status: UserStatus,
}

/// Locks the organisation's memberships (so two admins demoting each other cannot both
/// succeed) and finds the target's; 404 when the user is not in this organisation.
async fn lock_target(tx: &mut TenantTx, user_id: Uuid) -> Result<(Target, i64), AppError> {
    let organisation_id = tx.organisation_id();
    let rows = sqlx::query!(
        r#"SELECT m.user_id, m.role AS "role: MembershipRole", u.email,
                  u.status AS "status: UserStatus"
           FROM memberships m JOIN users u ON u.id = m.user_id
           WHERE m.organisation_id = $1
           FOR UPDATE OF m"#,
        organisation_id
    )
    .fetch_all(tx.connection())
    .await?;
    let active_admins = rows
        .iter()
        .filter(|row| row.role == MembershipRole::Admin && row.status == UserStatus::Active)
        .count() as i64;
    let target = rows
        .into_iter()
        .find(|row| row.user_id == user_id)
        .map(|row| Target { email: row.email, role: row.role, status: row.status })
        .ok_or(AppError::NotFound)?;
    Ok((target, active_admins))
}

fn last_admin(field: &str) -> AppError {
    AppError::Validation {
        fields: vec![field_error(
            field,
            "last_admin",
            "The organisation must keep at least one active admin.",
        )],
    }
}

/// Gives a member another role. Refused if it would leave no active admin.
pub async fn change_role(
    ctx: &Ctx,
    state: &AppState,
    user_id: Uuid,
    role: MembershipRole,
    client_address: &str,
) -> Result<(), AppError> {
    ctx.require(Role::Admin)?;
    let now = state.clock.now();
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let (target, active_admins) = lock_target(&mut tx, user_id).await?;
    if target.role == role {
        return Ok(());
    }
    let was_active_admin =
        target.role == MembershipRole::Admin && target.status == UserStatus::Active;
    if was_active_admin && active_admins <= 1 {
        return Err(last_admin("role"));
    }
    let organisation_id = tx.organisation_id();
    sqlx::query!(
        "UPDATE memberships SET role = $3 WHERE organisation_id = $1 AND user_id = $2",
        organisation_id,
        user_id,
        role as MembershipRole
    )
    .execute(tx.connection())
    .await?;
    let event = AuditEvent {
        action: AuditAction::RoleChanged,
        actor_user_id: Some(ctx.user_id()),
        subject: &target.email,
        client_address,
        detail: serde_json::json!({ "before": target.role, "after": role }),
    };
    tx.audit(ctx, event, now).await?;
    tx.commit().await?;
    // API tokens carry the role: the guard already refuses them; end their refresh too.
    refresh::revoke_all_for_user(&state.pool, user_id, now).await?;
    Ok(())
}

/// Deactivates (`active = false`) or reactivates a member. Deactivation ends every session and
/// token of theirs; it is refused if it would leave no active admin.
pub async fn set_active(
    ctx: &Ctx,
    state: &AppState,
    user_id: Uuid,
    active: bool,
    client_address: &str,
) -> Result<(), AppError> {
    ctx.require(Role::Admin)?;
    let now = state.clock.now();
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let (target, active_admins) = lock_target(&mut tx, user_id).await?;
    let status = if active { UserStatus::Active } else { UserStatus::Deactivated };
    if target.status == status {
        return Ok(());
    }
    if !active && target.role == MembershipRole::Admin && active_admins <= 1 {
        return Err(last_admin("user_id"));
    }
    // `users` is not a tenant table; the membership found above is what makes this user ours,
    // and row-level security checks it again (`users_update`: a member of the organisation in
    // scope, or oneself).
    sqlx::query!(
        "UPDATE users SET status = $2, updated_at = $3,
             auth_version = auth_version + CASE WHEN $2 = 'deactivated'::user_status THEN 1 ELSE 0 END
         WHERE id = $1",
        user_id,
        status as UserStatus,
        now
    )
    .execute(tx.connection())
    .await?;
    let action = if active { AuditAction::UserReactivated } else { AuditAction::UserDeactivated };
    let event = AuditEvent {
        action,
        actor_user_id: Some(ctx.user_id()),
        subject: &target.email,
        client_address,
        detail: serde_json::json!({ "before": target.status, "after": status }),
    };
    tx.audit(ctx, event, now).await?;
    tx.commit().await?;
    if !active {
        session::end_all_except(&state.pool, user_id, None).await?;
        refresh::revoke_all_for_user(&state.pool, user_id, now).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
