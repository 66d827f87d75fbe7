//! Bulk invitations from a CSV file with the columns `email`, `name`, `role` (header required,
//! any column order). The whole file is checked first and every bad row reported by its line
//! number; invitations are created only when every row is valid, all in one transaction, so an
//! import is all or nothing. A cell marked against spreadsheet formulas (a leading `'` before
//! `=`, `+`, `-`, `@`, tab, CR or `'`, as the export writes it) is read without its mark.

use std::collections::HashMap;

use crate::access::audit::{AuditAction, AuditEvent};
use crate::access::ctx::Ctx;
use crate::access::state::AppState;
use crate::access::tenant::TenantTx;
use crate::error::AppError;
use crate::model::account::Role;
use crate::model::admin::{ImportProblem, ImportReport, IMPORT_MAX_ROWS};
use crate::model::organisation::MembershipRole;
use crate::runtime::csv_file::{self, problem};
use crate::team::invitations::{self, Invitee};

/// A parsed file: the valid rows with their line numbers, and every problem found.
pub struct Parsed {
    pub rows: Vec<(usize, Invitee)>,
    pub problems: Vec<ImportProblem>,
    /// Data rows read (valid or not).
    pub count: usize,
}

fn parse_role(value: &str) -> Option<MembershipRole> {
    match value.trim().to_ascii_lowercase().as_str() {
        "admin" => Some(MembershipRole::Admin),
        "analyst" => Some(MembershipRole::Analyst),
        "viewer" => Some(MembershipRole::Viewer),
        _ => None,
    }
}

/// Reads and checks the file's shape and each row's fields (nothing from the database yet; public
/// for the fuzz targets).
pub fn parse(text: &str) -> Parsed {
    let (rows, problems) = csv_file::rows(text, &["email", "name", "role"], &[], IMPORT_MAX_ROWS);
    let mut parsed = Parsed { rows: Vec::new(), problems, count: rows.len() };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (line, values) in rows {
        let [email, name, role] = &values[..] else { continue };
        let Some(role) = parse_role(role) else {
            parsed.problems.push(problem(line, "The role must be admin, analyst or viewer."));
            continue;
        };
        match Invitee::parse(email, name, role) {
            Ok(invitee) => {
                if let Some(first) = seen.insert(invitee.email.clone(), line) {
                    parsed
                        .problems
                        .push(problem(line, format!("{} is also on line {first}.", invitee.email)));
                } else {
                    parsed.rows.push((line, invitee));
                }
            }
            Err(fields) => {
                for field in fields {
                    parsed.problems.push(problem(line, field.message));
                }
            }
        }
    }
    if parsed.count == 0 && parsed.problems.is_empty() {
        parsed.problems.push(problem(2, "The file lists nobody to invite."));
    }
    parsed
}

/// Checks the file and, when `commit` and every row is valid, creates all its invitations.
pub async fn run(
    ctx: &Ctx,
    state: &AppState,
    text: &str,
    commit: bool,
    client_address: &str,
) -> Result<ImportReport, AppError> {
    ctx.require(Role::Admin)?;
    let now = state.clock.now();
    let Parsed { rows, mut problems, count } = parse(text);
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let organisation_id = tx.organisation_id();
    for (line, invitee) in &rows {
        if let Some(conflict) =
            invitations::conflict(tx.connection(), organisation_id, &invitee.email, now).await?
        {
            problems.push(problem(*line, format!("{}: {}", invitee.email, conflict.message)));
        }
    }
    problems.sort_by_key(|problem| problem.line);
    if !problems.is_empty() || !commit {
        // Nothing of the check itself is kept (expired invitations closed by it included), but
        // that it ran is: testing addresses against the organisation is audited like inviting.
        tx.rollback().await?;
        let detail = serde_json::json!({
            "checked": emails(&rows),
            "problems": problems.len(),
            "commit_requested": commit,
        });
        let event = import_event(ctx, AuditAction::UsersImportChecked, client_address, detail);
        let mut tx = TenantTx::begin(ctx, &state.pool).await?;
        tx.audit(ctx, event, now).await?;
        tx.commit().await?;
        return Ok(ImportReport { rows: count, problems, imported: false });
    }
    let name = invitations::organisation_name(tx.connection(), organisation_id).await?;
    for (_, invitee) in &rows {
        invitations::insert(
            tx.connection(),
            &state.keys,
            &state.config.public_url.value,
            organisation_id,
            &name,
            invitee,
            ctx.user_id(),
            now,
        )
        .await?;
    }
    let detail = serde_json::json!({ "invited": emails(&rows) });
    let event = import_event(ctx, AuditAction::UsersImported, client_address, detail);
    tx.audit(ctx, event, now).await?;
    tx.commit().await?;
    Ok(ImportReport { rows: count, problems, imported: true })
}

fn emails(rows: &[(usize, Invitee)]) -> Vec<&str> {
    rows.iter().map(|(_, invitee)| invitee.email.as_str()).collect()
}

/// The audit entry of an import (`UsersImported`) or of a check (`UsersImportChecked`).
fn import_event<'a>(
    ctx: &Ctx,
    action: AuditAction,
    client_address: &'a str,
    detail: serde_json::Value,
) -> AuditEvent<'a> {
    AuditEvent {
        action,
        actor_user_id: Some(ctx.user_id()),
        subject: "CSV import",
        client_address,
        detail,
    }
}

#[cfg(test)]
mod tests;
