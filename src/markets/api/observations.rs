//! Prices: recording one, importing a CSV file of them, and a market's list.

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::market::ObservationPage;

#[cfg(feature = "ssr")]
use super::doc::*;
#[cfg(feature = "ssr")]
use crate::model::admin::{ImportReport, IMPORT_MAX_BYTES};
#[cfg(feature = "ssr")]
use crate::runtime::api_doc::*;
#[cfg(feature = "ssr")]
use serde_json::json;
#[cfg(feature = "ssr")]
use utoipa::openapi::link::LinkBuilder;

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

#[cfg(feature = "ssr")]
inventory::submit! {
    Documented::of::<RecordObservation>(|| Function {
        summary: "Records a competitor's price of a product",
        notes: "The competitor and product must belong to the market (else 404). A move of at \
                least the alert threshold from the competitor's previous price, or a \
                promotion that starts, raises an alert.",
        who: Who::Analysts,
        arguments: vec![
            market_id(),
            required("competitor_id", uuid(), uuid_value()),
            required("product_id", uuid(), uuid_value()),
            required(
                "price",
                string()
                    .pattern(Some(r"^[0-9]{1,9}(\.[0-9]{1,4})?$"))
                    .description(Some(
                        "Decimal text above 0 and below 1,000,000,000, at most 4 decimals.",
                    ))
                    .examples(["12.50"]),
                json!("12.50"),
            ),
            required("currency", currency(), json!("EUR")),
            required(
                "observed_at",
                string().description(Some(
                    "RFC 3339, `YYYY-MM-DDTHH:MM` (UTC) or `YYYY-MM-DD`; empty means now. \
                     Never in the future, never before 2000.",
                )),
                json!("2026-11-27T18:30:00Z"),
            ),
            optional("source", text(0, 200), json!("website")),
            optional(
                "is_promotion",
                flag().description(Some("Absent means false.")),
                json!("false"),
            ),
            optional(
                "promotion_details",
                text(0, 500).description(Some("Kept only for a promotion.")),
                json!(""),
            ),
        ],
        answer: new_id(),
        errors: &[404, 422],
        links: vec![],
    })
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

#[cfg(feature = "ssr")]
inventory::submit! {
    Documented::of::<ImportObservations>(|| Function {
        summary: "Checks (`commit=false`) or imports (`commit=true`) a CSV file of observations",
        notes: "Columns (a header line is required, any order): competitor, product, price, \
                observed_at, and optionally currency, source, promotion (yes/no), \
                promotion_details. At most 5,000 rows and 256 KiB. Problems come back in the \
                answer by line; nothing is stored unless every line is valid.",
        who: Who::Analysts,
        arguments: vec![
            market_id(),
            required(
                "csv",
                string().max_length(Some(IMPORT_MAX_BYTES)).description(Some("The file's text.")),
                json!("competitor,product,price,observed_at\nRival Cinemas,IMAX ticket,14.50,2026-11-20\n"),
            ),
            required("commit", flag(), json!("false")),
        ],
        answer: reference::<ImportReport>(),
        errors: &[404],
        links: vec![],
    })
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

#[cfg(feature = "ssr")]
inventory::submit! {
    Documented::of::<MarketObservations>(|| Function {
        summary: "A market's observations, newest first, 50 per page",
        notes: "Pass the answer's `next` as `after` for the following page.",
        who: Who::EveryRole,
        arguments: vec![
            market_id(),
            optional("competitor_id", uuid(), uuid_value()),
            optional("product_id", uuid(), uuid_value()),
            optional(
                "after",
                string()
                    .pattern(Some(r"^-?[0-9]{1,30}\.[0-9a-fA-F-]{32,36}$"))
                    .description(Some("The `next` of the previous page (opaque).")),
                json!("1795000000000000000.0190f5c4-0000-7000-8000-000000000000"),
            ),
        ],
        answer: reference::<ObservationPage>(),
        errors: &[404],
        links: vec![(
            "next_page",
            LinkBuilder::new().operation_id("market_observations").request_body(Some(
                json!({ "market_id": "$request.body#/market_id", "after": "$response.body#/next" }),
            )),
        )],
    })
}
