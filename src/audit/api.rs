//! The organisation's audit trail, for its admins.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::audit::AuditEntry;

#[server(prefix = "/api", endpoint = "organisation_audit_log")]
pub async fn organisation_audit_log() -> Result<Vec<AuditEntry>, AppError> {
    use crate::access::ctx::guarded;
    guarded(async |ctx, scope| {
        crate::audit::organisation_log::recent_entries(ctx, &scope.state).await
    })
    .await
}
