//! The platform super-admin's cross-organisation views.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::organisation::OrganisationSummary;

#[server(prefix = "/api", endpoint = "platform_organisations")]
pub async fn platform_organisations() -> Result<Vec<OrganisationSummary>, AppError> {
    use crate::server::auth::ctx::guarded;
    guarded(async |ctx, scope| {
        crate::server::platform::organisations_overview(ctx, &scope.state).await
    })
    .await
}
