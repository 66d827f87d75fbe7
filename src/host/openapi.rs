//! The OpenAPI 3.1 document of the markets API (docs/api.md), served at `GET /api/openapi.json`.
//!
//! Answers are described by the response types themselves (`utoipa::ToSchema`, derived under
//! `ssr` on the `model` types, so it follows their serde attributes). Arguments are what the
//! server functions decode: form fields (`application/x-www-form-urlencoded`) with the rules
//! the server enforces, so a client or a fuzzer can tell a valid call from an invalid one.
//! `tests/openapi.rs` fails when this and the code disagree: an undocumented or unregistered
//! function, an argument missing on either side, or an example the real decoder refuses.
//!
//! This module only describes: it reads no state and changes nothing.

use std::sync::LazyLock;

use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::OperationBuilder;
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ArrayBuilder, ComponentsBuilder, ContentBuilder, HttpMethod, InfoBuilder, KnownFormat,
    ObjectBuilder, OpenApi, OpenApiBuilder, PathItem, PathsBuilder, Ref, RefOr, Required,
    ResponseBuilder, Schema, SchemaFormat, SecurityRequirement, Type,
};
use utoipa::ToSchema;

use crate::account::routes::token::{TokenError, TokenRequest, TokenResponse};
use crate::error::AppError;
use crate::model::admin::{ImportReport, IMPORT_MAX_BYTES};
use crate::model::market::{
    Alert, Analysis, CompetitorProfile, Market, MarketDetail, ObservationPage, Severity, Trend,
    PERIOD_DEFAULT_DAYS, PERIOD_MAX_DAYS,
};

/// The media type of every server function's arguments.
pub const FORM: &str = "application/x-www-form-urlencoded";
/// The security scheme's name in the document.
const BEARER: &str = "bearer";

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
    for function in functions() {
        let path = format!("/api/{}", function.name);
        paths = paths.path(path, function.into_path_item());
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

/// A type's schema and every schema it refers to.
fn collect<T: ToSchema>(schemas: &mut Vec<(String, RefOr<Schema>)>) {
    schemas.push((T::name().into_owned(), T::schema()));
    T::schemas(schemas);
}

fn reference<T: ToSchema>() -> RefOr<Schema> {
    Ref::from_schema_name(T::name()).into()
}

/// An array of `T`, by reference (`Vec<T>`'s own schema would repeat `T`'s inline).
fn array_of<T: ToSchema>() -> RefOr<Schema> {
    ArrayBuilder::new().items(reference::<T>()).into()
}

/// Who may call a function.
#[derive(Clone, Copy)]
enum Who {
    EveryRole,
    Analysts,
    Admins,
    /// `mark_alert`: reading is for everyone, resolving for analysts and admins.
    ReadOrResolve,
}

impl Who {
    fn describe(self) -> &'static str {
        match self {
            Who::EveryRole => "Who may call it: every role (viewer, analyst, admin).",
            Who::Analysts => "Who may call it: analysts and admins.",
            Who::Admins => "Who may call it: admins.",
            Who::ReadOrResolve => {
                "Who may call it: every role to mark an alert read; analysts and admins to \
                 resolve it."
            }
        }
    }
}

/// One form field of a server function.
struct Argument {
    name: &'static str,
    schema: RefOr<Schema>,
    /// Absent fields are refused with 400 unless they are optional.
    required: bool,
    example: Value,
}

fn required(name: &'static str, schema: impl Into<RefOr<Schema>>, example: Value) -> Argument {
    Argument { name, schema: schema.into(), required: true, example }
}

fn optional(name: &'static str, schema: impl Into<RefOr<Schema>>, example: Value) -> Argument {
    Argument { name, schema: schema.into(), required: false, example }
}

/// One server function of the markets API.
struct Function {
    name: &'static str,
    summary: &'static str,
    notes: &'static str,
    who: Who,
    arguments: Vec<Argument>,
    answer: RefOr<Schema>,
    /// 404 when it takes an id, 422 when it checks values; every function may also answer the
    /// statuses of [`COMMON_ERRORS`].
    errors: &'static [u16],
    links: Vec<(&'static str, LinkBuilder)>,
}

/// What any server function may answer besides its own: undecodable arguments, no valid token,
/// a role that may not, a body over the limit, an organisation over its share of concurrent
/// requests, our fault, a database that is unreachable.
const COMMON_ERRORS: [u16; 7] = [400, 401, 403, 413, 429, 500, 503];

fn error_description(status: u16) -> &'static str {
    match status {
        400 => {
            "`bad_request`: the arguments could not be decoded (a required field missing, a \
             value of the wrong type or format, a NUL byte or invalid UTF-8)."
        }
        401 => "`unauthenticated`: no valid access token, or it stopped being valid.",
        403 => {
            "`forbidden`: the caller's role may not do this (or the caller belongs to no \
             organisation); `organisation_suspended`: the organisation is suspended."
        }
        404 => {
            "`not_found`: no such market, competitor, product or alert in the caller's \
             organisation (another organisation's ids are not told apart from unknown ones)."
        }
        413 => "The request body is over the size limit (no body).",
        422 => "`validation`: the arguments decoded but broke the rules; `fields` lists each.",
        429 => {
            "`busy`: the organisation already has its fair share of requests in progress; \
             `Retry-After` says when to retry."
        }
        500 => "`internal`: a bug; the log line with the `request_id` has the details.",
        503 => {
            "`unavailable`: the database is unreachable or saturated, or the request ran out \
             of time; `Retry-After` says when to retry."
        }
        _ => "An error.",
    }
}

impl Function {
    fn into_path_item(self) -> PathItem {
        let mut operation = OperationBuilder::new()
            .operation_id(Some(self.name))
            .summary(Some(self.summary))
            .description(Some(format!("{} {}", self.who.describe(), self.notes).trim().to_owned()))
            .security(SecurityRequirement::new(BEARER, Vec::<String>::new()));
        if !self.arguments.is_empty() {
            let mut form = ObjectBuilder::new().schema_type(Type::Object);
            let mut example = serde_json::Map::new();
            for argument in self.arguments {
                form = form.property(argument.name, argument.schema);
                if argument.required {
                    form = form.required(argument.name);
                }
                example.insert(argument.name.to_owned(), argument.example);
            }
            let body = RequestBodyBuilder::new().required(Some(Required::True)).content(
                FORM,
                ContentBuilder::new()
                    .schema(Some(form))
                    .example(Some(Value::Object(example)))
                    .build(),
            );
            operation = operation.request_body(Some(body.build()));
        }
        let mut ok = ResponseBuilder::new()
            .description("OK")
            .content("application/json", ContentBuilder::new().schema(Some(self.answer)).build());
        for (name, link) in self.links {
            ok = ok.link(name, link.build());
        }
        operation = operation.response("200", ok);
        let mut statuses: Vec<u16> = COMMON_ERRORS.iter().chain(self.errors).copied().collect();
        statuses.sort_unstable();
        for status in statuses {
            operation = operation.response(status.to_string(), error_response(status));
        }
        PathItem::new(HttpMethod::Post, operation)
    }
}

fn error_response(status: u16) -> ResponseBuilder {
    let response = ResponseBuilder::new().description(error_description(status));
    if status == 413 {
        return response;
    }
    response.content(
        "application/json",
        ContentBuilder::new().schema(Some(reference::<AppError>())).build(),
    )
}

// --- argument schemas -------------------------------------------------------------------------

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn uuid() -> ObjectBuilder {
    string().format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
}

/// A form checkbox or flag: the decoder takes exactly `true` or `false`.
fn flag() -> ObjectBuilder {
    string().enum_values(Some(["true", "false"]))
}

fn text(min: usize, max: usize) -> ObjectBuilder {
    string().min_length((min > 0).then_some(min)).max_length(Some(max))
}

fn integer(min: i32, max: i32) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(min)).maximum(Some(max))
}

fn days() -> ObjectBuilder {
    integer(1, PERIOD_MAX_DAYS)
        .default(Some(json!(PERIOD_DEFAULT_DAYS)))
        .description(Some("The period in days, ending now."))
}

fn currency() -> ObjectBuilder {
    string()
        .pattern(Some("^[A-Za-z]{3}$"))
        .description(Some("An ISO 4217 code such as EUR or USD (any case)."))
        .examples(["EUR", "USD", "GBP"])
}

fn market_name(min: usize) -> ObjectBuilder {
    text(min, 120).description(Some("Surrounding spaces are dropped."))
}

fn uuid_value() -> Value {
    json!("0190f5c4-0000-7000-8000-000000000000")
}

// --- the functions ----------------------------------------------------------------------------

fn functions() -> Vec<Function> {
    use Who::*;
    let unit = || RefOr::T(Schema::Object(ObjectBuilder::new().schema_type(Type::Null).build()));
    let new_id = || RefOr::T(Schema::Object(uuid().description(Some("The new id.")).build()));
    let market_id = || required("market_id", uuid(), uuid_value());
    // From a list of markets, the first one's id into the functions that take one.
    let first_market = |operation: &str, field: &str| {
        LinkBuilder::new()
            .operation_id(operation)
            .request_body(Some(json!({ field: "$response.body#/0/id" })))
    };
    let overview_to = |operation: &str, body: Value| {
        LinkBuilder::new().operation_id(operation).request_body(Some(body))
    };
    vec![
        // --- reading ---
        Function {
            name: "markets",
            summary: "The organisation's active markets with their competitor and observation counts",
            notes: "",
            who: EveryRole,
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
        },
        Function {
            name: "market_overview",
            summary: "A market with its products and active competitors",
            notes: "",
            who: EveryRole,
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
        },
        Function {
            name: "market_observations",
            summary: "A market's observations, newest first, 50 per page",
            notes: "Pass the answer's `next` as `after` for the following page.",
            who: EveryRole,
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
        },
        Function {
            name: "market_analysis",
            summary: "Statistics of a market's prices over a period, per competitor, with outliers",
            notes: "Computed in the market's currency; `market` is null when the period holds no \
                    observation.",
            who: EveryRole,
            arguments: vec![
                market_id(),
                optional("product_id", uuid(), uuid_value()),
                optional("days", days(), json!(30)),
            ],
            answer: reference::<Analysis>(),
            errors: &[404, 422],
            links: vec![],
        },
        Function {
            name: "market_trend",
            summary: "Weekly average prices of one product per competitor",
            notes: "Without `product_id`, the market's first product; 404 when it has none.",
            who: EveryRole,
            arguments: vec![
                market_id(),
                optional("product_id", uuid(), uuid_value()),
                optional("days", days(), json!(90)),
            ],
            answer: reference::<Trend>(),
            errors: &[404, 422],
            links: vec![],
        },
        Function {
            name: "alerts",
            summary: "The newest alerts (200 at most)",
            notes: "Open alerts only unless `include_resolved` is true.",
            who: EveryRole,
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
        },
        Function {
            name: "unread_alerts",
            summary: "How many open alerts nobody has read",
            notes: "",
            who: EveryRole,
            arguments: vec![],
            answer: RefOr::T(Schema::Object(
                ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)).build(),
            )),
            errors: &[],
            links: vec![],
        },
        Function {
            name: "alert_threshold",
            summary: "The organisation's alert threshold, in percent, as decimal text",
            notes: "",
            who: EveryRole,
            arguments: vec![],
            answer: RefOr::T(Schema::Object(
                string().pattern(Some(r"^[0-9]+(\.[0-9]+)?$")).examples(["5.00"]).build(),
            )),
            errors: &[],
            links: vec![],
        },
        Function {
            name: "competitor_profile",
            summary: "A competitor with their latest price of each product",
            notes: "",
            who: EveryRole,
            arguments: vec![market_id(), required("id", uuid(), uuid_value())],
            answer: reference::<CompetitorProfile>(),
            errors: &[404],
            links: vec![],
        },
        // --- writing ---
        Function {
            name: "record_observation",
            summary: "Records a competitor's price of a product",
            notes: "The competitor and product must belong to the market (else 404). A move of at \
                    least the alert threshold from the competitor's previous price, or a \
                    promotion that starts, raises an alert.",
            who: Analysts,
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
        },
        Function {
            name: "save_competitor",
            summary: "Adds a competitor to a market, or edits one (with `id`)",
            notes: "",
            who: Analysts,
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
        },
        Function {
            name: "archive_competitor",
            summary: "Archives a competitor (their observations are kept)",
            notes: "",
            who: Analysts,
            arguments: vec![required("id", uuid(), uuid_value())],
            answer: unit(),
            errors: &[404],
            links: vec![],
        },
        Function {
            name: "import_observations",
            summary: "Checks (`commit=false`) or imports (`commit=true`) a CSV file of observations",
            notes: "Columns (a header line is required, any order): competitor, product, price, \
                    observed_at, and optionally currency, source, promotion (yes/no), \
                    promotion_details. At most 5,000 rows and 256 KiB. Problems come back in the \
                    answer by line; nothing is stored unless every line is valid.",
            who: Analysts,
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
        },
        Function {
            name: "mark_alert",
            summary: "Marks an alert read (`resolve=false`) or resolved (`resolve=true`)",
            notes: "",
            who: ReadOrResolve,
            arguments: vec![
                required("id", uuid(), uuid_value()),
                required("resolve", flag(), json!("false")),
            ],
            answer: unit(),
            errors: &[404],
            links: vec![],
        },
        Function {
            name: "create_market",
            summary: "Creates a market",
            notes: "With `adopt_template=true`, also the products the organisation's industry \
                    suggests. Names are unique per organisation (422 `taken`).",
            who: Admins,
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
        },
        Function {
            name: "update_market",
            summary: "Renames a market or changes its region or currency",
            notes: "",
            who: Admins,
            arguments: vec![
                required("id", uuid(), uuid_value()),
                required("name", market_name(2), json!("Harbour cinemas")),
                required("region", text(0, 120), json!("Harbourside")),
                required("currency", currency(), json!("EUR")),
            ],
            answer: unit(),
            errors: &[404, 422],
            links: vec![],
        },
        Function {
            name: "archive_market",
            summary: "Archives a market (its observations are kept)",
            notes: "",
            who: Admins,
            arguments: vec![required("id", uuid(), uuid_value())],
            answer: unit(),
            errors: &[404],
            links: vec![],
        },
        Function {
            name: "add_product",
            summary: "Adds a product or service to a market",
            notes: "Names are unique per market (422 `taken`).",
            who: Admins,
            arguments: vec![market_id(), required("name", market_name(1), json!("Day pass"))],
            answer: new_id(),
            errors: &[404, 422],
            links: vec![],
        },
        Function {
            name: "set_alert_threshold",
            summary: "Sets the organisation's alert threshold",
            notes: "",
            who: Admins,
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
        },
    ]
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
