//! The organisation's audit trail, for its admins.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::audit::AuditEntry;

#[server(prefix = "/api", endpoint = "organisation_audit_log")]
pub async fn organisation_audit_log() -> Result<Vec<AuditEntry>, AppError> {
    let scope = crate::server::auth::ctx::RequestScope::capture()?;
    let result = async {
        let ctx = scope.ctx().await?;
        crate::server::audit_log::recent_entries(&ctx, &scope.state).await
    }
    .await;
    scope.respond(result)
}
