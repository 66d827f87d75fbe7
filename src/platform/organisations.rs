//! The platform's organisations, for super-admins: the list (search, filters, two orders,
//! keyset pagination), creation with the first admin's invitation, edits, suspension and
//! reactivation. Reads go through the audited platform path; a change to one organisation also
//! scopes that transaction to it, so its tenant rows (invitation, audit entry) can be written.

use uuid::Uuid;

use crate::access::audit::{self, AuditAction, AuditEvent};
use crate::access::ctx::Ctx;
use crate::access::platform::PlatformTx;
use crate::access::state::AppState;
use crate::error::{AppError, FieldError};
use crate::model::account::Role;
use crate::model::admin::{
    check_name, check_reason, OrganisationDetail, OrganisationPage, OrganisationQuery,
    OrganisationRow, OrganisationSort, PAGE_SIZE,
};
use crate::model::organisation::{Industry, MembershipRole, OrganisationStatus, Plan};
use crate::runtime::rfc3339;
use crate::team::invitations::{self, Invitee};
use crate::team::members::like_pattern;

/// One page of the organisation list. The cursor is the last row's id: the next page starts
/// after that row's sort key, so every page costs the same however deep it is.
pub async fn list(
    ctx: &Ctx,
    state: &AppState,
    query: &OrganisationQuery,
) -> Result<OrganisationPage, AppError> {
    let after = match query.after.as_deref().filter(|after| !after.is_empty()) {
        Some(after) => Some(after.parse::<Uuid>().map_err(|_| AppError::BadRequest)?),
        None => None,
    };
    let pattern = like_pattern(&query.search);
    let since = state.clock.now() - time::Duration::days(30);
    let limit = PAGE_SIZE as i64 + 1;
    let mut tx = PlatformTx::begin(ctx, state, "organisations list").await?;
    // Two statements rather than one with a computed ORDER BY, so each order walks its index.
    let mut rows = match query.sort {
        OrganisationSort::Name => sqlx::query_as!(
            Listed,
            r#"WITH page AS (
                   SELECT o.id, o.name, o.industry, o.plan, o.status, o.created_at
                   FROM organisations o
                   WHERE ($1 = '' OR o.name ILIKE $1)
                     AND ($2::industry IS NULL OR o.industry = $2)
                     AND ($3::plan IS NULL OR o.plan = $3)
                     AND ($4::organisation_status IS NULL OR o.status = $4)
                     AND ($5::uuid IS NULL OR (lower(o.name), o.id) >
                          (SELECT lower(name), id FROM organisations WHERE id = $5))
                   ORDER BY lower(o.name), o.id
                   LIMIT $6)
               SELECT p.id, p.name, p.industry AS "industry: Industry", p.plan AS "plan: Plan",
                      p.status AS "status: OrganisationStatus", p.created_at,
                      (SELECT count(*) FROM memberships m WHERE m.organisation_id = p.id) AS "members!",
                      (SELECT count(*) FROM audit_log a WHERE a.organisation_id = p.id
                          AND a.occurred_at > $7) AS "recent_activity!"
               FROM page p ORDER BY lower(p.name), p.id"#,
            pattern,
            query.industry as Option<Industry>,
            query.plan as Option<Plan>,
            query.status as Option<OrganisationStatus>,
            after,
            limit,
            since
        )
        .fetch_all(tx.connection())
        .await?,
        OrganisationSort::Newest => sqlx::query_as!(
            Listed,
            r#"WITH page AS (
                   SELECT o.id, o.name, o.industry, o.plan, o.status, o.created_at
                   FROM organisations o
                   WHERE ($1 = '' OR o.name ILIKE $1)
                     AND ($2::industry IS NULL OR o.industry = $2)
                     AND ($3::plan IS NULL OR o.plan = $3)
                     AND ($4::organisation_status IS NULL OR o.status = $4)
                     AND ($5::uuid IS NULL OR (o.created_at, o.id) <
                          (SELECT created_at, id FROM organisations WHERE id = $5))
                   ORDER BY o.created_at DESC, o.id DESC
                   LIMIT $6)
               SELECT p.id, p.name, p.industry AS "industry: Industry", p.plan AS "plan: Plan",
                      p.status AS "status: OrganisationStatus", p.created_at,
                      (SELECT count(*) FROM memberships m WHERE m.organisation_id = p.id) AS "members!",
                      (SELECT count(*) FROM audit_log a WHERE a.organisation_id = p.id
                          AND a.occurred_at > $7) AS "recent_activity!"
               FROM page p ORDER BY p.created_at DESC, p.id DESC"#,
            pattern,
            query.industry as Option<Industry>,
            query.plan as Option<Plan>,
            query.status as Option<OrganisationStatus>,
            after,
            limit,
            since
        )
        .fetch_all(tx.connection())
        .await?,
    };
    tx.commit().await?;
    let next = (rows.len() > PAGE_SIZE).then(|| rows[PAGE_SIZE - 1].id.to_string());
    rows.truncate(PAGE_SIZE);
    Ok(OrganisationPage { rows: rows.into_iter().map(Listed::into_row).collect(), next })
}

struct Listed {
    id: Uuid,
    name: String,
    industry: Industry,
    plan: Plan,
    status: OrganisationStatus,
    created_at: time::OffsetDateTime,
    members: i64,
    recent_activity: i64,
}

impl Listed {
    fn into_row(self) -> OrganisationRow {
        OrganisationRow {
            id: self.id,
            name: self.name,
            industry: self.industry,
            plan: self.plan,
            status: self.status,
            members: self.members,
            recent_activity: self.recent_activity,
            created_at: rfc3339(self.created_at),
        }
    }
}

/// One organisation's details.
pub async fn detail(ctx: &Ctx, state: &AppState, id: Uuid) -> Result<OrganisationDetail, AppError> {
    let mut tx = PlatformTx::begin(ctx, state, "organisation detail").await?;
    let row = sqlx::query!(
        r#"SELECT o.id, o.name, o.slug, o.industry AS "industry: Industry", o.plan AS "plan: Plan",
                  o.status AS "status: OrganisationStatus", o.status_reason, o.created_at,
                  (SELECT count(*) FROM memberships m WHERE m.organisation_id = o.id) AS "members!",
                  (SELECT count(*) FROM invitations i WHERE i.organisation_id = o.id
                      AND i.accepted_at IS NULL AND i.revoked_at IS NULL) AS "open_invitations!"
           FROM organisations o WHERE o.id = $1"#,
        id
    )
    .fetch_optional(tx.connection())
    .await?
    .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(OrganisationDetail {
        id: row.id,
        name: row.name,
        slug: row.slug,
        industry: row.industry,
        plan: row.plan,
        status: row.status,
        status_reason: row.status_reason,
        members: row.members,
        open_invitations: row.open_invitations,
        created_at: rfc3339(row.created_at),
    })
}

/// A new organisation as the super-admin enters it.
pub struct NewOrganisation<'a> {
    pub name: &'a str,
    pub industry: Industry,
    pub plan: Plan,
    pub admin_email: &'a str,
    pub admin_name: &'a str,
}

/// `Northwind Cinemas` → `northwind-cinemas`; never empty.
fn slug_of(name: &str) -> String {
    let mut slug = String::new();
    for c in name.trim().to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').chars().take(60).collect::<String>();
    let slug = slug.trim_end_matches('-').to_owned();
    if slug.is_empty() {
        "organisation".to_owned()
    } else {
        slug
    }
}

/// A name already in use, found by the check before the write: the same answer as the unique
/// index gives two super-admins racing (`AppError::from_write`).
fn name_taken() -> AppError {
    AppError::taken("organisations_name_key")
}

/// Records a super-admin's change to an organisation in its own trail and the platform's, in
/// the transaction of the change (already scoped to the organisation).
async fn audit_change(
    tx: &mut PlatformTx,
    event: AuditEvent<'_>,
    now: time::OffsetDateTime,
) -> Result<(), AppError> {
    tx.audit_in_scope(event.clone(), now).await?;
    audit::record_platform(tx.connection(), event, now).await?;
    Ok(())
}

/// Creates an organisation and invites its first admin; returns its id.
pub async fn create(
    ctx: &Ctx,
    state: &AppState,
    new: NewOrganisation<'_>,
    client_address: &str,
) -> Result<Uuid, AppError> {
    ctx.require(Role::SuperAdmin)?;
    let mut problems: Vec<FieldError> = Vec::new();
    problems.extend(check_name("name", new.name, 2));
    let invitee =
        Invitee::parse(new.admin_email, new.admin_name, MembershipRole::Admin).map_err(|fields| {
            fields.into_iter().map(|mut field| {
                field.field = match field.field.as_str() {
                    "email" => "admin_email".into(),
                    _ => "admin_name".into(),
                };
                field
            })
        });
    let invitee = match invitee {
        Ok(invitee) => Some(invitee),
        Err(fields) => {
            problems.extend(fields);
            None
        }
    };
    let (Some(invitee), true) = (invitee, problems.is_empty()) else {
        return Err(AppError::Validation { fields: problems });
    };
    let name = new.name.trim();
    let now = state.clock.now();
    let mut tx = PlatformTx::begin(ctx, state, "create organisation").await?;
    let taken = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM organisations WHERE lower(name) = lower($1)) AS "taken!""#,
        name
    )
    .fetch_one(tx.connection())
    .await?;
    if taken {
        return Err(name_taken());
    }
    let id = Uuid::now_v7();
    let mut slug = slug_of(name);
    let slug_used = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM organisations WHERE slug = $1) AS "used!""#,
        slug
    )
    .fetch_one(tx.connection())
    .await?;
    if slug_used {
        slug = format!("{slug}-{}", &id.simple().to_string()[24..]);
    }
    let inserted = sqlx::query!(
        "INSERT INTO organisations (id, name, slug, industry, plan, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
        id,
        name,
        slug,
        new.industry as Industry,
        new.plan as Plan,
        now
    )
    .execute(tx.connection())
    .await;
    inserted.map_err(AppError::from_write)?;
    tx.scope_to(id).await?;
    if let Some(problem) = invitations::conflict(tx.connection(), id, &invitee.email, now).await? {
        let field = FieldError { field: "admin_email".into(), ..problem };
        return Err(AppError::Validation { fields: vec![field] });
    }
    invitations::insert(
        tx.connection(),
        &state.keys,
        &state.config.public_url.value,
        id,
        name,
        &invitee,
        ctx.user_id(),
        now,
    )
    .await?;
    let detail = serde_json::json!({
        "organisation": id, "industry": new.industry, "plan": new.plan,
        "first_admin": invitee.email,
    });
    let event = AuditEvent {
        action: AuditAction::OrganisationCreated,
        actor_user_id: Some(ctx.user_id()),
        subject: name,
        client_address,
        detail,
    };
    audit_change(&mut tx, event, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Renames an organisation or changes its industry or plan.
pub async fn update(
    ctx: &Ctx,
    state: &AppState,
    id: Uuid,
    name: &str,
    industry: Industry,
    plan: Plan,
    client_address: &str,
) -> Result<(), AppError> {
    ctx.require(Role::SuperAdmin)?;
    if let Some(problem) = check_name("name", name, 2) {
        return Err(AppError::Validation { fields: vec![problem] });
    }
    let name = name.trim();
    let now = state.clock.now();
    let mut tx = PlatformTx::begin(ctx, state, "update organisation").await?;
    let before = sqlx::query!(
        r#"SELECT name, industry AS "industry: Industry", plan AS "plan: Plan"
           FROM organisations WHERE id = $1 FOR UPDATE"#,
        id
    )
    .fetch_optional(tx.connection())
    .await?
    .ok_or(AppError::NotFound)?;
    let updated = sqlx::query!(
        "UPDATE organisations SET name = $2, industry = $3, plan = $4, updated_at = $5 WHERE id = $1",
        id,
        name,
        industry as Industry,
        plan as Plan,
        now
    )
    .execute(tx.connection())
    .await;
    updated.map_err(AppError::from_write)?;
    tx.scope_to(id).await?;
    let detail = serde_json::json!({
        "before": { "name": before.name, "industry": before.industry, "plan": before.plan },
        "after": { "name": name, "industry": industry, "plan": plan },
    });
    let event = AuditEvent {
        action: AuditAction::OrganisationUpdated,
        actor_user_id: Some(ctx.user_id()),
        subject: name,
        client_address,
        detail,
    };
    audit_change(&mut tx, event, now).await?;
    tx.commit().await
}

/// Suspends or reactivates an organisation, with the reason recorded. Members are refused from
/// their next request on (the guard checks the organisation's status every time).
pub async fn set_status(
    ctx: &Ctx,
    state: &AppState,
    id: Uuid,
    status: OrganisationStatus,
    reason: &str,
    client_address: &str,
) -> Result<(), AppError> {
    ctx.require(Role::SuperAdmin)?;
    if let Some(problem) = check_reason("reason", reason) {
        return Err(AppError::Validation { fields: vec![problem] });
    }
    let reason = reason.trim();
    let now = state.clock.now();
    let mut tx = PlatformTx::begin(ctx, state, "change organisation status").await?;
    let before = sqlx::query!(
        r#"SELECT name, status AS "status: OrganisationStatus" FROM organisations WHERE id = $1 FOR UPDATE"#,
        id
    )
    .fetch_optional(tx.connection())
    .await?
    .ok_or(AppError::NotFound)?;
    if before.status == status {
        return Ok(());
    }
    sqlx::query!(
        "UPDATE organisations SET status = $2, status_reason = $3, status_changed_at = $4,
             updated_at = $4
         WHERE id = $1",
        id,
        status as OrganisationStatus,
        reason,
        now
    )
    .execute(tx.connection())
    .await?;
    tx.scope_to(id).await?;
    let action = match status {
        OrganisationStatus::Suspended => AuditAction::OrganisationSuspended,
        OrganisationStatus::Active => AuditAction::OrganisationReactivated,
    };
    let detail = serde_json::json!({ "before": before.status, "after": status, "reason": reason });
    let event = AuditEvent {
        action,
        actor_user_id: Some(ctx.user_id()),
        subject: &before.name,
        client_address,
        detail,
    };
    audit_change(&mut tx, event, now).await?;
    tx.commit().await
}

#[cfg(test)]
mod tests;
