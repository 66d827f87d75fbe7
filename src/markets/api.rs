//! The domain's server functions: markets, competitors, observations, analysis, trends and
//! alerts. Browser pages call them with the session cookie; API clients may call them with a
//! bearer token (docs/api.md). Each resolves the access context first; roles are checked by the
//! data functions (viewers read, analysts record, admins manage markets and the threshold).

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::market::{
    Alert, Analysis, Market, MarketDetail, ObservationPage, Severity, Trend,
};

#[server(prefix = "/api", endpoint = "markets")]
pub async fn markets() -> Result<Vec<Market>, AppError> {
    use crate::access::ctx::guarded;
    use crate::markets::market;
    guarded(async |ctx, scope| market::list(ctx, &scope.state).await).await
}

#[server(prefix = "/api", endpoint = "market_overview")]
pub async fn market_overview(id: Uuid) -> Result<MarketDetail, AppError> {
    use crate::access::ctx::guarded;
    use crate::markets::market;
    guarded(async |ctx, scope| market::detail(ctx, &scope.state, id).await).await
}

#[server(prefix = "/api", endpoint = "create_market")]
pub async fn create_market(
    name: String,
    region: String,
    currency: String,
    adopt_template: bool,
) -> Result<Uuid, AppError> {
    use crate::access::ctx::guarded;
    use crate::markets::market::{self, MarketInput};
    guarded(async |ctx, scope| {
        let input = MarketInput { name: &name, region: &region, currency: &currency };
        market::create(ctx, &scope.state, input, adopt_template, &scope.client_address()).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "update_market")]
pub async fn update_market(
    id: Uuid,
    name: String,
    region: String,
    currency: String,
) -> Result<(), AppError> {
    use crate::access::ctx::guarded;
    use crate::markets::market::{self, MarketInput};
    guarded(async |ctx, scope| {
        let input = MarketInput { name: &name, region: &region, currency: &currency };
        market::update(ctx, &scope.state, id, input, &scope.client_address()).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "archive_market")]
pub async fn archive_market(id: Uuid) -> Result<(), AppError> {
    use crate::access::ctx::guarded;
    use crate::markets::market;
    guarded(async |ctx, scope| {
        market::archive(ctx, &scope.state, id, &scope.client_address()).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "add_product")]
pub async fn add_product(market_id: Uuid, name: String) -> Result<Uuid, AppError> {
    use crate::access::ctx::guarded;
    use crate::markets::market;
    guarded(async |ctx, scope| market::add_product(ctx, &scope.state, market_id, &name).await).await
}

#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "save_competitor")]
pub async fn save_competitor(
    market_id: Uuid,
    id: Option<Uuid>,
    name: String,
    business_type: String,
    website: String,
    locations: String,
    priority: i16,
    market_share_pct: String,
    description: String,
) -> Result<Uuid, AppError> {
    use crate::access::ctx::guarded;
    use crate::markets::competitors::{self, CompetitorInput};
    guarded(async |ctx, scope| {
        let input = CompetitorInput {
            name: &name,
            business_type: &business_type,
            website: &website,
            locations: &locations,
            priority,
            market_share_pct: &market_share_pct,
            description: &description,
        };
        competitors::save(ctx, &scope.state, market_id, id, input, &scope.client_address()).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "competitor_profile")]
pub async fn competitor_profile(
    market_id: Uuid,
    id: Uuid,
) -> Result<crate::model::market::CompetitorProfile, AppError> {
    use crate::access::ctx::guarded;
    use crate::markets::competitors;
    guarded(async |ctx, scope| competitors::profile(ctx, &scope.state, market_id, id).await).await
}

#[server(prefix = "/api", endpoint = "archive_competitor")]
pub async fn archive_competitor(id: Uuid) -> Result<(), AppError> {
    use crate::access::ctx::guarded;
    use crate::markets::competitors;
    guarded(async |ctx, scope| {
        competitors::archive(ctx, &scope.state, id, &scope.client_address()).await
    })
    .await
}

#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "record_observation")]
pub async fn record_observation(
    market_id: Uuid,
    competitor_id: Uuid,
    product_id: Uuid,
    price: String,
    currency: String,
    observed_at: String,
    #[server(default)] source: String,
    // An unticked checkbox sends nothing: absent is false.
    #[server(default)] is_promotion: bool,
    #[server(default)] promotion_details: String,
) -> Result<Uuid, AppError> {
    use crate::access::ctx::guarded;
    use crate::markets::observations::{self, ObservationInput};
    guarded(async |ctx, scope| {
        let input = ObservationInput {
            competitor_id,
            product_id,
            price: &price,
            currency: &currency,
            observed_at: &observed_at,
            source: &source,
            is_promotion,
            promotion_details: &promotion_details,
        };
        observations::record(ctx, &scope.state, market_id, input).await
    })
    .await
}

/// Checks (`commit` false) or imports (`commit` true) a CSV file of observations; see
/// docs/api.md for its columns.
#[server(prefix = "/api", endpoint = "import_observations")]
pub async fn import_observations(
    market_id: Uuid,
    csv: String,
    commit: bool,
) -> Result<crate::model::admin::ImportReport, AppError> {
    use crate::access::ctx::guarded;
    use crate::markets::import;
    guarded(async |ctx, scope| import::run(ctx, &scope.state, market_id, &csv, commit).await).await
}

#[server(prefix = "/api", endpoint = "market_observations")]
pub async fn market_observations(
    market_id: Uuid,
    competitor_id: Option<Uuid>,
    product_id: Option<Uuid>,
    after: Option<String>,
) -> Result<ObservationPage, AppError> {
    use crate::access::ctx::guarded;
    use crate::markets::observations;
    guarded(async |ctx, scope| {
        observations::list(
            ctx,
            &scope.state,
            market_id,
            competitor_id,
            product_id,
            after.as_deref(),
        )
        .await
    })
    .await
}

#[server(prefix = "/api", endpoint = "market_analysis")]
pub async fn market_analysis(
    market_id: Uuid,
    product_id: Option<Uuid>,
    days: Option<i32>,
) -> Result<Analysis, AppError> {
    use crate::access::ctx::guarded;
    use crate::markets::analysis;
    guarded(async |ctx, scope| {
        analysis::analyse(ctx, &scope.state, market_id, product_id, days).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "market_trend")]
pub async fn market_trend(
    market_id: Uuid,
    product_id: Option<Uuid>,
    days: Option<i32>,
) -> Result<Trend, AppError> {
    use crate::access::ctx::guarded;
    use crate::markets::trends;
    guarded(async |ctx, scope| trends::weekly(ctx, &scope.state, market_id, product_id, days).await)
        .await
}

#[server(prefix = "/api", endpoint = "alerts")]
pub async fn alerts(
    include_resolved: Option<bool>,
    severity: Option<Severity>,
) -> Result<Vec<Alert>, AppError> {
    use crate::access::ctx::guarded;
    use crate::markets::alerts;
    guarded(async |ctx, scope| {
        alerts::list(ctx, &scope.state, include_resolved.unwrap_or(false), severity).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "unread_alerts")]
pub async fn unread_alerts() -> Result<i64, AppError> {
    use crate::access::ctx::guarded;
    use crate::markets::alerts;
    guarded(async |ctx, scope| alerts::unread(ctx, &scope.state).await).await
}

#[server(prefix = "/api", endpoint = "mark_alert")]
pub async fn mark_alert(id: Uuid, resolve: bool) -> Result<(), AppError> {
    use crate::access::ctx::guarded;
    use crate::markets::alerts;
    guarded(async |ctx, scope| alerts::mark(ctx, &scope.state, id, resolve).await).await
}

#[server(prefix = "/api", endpoint = "alert_threshold")]
pub async fn alert_threshold() -> Result<String, AppError> {
    use crate::access::ctx::guarded;
    use crate::markets::alerts;
    guarded(async |ctx, scope| alerts::threshold(ctx, &scope.state).await).await
}

#[server(prefix = "/api", endpoint = "set_alert_threshold")]
pub async fn set_alert_threshold(percent: String) -> Result<(), AppError> {
    use crate::access::ctx::guarded;
    use crate::markets::alerts;
    guarded(async |ctx, scope| {
        alerts::set_threshold(ctx, &scope.state, &percent, &scope.client_address()).await
    })
    .await
}
