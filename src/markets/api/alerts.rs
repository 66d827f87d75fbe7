//! Alerts: the list, the unread count, marking one, and the organisation's threshold.

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::market::{Alert, Severity};

#[cfg(feature = "ssr")]
use crate::runtime::api_doc::*;
#[cfg(feature = "ssr")]
use serde_json::json;
#[cfg(feature = "ssr")]
use utoipa::openapi::{link::LinkBuilder, ObjectBuilder, RefOr, Schema, Type};

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

#[cfg(feature = "ssr")]
inventory::submit! {
    Documented::of::<Alerts>(|| Function {
        summary: "The newest alerts (200 at most)",
        notes: "Open alerts only unless `include_resolved` is true.",
        who: Who::EveryRole,
        arguments: vec![
            optional("include_resolved", flag(), json!("false")),
            optional("severity", reference::<Severity>(), json!("high")),
        ],
        answer: array_of::<Alert>(),
        errors: &[],
        links: vec![(
            "mark",
            LinkBuilder::new()
                .operation_id("mark_alert")
                .request_body(Some(json!({ "id": "$response.body#/0/id" }))),
        )],
    })
}

#[server(prefix = "/api", endpoint = "unread_alerts")]
pub async fn unread_alerts() -> Result<i64, AppError> {
    use crate::access::ctx::guarded;
    use crate::markets::alerts;
    guarded(async |ctx, scope| alerts::unread(ctx, &scope.state).await).await
}

#[cfg(feature = "ssr")]
inventory::submit! {
    Documented::of::<UnreadAlerts>(|| Function {
        summary: "How many open alerts nobody has read",
        notes: "",
        who: Who::EveryRole,
        arguments: vec![],
        answer: RefOr::T(Schema::Object(
            ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)).build(),
        )),
        errors: &[],
        links: vec![],
    })
}

#[server(prefix = "/api", endpoint = "mark_alert")]
pub async fn mark_alert(id: Uuid, resolve: bool) -> Result<(), AppError> {
    use crate::access::ctx::guarded;
    use crate::markets::alerts;
    guarded(async |ctx, scope| alerts::mark(ctx, &scope.state, id, resolve).await).await
}

#[cfg(feature = "ssr")]
inventory::submit! {
    Documented::of::<MarkAlert>(|| Function {
        summary: "Marks an alert read (`resolve=false`) or resolved (`resolve=true`)",
        notes: "",
        who: Who::ReadOrResolve,
        arguments: vec![
            required("id", uuid(), uuid_value()),
            required("resolve", flag(), json!("false")),
        ],
        answer: unit(),
        errors: &[404],
        links: vec![],
    })
}

#[server(prefix = "/api", endpoint = "alert_threshold")]
pub async fn alert_threshold() -> Result<String, AppError> {
    use crate::access::ctx::guarded;
    use crate::markets::alerts;
    guarded(async |ctx, scope| alerts::threshold(ctx, &scope.state).await).await
}

#[cfg(feature = "ssr")]
inventory::submit! {
    Documented::of::<AlertThreshold>(|| Function {
        summary: "The organisation's alert threshold, in percent, as decimal text",
        notes: "",
        who: Who::EveryRole,
        arguments: vec![],
        answer: RefOr::T(Schema::Object(
            string().pattern(Some(r"^[0-9]+(\.[0-9]+)?$")).examples(["5.00"]).build(),
        )),
        errors: &[],
        links: vec![],
    })
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

#[cfg(feature = "ssr")]
inventory::submit! {
    Documented::of::<SetAlertThreshold>(|| Function {
        summary: "Sets the organisation's alert threshold",
        notes: "",
        who: Who::Admins,
        arguments: vec![required(
            "percent",
            string()
                .pattern(Some(r"^[0-9]{1,3}(\.[0-9]{1,2})?$"))
                .description(Some("Above 0 and at most 100, at most 2 decimals.")),
            json!("7.5"),
        )],
        answer: unit(),
        errors: &[422],
        links: vec![],
    })
}
