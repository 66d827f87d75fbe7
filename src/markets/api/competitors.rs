//! A market's competitors: adding or editing one, their profile, archiving one.

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::doc::*;
#[cfg(feature = "ssr")]
use crate::runtime::api_doc::*;
#[cfg(feature = "ssr")]
use serde_json::json;
#[cfg(feature = "ssr")]
use utoipa::openapi::link::LinkBuilder;

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

#[cfg(feature = "ssr")]
inventory::submit! {
    Documented::of::<SaveCompetitor>(|| Function {
        summary: "Adds a competitor to a market, or edits one (with `id`)",
        notes: "",
        who: Who::Analysts,
        arguments: vec![
            market_id(),
            optional(
                "id",
                uuid().description(Some("The competitor to edit; absent or empty adds one.")),
                uuid_value(),
            ),
            required("name", market_name(1), json!("Rival Cinemas")),
            required("business_type", text(0, 120), json!("Multiplex")),
            required(
                "website",
                string()
                    .max_length(Some(500))
                    .pattern(Some("^(https?://.+)?$"))
                    .description(Some("An http(s) address with a host, or empty.")),
                json!("https://rival.example"),
            ),
            required("locations", text(0, 500), json!("Harbour Street")),
            required("priority", integer(1, 5), json!(3)),
            required(
                "market_share_pct",
                string()
                    .pattern(Some(r"^([0-9]{1,3}(\.[0-9]{1,2})?)?$"))
                    .description(Some("0 to 100, at most 2 decimals; empty if unknown.")),
                json!("12.5"),
            ),
            required("description", text(0, 2000), json!("")),
        ],
        answer: new_id(),
        errors: &[404, 422],
        links: vec![
            (
                "profile",
                LinkBuilder::new().operation_id("competitor_profile").request_body(Some(
                    json!({ "market_id": "$request.body#/market_id", "id": "$response.body" }),
                )),
            ),
            (
                "archive",
                LinkBuilder::new()
                    .operation_id("archive_competitor")
                    .request_body(Some(json!({ "id": "$response.body" }))),
            ),
        ],
    })
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

#[cfg(feature = "ssr")]
inventory::submit! {
    Documented::of::<CompetitorProfile>(|| Function {
        summary: "A competitor with their latest price of each product",
        notes: "",
        who: Who::EveryRole,
        arguments: vec![market_id(), required("id", uuid(), uuid_value())],
        answer: reference::<crate::model::market::CompetitorProfile>(),
        errors: &[404],
        links: vec![],
    })
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

#[cfg(feature = "ssr")]
inventory::submit! {
    Documented::of::<ArchiveCompetitor>(|| Function {
        summary: "Archives a competitor (their observations are kept)",
        notes: "",
        who: Who::Analysts,
        arguments: vec![required("id", uuid(), uuid_value())],
        answer: unit(),
        errors: &[404],
        links: vec![],
    })
}
