//! What is computed from a market's prices: the analysis of a period and the weekly trend.

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::market::{Analysis, Trend};

#[cfg(feature = "ssr")]
use super::doc::*;
#[cfg(feature = "ssr")]
use crate::runtime::api_doc::*;
#[cfg(feature = "ssr")]
use serde_json::json;

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

#[cfg(feature = "ssr")]
inventory::submit! {
    Documented::of::<MarketAnalysis>(|| Function {
        summary: "Statistics of a market's prices over a period, per competitor, with outliers",
        notes: "Computed in the market's currency; `market` is null when the period holds no \
                observation.",
        who: Who::EveryRole,
        arguments: vec![
            market_id(),
            optional("product_id", uuid(), uuid_value()),
            optional("days", days(), json!(30)),
        ],
        answer: reference::<Analysis>(),
        errors: &[404, 422],
        links: vec![],
    })
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

#[cfg(feature = "ssr")]
inventory::submit! {
    Documented::of::<MarketTrend>(|| Function {
        summary: "Weekly average prices of one product per competitor",
        notes: "Without `product_id`, the market's first product; 404 when it has none.",
        who: Who::EveryRole,
        arguments: vec![
            market_id(),
            optional("product_id", uuid(), uuid_value()),
            optional("days", days(), json!(90)),
        ],
        answer: reference::<Trend>(),
        errors: &[404, 422],
        links: vec![],
    })
}
