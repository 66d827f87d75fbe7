//! Markets themselves: the list, one market, creating, editing and archiving one, and its products.

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::market::{Market, MarketDetail};

#[cfg(feature = "ssr")]
use super::doc::*;
#[cfg(feature = "ssr")]
use crate::runtime::api_doc::*;
#[cfg(feature = "ssr")]
use serde_json::json;
#[cfg(feature = "ssr")]
use utoipa::openapi::link::LinkBuilder;

#[server(prefix = "/api", endpoint = "markets")]
pub async fn markets() -> Result<Vec<Market>, AppError> {
    use crate::access::ctx::guarded;
    use crate::markets::market;
    guarded(async |ctx, scope| market::list(ctx, &scope.state).await).await
}

#[cfg(feature = "ssr")]
inventory::submit! {
    Documented::of::<Markets>(|| Function {
        summary: "The organisation's active markets with their competitor and observation counts",
        notes: "",
        who: Who::EveryRole,
        arguments: vec![],
        answer: array_of::<Market>(),
        errors: &[],
        links: vec![
            ("overview", first_market("market_overview", "id")),
            ("observations", first_market("market_observations", "market_id")),
            ("analysis", first_market("market_analysis", "market_id")),
            ("trend", first_market("market_trend", "market_id")),
            ("new_competitor", first_market("save_competitor", "market_id")),
            ("import", first_market("import_observations", "market_id")),
            ("add_product", first_market("add_product", "market_id")),
            ("update", first_market("update_market", "id")),
        ],
    })
}

#[server(prefix = "/api", endpoint = "market_overview")]
pub async fn market_overview(id: Uuid) -> Result<MarketDetail, AppError> {
    use crate::access::ctx::guarded;
    use crate::markets::market;
    guarded(async |ctx, scope| market::detail(ctx, &scope.state, id).await).await
}

#[cfg(feature = "ssr")]
inventory::submit! {
    Documented::of::<MarketOverview>(|| Function {
        summary: "A market with its products and active competitors",
        notes: "",
        who: Who::EveryRole,
        arguments: vec![required("id", uuid(), uuid_value())],
        answer: reference::<MarketDetail>(),
        errors: &[404],
        links: vec![
            (
                "record",
                overview_to(
                    "record_observation",
                    json!({
                        "market_id": "$response.body#/market/id",
                        "competitor_id": "$response.body#/competitors/0/id",
                        "product_id": "$response.body#/products/0/id",
                    }),
                ),
            ),
            (
                "profile",
                overview_to(
                    "competitor_profile",
                    json!({
                        "market_id": "$response.body#/market/id",
                        "id": "$response.body#/competitors/0/id",
                    }),
                ),
            ),
            (
                "edit_competitor",
                overview_to(
                    "save_competitor",
                    json!({
                        "market_id": "$response.body#/market/id",
                        "id": "$response.body#/competitors/0/id",
                    }),
                ),
            ),
            (
                "trend",
                overview_to(
                    "market_trend",
                    json!({
                        "market_id": "$response.body#/market/id",
                        "product_id": "$response.body#/products/0/id",
                    }),
                ),
            ),
        ],
    })
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

#[cfg(feature = "ssr")]
inventory::submit! {
    Documented::of::<CreateMarket>(|| Function {
        summary: "Creates a market",
        notes: "With `adopt_template=true`, also the products the organisation's industry \
                suggests. Names are unique per organisation (422 `taken`).",
        who: Who::Admins,
        arguments: vec![
            required("name", market_name(2), json!("Harbour cinemas")),
            required("region", text(0, 120), json!("Harbourside")),
            required("currency", currency(), json!("EUR")),
            required("adopt_template", flag(), json!("true")),
        ],
        answer: new_id(),
        errors: &[422],
        links: vec![
            (
                "overview",
                LinkBuilder::new()
                    .operation_id("market_overview")
                    .request_body(Some(json!({ "id": "$response.body" }))),
            ),
            (
                "add_product",
                LinkBuilder::new()
                    .operation_id("add_product")
                    .request_body(Some(json!({ "market_id": "$response.body" }))),
            ),
            (
                "archive",
                LinkBuilder::new()
                    .operation_id("archive_market")
                    .request_body(Some(json!({ "id": "$response.body" }))),
            ),
        ],
    })
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

#[cfg(feature = "ssr")]
inventory::submit! {
    Documented::of::<UpdateMarket>(|| Function {
        summary: "Renames a market or changes its region or currency",
        notes: "",
        who: Who::Admins,
        arguments: vec![
            required("id", uuid(), uuid_value()),
            required("name", market_name(2), json!("Harbour cinemas")),
            required("region", text(0, 120), json!("Harbourside")),
            required("currency", currency(), json!("EUR")),
        ],
        answer: unit(),
        errors: &[404, 422],
        links: vec![],
    })
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

#[cfg(feature = "ssr")]
inventory::submit! {
    Documented::of::<ArchiveMarket>(|| Function {
        summary: "Archives a market (its observations are kept)",
        notes: "",
        who: Who::Admins,
        arguments: vec![required("id", uuid(), uuid_value())],
        answer: unit(),
        errors: &[404],
        links: vec![],
    })
}

#[server(prefix = "/api", endpoint = "add_product")]
pub async fn add_product(market_id: Uuid, name: String) -> Result<Uuid, AppError> {
    use crate::access::ctx::guarded;
    use crate::markets::market;
    guarded(async |ctx, scope| market::add_product(ctx, &scope.state, market_id, &name).await).await
}

#[cfg(feature = "ssr")]
inventory::submit! {
    Documented::of::<AddProduct>(|| Function {
        summary: "Adds a product or service to a market",
        notes: "Names are unique per market (422 `taken`).",
        who: Who::Admins,
        arguments: vec![market_id(), required("name", market_name(1), json!("Day pass"))],
        answer: new_id(),
        errors: &[404, 422],
        links: vec![],
    })
}
