//! The vocabulary of the OpenAPI document, and the registry its entries live in.
//!
//! Each server function of the API registers its entry right below itself
//! (`inventory::submit! { Documented::of::<Args>(|| Function { .. }) }`); `host::openapi`
//! assembles the document from the registry. Arguments are what the server functions decode:
//! form fields (`application/x-www-form-urlencoded`) with the rules the server enforces, so a
//! client or a fuzzer can tell a valid call from an invalid one. An entry keeps the function's own
//! decoder, so `tests/markets/openapi.rs` checks every documented argument against it.
//!
//! This module only describes: it reads no state and changes nothing.

use axum::body::Body;
use axum::http::Request;
use futures_util::future::BoxFuture;
use serde_json::{json, Value};
use server_fn::codec::{FromReq, PostUrl};
use server_fn::ServerFn;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::OperationBuilder;
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::{
    ArrayBuilder, ContentBuilder, HttpMethod, KnownFormat, ObjectBuilder, PathItem, Ref, RefOr,
    Required, ResponseBuilder, Schema, SchemaFormat, SecurityRequirement, Type,
};
use utoipa::ToSchema;

use crate::error::AppError;

/// The media type of every server function's arguments.
pub const FORM: &str = "application/x-www-form-urlencoded";
/// The security scheme's name in the document.
pub const BEARER: &str = "bearer";

/// A server function's entry, registered beside the function.
pub struct Documented {
    /// The function's path, `/api/<endpoint>`, from the function itself.
    pub path: &'static str,
    pub describe: fn() -> Function,
    /// Decodes a form body exactly as the function does, giving back the arguments it read.
    pub decode: fn(String) -> BoxFuture<'static, Result<Value, AppError>>,
}

impl Documented {
    pub const fn of<Args>(describe: fn() -> Function) -> Self
    where
        Args: ServerFn + serde::de::DeserializeOwned + serde::Serialize + Send + 'static,
    {
        Documented { path: Args::PATH, describe, decode: decode::<Args> }
    }
}

inventory::collect!(Documented);

/// Every registered entry, by path.
pub fn entries() -> Vec<&'static Documented> {
    let mut entries: Vec<&'static Documented> = inventory::iter::<Documented>.into_iter().collect();
    entries.sort_by_key(|entry| entry.path);
    entries
}

fn decode<Args>(form: String) -> BoxFuture<'static, Result<Value, AppError>>
where
    Args: serde::de::DeserializeOwned + serde::Serialize + Send + 'static,
{
    Box::pin(async move {
        let request = Request::post("/api/any")
            .header("content-type", FORM)
            .body(Body::from(form))
            .map_err(|_| AppError::BadRequest)?;
        let args = <Args as FromReq<PostUrl, Request<Body>, AppError>>::from_req(request).await?;
        serde_json::to_value(args).map_err(AppError::internal)
    })
}

/// `null`: a function that answers nothing.
pub fn unit() -> RefOr<Schema> {
    RefOr::T(Schema::Object(ObjectBuilder::new().schema_type(Type::Null).build()))
}

/// The id of what a function created.
pub fn new_id() -> RefOr<Schema> {
    RefOr::T(Schema::Object(uuid().description(Some("The new id.")).build()))
}

/// A type's schema and every schema it refers to.
pub fn collect<T: ToSchema>(schemas: &mut Vec<(String, RefOr<Schema>)>) {
    schemas.push((T::name().into_owned(), T::schema()));
    T::schemas(schemas);
}

pub fn reference<T: ToSchema>() -> RefOr<Schema> {
    Ref::from_schema_name(T::name()).into()
}

/// An array of `T`, by reference (`Vec<T>`'s own schema would repeat `T`'s inline).
pub fn array_of<T: ToSchema>() -> RefOr<Schema> {
    ArrayBuilder::new().items(reference::<T>()).into()
}

/// Who may call a function.
#[derive(Clone, Copy)]
pub enum Who {
    EveryRole,
    Analysts,
    Admins,
    /// `mark_alert`: reading is for everyone, resolving for analysts and admins.
    ReadOrResolve,
}

impl Who {
    pub fn describe(self) -> &'static str {
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
pub struct Argument {
    pub name: &'static str,
    pub schema: RefOr<Schema>,
    /// Absent fields are refused with 400 unless they are optional.
    pub required: bool,
    pub example: Value,
}

pub fn required(name: &'static str, schema: impl Into<RefOr<Schema>>, example: Value) -> Argument {
    Argument { name, schema: schema.into(), required: true, example }
}

pub fn optional(name: &'static str, schema: impl Into<RefOr<Schema>>, example: Value) -> Argument {
    Argument { name, schema: schema.into(), required: false, example }
}

/// What the document says about one server function (its path comes from the registration).
pub struct Function {
    pub summary: &'static str,
    pub notes: &'static str,
    pub who: Who,
    pub arguments: Vec<Argument>,
    pub answer: RefOr<Schema>,
    /// 404 when it takes an id, 422 when it checks values; every function may also answer the
    /// statuses of [`COMMON_ERRORS`].
    pub errors: &'static [u16],
    pub links: Vec<(&'static str, LinkBuilder)>,
}

/// What any server function may answer besides its own: undecodable arguments, no valid token,
/// a role that may not, a body over the limit, an organisation over its share of concurrent
/// requests, our fault, a database that is unreachable.
pub const COMMON_ERRORS: [u16; 7] = [400, 401, 403, 413, 429, 500, 503];

pub fn error_description(status: u16) -> &'static str {
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
    pub fn into_path_item(self, operation_id: &str) -> PathItem {
        let mut operation = OperationBuilder::new()
            .operation_id(Some(operation_id))
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

pub fn error_response(status: u16) -> ResponseBuilder {
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

pub fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

pub fn uuid() -> ObjectBuilder {
    string().format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
}

/// A form checkbox or flag: the decoder takes exactly `true` or `false`.
pub fn flag() -> ObjectBuilder {
    string().enum_values(Some(["true", "false"]))
}

pub fn text(min: usize, max: usize) -> ObjectBuilder {
    string().min_length((min > 0).then_some(min)).max_length(Some(max))
}

pub fn integer(min: i32, max: i32) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(min)).maximum(Some(max))
}

pub fn uuid_value() -> Value {
    json!("0190f5c4-0000-7000-8000-000000000000")
}
