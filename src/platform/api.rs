//! The platform super-admin's console: organisations (and their deletion), support access and
//! the platform audit log. Every function needs the super-admin role (checked by the platform path
//! or the support module), and reads across organisations only through the audited platform
//! transaction.

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::admin::{
    DeletionCounts, DeletionSummary, OrganisationDetail, OrganisationPage, OrganisationSort,
    SupportBanner,
};
use crate::model::organisation::{Industry, OrganisationStatus, Plan};

#[server(prefix = "/api", endpoint = "admin_organisations")]
pub async fn admin_organisations(
    search: Option<String>,
    industry: Option<Industry>,
    plan: Option<Plan>,
    status: Option<OrganisationStatus>,
    sort: Option<OrganisationSort>,
    after: Option<String>,
) -> Result<OrganisationPage, AppError> {
    use crate::access::ctx::guarded;
    use crate::model::admin::OrganisationQuery;
    use crate::platform::organisations;
    let query = OrganisationQuery {
        search: search.unwrap_or_default(),
        industry,
        plan,
        status,
        sort: sort.unwrap_or_default(),
        after,
    };
    guarded(async |ctx, scope| organisations::list(ctx, &scope.state, &query).await).await
}

#[server(prefix = "/api", endpoint = "admin_organisation")]
pub async fn admin_organisation(id: Uuid) -> Result<OrganisationDetail, AppError> {
    use crate::access::ctx::guarded;
    use crate::platform::organisations;
    guarded(async |ctx, scope| organisations::detail(ctx, &scope.state, id).await).await
}

#[server(prefix = "/api", endpoint = "create_organisation")]
pub async fn create_organisation(
    name: String,
    industry: Industry,
    plan: Plan,
    admin_email: String,
    admin_name: String,
) -> Result<Uuid, AppError> {
    use crate::access::ctx::guarded;
    use crate::platform::organisations::{self, NewOrganisation};
    guarded(async |ctx, scope| {
        let new = NewOrganisation {
            name: &name,
            industry,
            plan,
            admin_email: &admin_email,
            admin_name: &admin_name,
        };
        organisations::create(ctx, &scope.state, new, &scope.client_address()).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "update_organisation")]
pub async fn update_organisation(
    id: Uuid,
    name: String,
    industry: Industry,
    plan: Plan,
) -> Result<(), AppError> {
    use crate::access::ctx::guarded;
    use crate::platform::organisations;
    guarded(async |ctx, scope| {
        let address = scope.client_address();
        organisations::update(ctx, &scope.state, id, &name, industry, plan, &address).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "set_organisation_status")]
pub async fn set_organisation_status(
    id: Uuid,
    status: OrganisationStatus,
    reason: String,
) -> Result<(), AppError> {
    use crate::access::ctx::guarded;
    use crate::platform::organisations;
    guarded(async |ctx, scope| {
        let address = scope.client_address();
        organisations::set_status(ctx, &scope.state, id, status, &reason, &address).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "enter_support")]
pub async fn enter_support(
    organisation_id: Uuid,
    reason: String,
    minutes: i64,
) -> Result<SupportBanner, AppError> {
    use crate::access::ctx::guarded;
    use crate::access::support;
    guarded(async |ctx, scope| {
        let address = scope.client_address();
        support::enter(ctx, &scope.state, organisation_id, &reason, minutes, &address).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "leave_support")]
pub async fn leave_support() -> Result<(), AppError> {
    use crate::access::ctx::guarded;
    use crate::access::support;
    guarded(async |ctx, scope| support::leave(ctx, &scope.state, &scope.client_address()).await)
        .await
}

/// Deployment problems only the platform's staff may see (the pool's login role, ...).
#[server(prefix = "/api", endpoint = "platform_warnings")]
pub async fn platform_warnings() -> Result<Vec<String>, AppError> {
    use crate::access::ctx::guarded;
    use crate::platform::warnings;
    guarded(async |ctx, scope| warnings::list(ctx, &scope.state).await).await
}

/// Step one of deleting a suspended organisation: records the request (valid 15 minutes, for
/// this super-admin only) and answers what will be deleted.
#[server(prefix = "/api", endpoint = "request_organisation_deletion")]
pub async fn request_organisation_deletion(
    id: Uuid,
    reason: String,
) -> Result<DeletionSummary, AppError> {
    use crate::access::ctx::guarded;
    use crate::platform::deletion;
    guarded(async |ctx, scope| {
        let address = scope.client_address();
        deletion::request(ctx, &scope.state, id, &reason, &address).await
    })
    .await
}

/// Step two: deletes the organisation and every row of it, once its name is typed again.
#[server(prefix = "/api", endpoint = "confirm_organisation_deletion")]
pub async fn confirm_organisation_deletion(
    id: Uuid,
    confirm_name: String,
) -> Result<DeletionCounts, AppError> {
    use crate::access::ctx::guarded;
    use crate::platform::deletion;
    guarded(async |ctx, scope| {
        let address = scope.client_address();
        deletion::confirm(ctx, &scope.state, id, &confirm_name, &address).await
    })
    .await
}
