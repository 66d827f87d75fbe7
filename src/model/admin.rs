//! The vocabulary of administration: the platform's organisation list, an organisation's
//! people and invitations, user imports, and support access.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::FieldError;
use crate::model::organisation::{Industry, MembershipRole, OrganisationStatus, Plan, UserStatus};
use crate::model::validation::field_error;

/// Rows per page of every administration list.
pub const PAGE_SIZE: usize = 50;
/// How long an invitation link works unless re-sent.
pub const INVITATION_DAYS: i64 = 7;
/// Longest support access a super-admin may ask for, and the default.
pub const SUPPORT_MAX_MINUTES: i64 = 240;
pub const SUPPORT_DEFAULT_MINUTES: i64 = 60;
/// Bounds of a user import: the file is read whole, so both are small.
pub const IMPORT_MAX_BYTES: usize = 256 * 1024;
pub const IMPORT_MAX_ROWS: usize = 1000;

/// How the platform's organisation list is ordered. Both orders are keyset-paginated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationSort {
    #[default]
    Name,
    Newest,
}

/// Search and filters of the organisation list; `after` is the cursor of the previous page's
/// last row (opaque to the client).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationQuery {
    #[serde(default)]
    pub search: String,
    #[serde(default)]
    pub industry: Option<Industry>,
    #[serde(default)]
    pub plan: Option<Plan>,
    #[serde(default)]
    pub status: Option<OrganisationStatus>,
    #[serde(default)]
    pub sort: OrganisationSort,
    #[serde(default)]
    pub after: Option<String>,
}

/// One organisation in the platform list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationRow {
    pub id: Uuid,
    pub name: String,
    pub industry: Industry,
    pub plan: Plan,
    pub status: OrganisationStatus,
    pub members: i64,
    /// Audit entries in the last 30 days: sign-ins, changes, imports.
    pub recent_activity: i64,
    /// RFC 3339, UTC.
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationPage {
    pub rows: Vec<OrganisationRow>,
    /// The cursor of the next page, when there is one.
    pub next: Option<String>,
}

/// One organisation as its detail page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationDetail {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub industry: Industry,
    pub plan: Plan,
    pub status: OrganisationStatus,
    pub status_reason: String,
    pub members: i64,
    pub open_invitations: i64,
    pub created_at: String,
}

/// A person in the organisation, as its admins see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub user_id: Uuid,
    pub display_name: String,
    pub email: String,
    pub role: MembershipRole,
    pub status: UserStatus,
    /// RFC 3339, UTC.
    pub last_login_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberPage {
    pub rows: Vec<Member>,
    pub next: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationState {
    Pending,
    Expired,
}

/// An invitation not yet accepted or revoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: MembershipRole,
    pub state: InvitationState,
    /// RFC 3339, UTC.
    pub expires_at: String,
}

/// What an invitation link shows before it is accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationPreview {
    pub organisation_name: String,
    pub email: String,
    pub display_name: String,
    pub role: MembershipRole,
}

/// One problem of an import, by line of the file (the header is line 1; 0 is the whole file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImportProblem {
    pub line: usize,
    pub message: String,
}

/// The outcome of checking or running an import (of members or of observations).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub rows: usize,
    pub problems: Vec<ImportProblem>,
    /// True only when the rows were stored (every row was valid and the import was committed).
    pub imported: bool,
}

/// One entry of the platform-wide audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformAuditEntry {
    pub id: Uuid,
    pub occurred_at: String,
    pub action: String,
    pub organisation: Option<String>,
    pub actor: Option<String>,
    pub subject: String,
    pub client_address: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformAuditPage {
    pub rows: Vec<PlatformAuditEntry>,
    pub next: Option<String>,
}

/// A super-admin's open support access, shown as a banner on every page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportBanner {
    pub organisation_name: String,
    pub reason: String,
    /// RFC 3339, UTC.
    pub expires_at: String,
}

/// How long a super-admin has to confirm an organisation's deletion after asking for it.
pub const DELETION_CONFIRM_MINUTES: i64 = 15;

/// What deleting an organisation removes, counted when the deletion is requested and again as
/// it happens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionCounts {
    /// Memberships; each member's account is deleted with it.
    pub members: i64,
    pub markets: i64,
    pub competitors: i64,
    pub products: i64,
    pub observations: i64,
    pub alerts: i64,
    pub invitations: i64,
    pub audit_entries: i64,
}

/// Step one of deleting an organisation: what will go, and until when it may be confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionSummary {
    pub organisation_id: Uuid,
    /// The name the super-admin must type to confirm.
    pub name: String,
    pub reason: String,
    pub counts: DeletionCounts,
    /// RFC 3339, UTC.
    pub expires_at: String,
}

/// The longest reason a super-admin may give, in characters.
pub const REASON_MAX_CHARS: usize = 500;

/// Checks a reason a super-admin must give (suspension, reactivation, support access).
pub fn check_reason(field: &str, reason: &str) -> Option<FieldError> {
    let length = reason.trim().chars().count();
    if length < 10 {
        return Some(field_error(field, "too_short", "Give a reason of at least 10 characters."));
    }
    (length > REASON_MAX_CHARS).then(|| {
        field_error(
            field,
            "too_long",
            format!("Keep the reason under {REASON_MAX_CHARS} characters."),
        )
    })
}

/// Checks an organisation's or a person's name.
pub fn check_name(field: &str, name: &str, min: usize) -> Option<FieldError> {
    let length = name.trim().chars().count();
    if length == 0 {
        return Some(field_error(field, "required", "Enter a name."));
    }
    if length < min {
        return Some(field_error(field, "too_short", format!("Use at least {min} characters.")));
    }
    (length > 120).then(|| field_error(field, "too_long", "Use at most 120 characters."))
}

#[cfg(test)]
mod tests;
