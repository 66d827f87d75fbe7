//! Super-admin reads across organisations, through the audited platform path.

use crate::error::AppError;
use crate::model::organisation::{Industry, OrganisationStatus, OrganisationSummary, Plan};
use crate::server::auth::ctx::Ctx;
use crate::server::db::platform::PlatformTx;
use crate::server::state::AppState;

/// Every organisation with its member count. Super-admins only; audited.
pub async fn organisations_overview(
    ctx: &Ctx,
    state: &AppState,
) -> Result<Vec<OrganisationSummary>, AppError> {
    let mut tx = PlatformTx::begin(ctx, state, "organisations overview").await?;
    let rows = sqlx::query_as!(
        OrganisationSummary,
        r#"SELECT o.id, o.name, o.industry AS "industry: Industry", o.plan AS "plan: Plan",
                  o.status AS "status: OrganisationStatus",
                  (SELECT count(*) FROM memberships m WHERE m.organisation_id = o.id) AS "members!"
           FROM organisations o
           ORDER BY lower(o.name)"#
    )
    .fetch_all(tx.connection())
    .await?;
    tx.commit().await?;
    Ok(rows)
}
