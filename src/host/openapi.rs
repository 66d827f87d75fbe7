//! The OpenAPI 3.1 document of the markets API (docs/api.md), served at `GET /api/openapi.json`.
//!
//! Answers are described by the response types themselves (`utoipa::ToSchema`, derived under
//! `ssr` on the `model` types, so it follows their serde attributes). Each server function's
//! entry (summary, who may call it, its arguments with the rules the server enforces) is
//! registered beside the function (`runtime::api_doc`); this module assembles them with the token
//! endpoint. `tests/markets/openapi.rs` fails when the document and the code disagree: an undocumented
//! or unregistered function, an argument missing on either side, or an example the real decoder
//! refuses.
//!
//! This module only describes: it reads no state and changes nothing.

use std::sync::LazyLock;

use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use utoipa::openapi::path::OperationBuilder;
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, HttpMethod, InfoBuilder, OpenApi, OpenApiBuilder, PathItem,
    PathsBuilder, Required, ResponseBuilder, SecurityRequirement,
};

use crate::account::routes::token::{TokenError, TokenRequest, TokenResponse};
use crate::error::AppError;
use crate::model::admin::ImportReport;
use crate::model::market::{
    Alert, Analysis, CompetitorProfile, Market, MarketDetail, ObservationPage, Severity, Trend,
};
pub use crate::runtime::api_doc::FORM;
use crate::runtime::api_doc::{
    collect, entries, error_description, error_response, reference, BEARER,
};

/// `GET /api/openapi.json`.
///
/// Public: the document describes the API and grants nothing (every operation it lists still
/// needs a bearer token). It is the same for every caller, so it is built once.
pub async fn serve() -> Response {
    static JSON: LazyLock<String> =
        LazyLock::new(|| document().to_json().expect("the OpenAPI document serialises to JSON"));
    ([(CONTENT_TYPE, "application/json")], JSON.as_str()).into_response()
}

/// The whole document.
pub fn document() -> OpenApi {
    let mut paths = PathsBuilder::new().path("/api/v1/token", token_endpoint());
    for entry in entries() {
        let operation_id = entry.path.trim_start_matches("/api/");
        paths = paths.path(entry.path, (entry.describe)().into_path_item(operation_id));
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("MarketEdge markets API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Ingest and analysis for API clients (docs/api.md). Get an access token from \
                     `POST /api/v1/token`, then call `POST /api/<function>` with the arguments \
                     form-encoded and `Authorization: Bearer <access token>`. Answers are JSON; \
                     errors are an `AppError` (docs/errors.md) with the matching status. Every \
                     call is checked against the database on arrival: a role change, \
                     deactivation or suspension applies to the very next call.",
                )),
        )
        .paths(paths)
        .components(Some(components()))
        .build()
}

fn components() -> utoipa::openapi::Components {
    let mut schemas = Vec::new();
    collect::<AppError>(&mut schemas);
    collect::<Market>(&mut schemas);
    collect::<MarketDetail>(&mut schemas);
    collect::<ObservationPage>(&mut schemas);
    collect::<Analysis>(&mut schemas);
    collect::<Trend>(&mut schemas);
    collect::<Alert>(&mut schemas);
    collect::<CompetitorProfile>(&mut schemas);
    collect::<ImportReport>(&mut schemas);
    collect::<Severity>(&mut schemas);
    collect::<TokenRequest>(&mut schemas);
    collect::<TokenResponse>(&mut schemas);
    collect::<TokenError>(&mut schemas);
    ComponentsBuilder::new()
        .schemas_from_iter(schemas)
        .security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token from `POST /api/v1/token` (docs/auth.md), in the \
                         `Authorization` header only.",
                    ))
                    .build(),
            ),
        )
        .build()
}

/// `POST /api/v1/token` (src/account/routes/token.rs): the one way to get a bearer token.
fn token_endpoint() -> PathItem {
    let grant = || ContentBuilder::new().schema(Some(reference::<TokenRequest>())).build();
    let refused = |description: &str| {
        ResponseBuilder::new().description(description).content(
            "application/json",
            ContentBuilder::new().schema(Some(reference::<TokenError>())).build(),
        )
    };
    let operation = OperationBuilder::new()
        .operation_id(Some("token"))
        .summary(Some("Issues an access token and a refresh token (OAuth 2.0 password and refresh grants)"))
        .description(Some(
            "Public: the credentials are the request. Failures follow RFC 6749 §5.2: \
             `{error, error_description}`. A refresh token is single use; reusing one revokes \
             its family.",
        ))
        .securities(Some(Vec::<SecurityRequirement>::new()))
        .request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(reference::<TokenRequest>()))
                        .example(Some(json!({
                            "grant_type": "password",
                            "email": "analyst@northwind.example",
                            "password": "demo-analyst-2026!",
                        })))
                        .build(),
                )
                .content(FORM, grant())
                .build(),
        ))
        .response(
            "200",
            ResponseBuilder::new().description("The tokens (`Cache-Control: no-store`).").content(
                "application/json",
                ContentBuilder::new().schema(Some(reference::<TokenResponse>())).build(),
            ),
        )
        .response("400", refused("`invalid_request`: not JSON or form-encoded, an unknown grant, missing or extra fields."))
        .response("401", refused("`invalid_grant`: wrong or unknown credentials; an unknown, expired, used or revoked refresh token."))
        .response("403", refused("`access_denied`: the organisation is suspended."))
        .response("413", ResponseBuilder::new().description(error_description(413)))
        .response(
            "429",
            refused(
                "`temporarily_unavailable`: too many failed attempts for the account or the \
                 client address, or too many requests from the address to the endpoints that \
                 need no sign-in; `Retry-After` says how many seconds to wait.",
            ),
        )
        .response("500", error_response(500))
        .response("503", error_response(503));
    PathItem::new(HttpMethod::Post, operation)
}
