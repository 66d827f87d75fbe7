//! The organisation's audit trail, for its admins.

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::admin::PlatformAuditPage;
use crate::model::audit::AuditEntry;

#[server(prefix = "/api", endpoint = "organisation_audit_log")]
pub async fn organisation_audit_log() -> Result<Vec<AuditEntry>, AppError> {
    use crate::access::ctx::guarded;
    guarded(async |ctx, scope| {
        crate::audit::organisation_log::recent_entries(ctx, &scope.state).await
    })
    .await
}

/// The platform's audit trail, across organisations, for super-admins; filtered by action and
/// organisation, a page at a time.
#[server(prefix = "/api", endpoint = "platform_audit_log")]
pub async fn platform_audit_log(
    action: Option<String>,
    organisation_id: Option<Uuid>,
    after: Option<String>,
) -> Result<PlatformAuditPage, AppError> {
    use crate::access::ctx::guarded;
    use crate::audit::platform_log;
    guarded(async |ctx, scope| {
        let action = action.unwrap_or_default();
        platform_log::entries(ctx, &scope.state, &action, organisation_id, after.as_deref()).await
    })
    .await
}
