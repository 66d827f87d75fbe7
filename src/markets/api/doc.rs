//! The markets API's own argument schemas and links for the OpenAPI entries beside each function.

use serde_json::{json, Value};
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::ObjectBuilder;

use crate::model::market::{PERIOD_DEFAULT_DAYS, PERIOD_MAX_DAYS};
use crate::runtime::api_doc::{integer, required, string, text, uuid, uuid_value, Argument};

pub(super) fn days() -> ObjectBuilder {
    integer(1, PERIOD_MAX_DAYS)
        .default(Some(json!(PERIOD_DEFAULT_DAYS)))
        .description(Some("The period in days, ending now."))
}

pub(super) fn currency() -> ObjectBuilder {
    string()
        .pattern(Some("^[A-Za-z]{3}$"))
        .description(Some("An ISO 4217 code such as EUR or USD (any case)."))
        .examples(["EUR", "USD", "GBP"])
}

pub(super) fn market_name(min: usize) -> ObjectBuilder {
    text(min, 120).description(Some("Surrounding spaces are dropped."))
}

pub(super) fn market_id() -> Argument {
    required("market_id", uuid(), uuid_value())
}

/// From a list of markets, the first one's id into a function that takes one.
pub(super) fn first_market(operation: &str, field: &str) -> LinkBuilder {
    LinkBuilder::new()
        .operation_id(operation)
        .request_body(Some(json!({ field: "$response.body#/0/id" })))
}

/// From a market's overview into another function, with these fields.
pub(super) fn overview_to(operation: &str, body: Value) -> LinkBuilder {
    LinkBuilder::new().operation_id(operation).request_body(Some(body))
}
