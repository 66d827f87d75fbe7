//! The OpenAPI document (`GET /api/openapi.json`, src/host/openapi.rs) against the code and
//! docs/api.md: it must be OpenAPI 3, name only registered server functions (plus the token
//! endpoint), name every function docs/api.md and src/markets/api/ list, and describe each
//! function's arguments exactly as the function's own decoder reads them.
#![cfg(feature = "ssr")]

use std::collections::BTreeSet;

use crate::common::*;
use axum::http::StatusCode;
use marketedge::error::AppError;
use marketedge::host::openapi::{document, FORM};
use marketedge::runtime::api_doc::entries;
use serde_json::{Map, Value};
use sqlx::PgPool;

const TOKEN_PATH: &str = "/api/v1/token";

fn fx_document() -> Value {
    serde_json::to_value(document()).expect("the document serialises")
}

fn operations(document: &Value) -> impl Iterator<Item = (&String, &Value)> {
    document["paths"].as_object().expect("paths").iter().map(|(path, item)| (path, &item["post"]))
}

fn server_function_paths(document: &Value) -> BTreeSet<String> {
    operations(document).map(|(path, _)| path.clone()).filter(|path| path != TOKEN_PATH).collect()
}

/// Every `$ref` in `value`.
fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(target)) => found.push(target.clone()),
                    _ => references(value, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, found)),
        _ => {}
    }
}

#[test]
fn the_document_is_openapi_3_and_every_reference_resolves() {
    let document = fx_document();

    // The fixed fields OpenAPI 3.1 requires. (utoipa cannot read its own output back: a Link
    // without `parameters` fails its Deserialize, so the structure is checked here instead;
    // scripts/fault/schemathesis.sh loads the served document with a full OpenAPI parser.)
    let version = document["openapi"].as_str().expect("an openapi version");
    assert!(version.starts_with("3.1."), "OpenAPI 3.1, not {version}");
    assert!(document["info"]["title"].is_string() && document["info"]["version"].is_string());
    assert!(document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer");

    let mut found = Vec::new();
    references(&document, &mut found);
    assert!(!found.is_empty());
    for target in found {
        let pointer = target.strip_prefix('#').unwrap_or_else(|| panic!("{target} is external"));
        assert!(document.pointer(pointer).is_some(), "{target} does not resolve");
    }

    let mut ids = BTreeSet::new();
    for (path, operation) in operations(&document) {
        let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{path}: no id"));
        assert!(ids.insert(id.to_owned()), "{path}: operationId {id} is used twice");
        let responses = operation["responses"].as_object().expect("responses");
        assert!(responses.contains_key("200"), "{path} documents its answer");
        if path == TOKEN_PATH {
            assert_eq!(
                operation["security"],
                serde_json::json!([]),
                "the token endpoint is public"
            );
            continue;
        }
        assert_eq!(path, &format!("/api/{id}"), "operationId is the function's name");
        assert_eq!(operation["security"], serde_json::json!([{ "bearer": [] }]), "{path}");
        for status in ["400", "401", "403", "429", "500", "503"] {
            assert!(responses.contains_key(status), "{path} documents {status}");
        }
        let form = &operation["requestBody"]["content"][FORM]["schema"];
        for name in form["required"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap();
            assert!(form["properties"][name].is_object(), "{path}: required {name} is described");
        }
        for (status, response) in responses {
            assert!(response["description"].is_string(), "{path} {status}: a description");
            for (name, link) in response["links"].as_object().into_iter().flatten() {
                let target = format!("/api/{}", link["operationId"].as_str().unwrap());
                let target_form =
                    &document["paths"][&target]["post"]["requestBody"]["content"][FORM]["schema"];
                for field in link["requestBody"].as_object().expect("a link sets fields").keys() {
                    assert!(
                        target_form["properties"][field].is_object(),
                        "{path} link {name}: {target} has no argument {field}"
                    );
                }
            }
            let json = &response["content"]["application/json"]["schema"]["$ref"];
            if status.starts_with('4') && status != "413" || status.starts_with('5') {
                assert_eq!(json, "#/components/schemas/AppError", "{path} {status}");
            }
        }
    }
}

#[test]
fn every_documented_path_is_a_registered_server_function() {
    let document = fx_document();
    let registered: BTreeSet<(String, String)> = server_fn::axum::server_fn_paths()
        .map(|(path, method)| (path.to_owned(), method.to_string()))
        .collect();

    for path in server_function_paths(&document) {
        assert!(
            registered.contains(&(path.clone(), "POST".to_owned())),
            "{path} is documented but is not a registered POST server function"
        );
    }
    let routes =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/host/http.rs")).unwrap();
    assert!(routes.contains(&format!(".route(\"{TOKEN_PATH}\", post(")), "the token route");
}

/// The function names in the first column of a table under `## {section}` of docs/api.md.
fn api_doc_functions(section: &str) -> BTreeSet<String> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/api.md")).unwrap();
    let start = doc.find(&format!("\n## {section}\n")).unwrap_or_else(|| panic!("## {section}"));
    let body = &doc[start + 1..];
    let body = &body[..body[3..].find("\n## ").map_or(body.len(), |end| end + 3)];
    body.lines()
        .filter(|line| line.starts_with("| `"))
        .flat_map(|line| {
            let first_cell = line.split('|').nth(1).unwrap_or_default();
            first_cell.split('`').skip(1).step_by(2).map(str::to_owned).collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn every_function_of_docs_api_md_and_of_the_markets_module_is_documented() {
    let documented: BTreeSet<String> = server_function_paths(&fx_document())
        .into_iter()
        .map(|path| path.trim_start_matches("/api/").to_owned())
        .collect();

    let reading = api_doc_functions("Reading");
    let writing = api_doc_functions("Writing");
    assert!(reading.len() >= 9 && writing.len() >= 10, "docs/api.md: {reading:?} {writing:?}");
    let in_docs: BTreeSet<String> = reading.union(&writing).cloned().collect();
    assert_eq!(
        in_docs, documented,
        "docs/api.md and the OpenAPI document list different functions"
    );

    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/src/markets/api");
    let mut in_module = BTreeSet::new();
    for file in std::fs::read_dir(folder).unwrap() {
        let source = std::fs::read_to_string(file.unwrap().path()).unwrap();
        in_module.extend(
            source
                .split("endpoint = \"")
                .skip(1)
                .map(|rest| rest.split('"').next().unwrap().to_owned()),
        );
    }
    assert_eq!(in_module, documented, "src/markets/api/ and the OpenAPI document disagree");
}

/// Decodes a form body exactly as the server function at `path` does (the decoder its entry
/// registered beside it), and gives back the arguments it read (as JSON, every field present).
/// `None` for a path without an entry.
async fn decode_as(path: &str, form: &str) -> Option<Result<Value, AppError>> {
    let entry = entries().into_iter().find(|entry| entry.path == path)?;
    Some((entry.decode)(form.to_owned()).await)
}

/// A form body from a documented example, without the fields in `skip`.
fn form_without(example: &Map<String, Value>, skip: Option<&str>) -> String {
    let fields: Vec<(String, String)> = example
        .iter()
        .filter(|(name, _)| Some(name.as_str()) != skip)
        .map(|(name, value)| match value {
            Value::String(text) => (name.clone(), text.clone()),
            other => (name.clone(), other.to_string()),
        })
        .collect();
    serde_urlencoded::to_string(fields).unwrap()
}

#[tokio::test]
async fn every_documented_argument_is_what_the_server_function_decodes() {
    let document = fx_document();
    for path in server_function_paths(&document) {
        let body = &document["paths"][&path]["post"]["requestBody"]["content"][FORM];
        let properties: BTreeSet<String> = body["schema"]["properties"]
            .as_object()
            .map(|properties| properties.keys().cloned().collect())
            .unwrap_or_default();
        let required: BTreeSet<String> = body["schema"]["required"]
            .as_array()
            .map(|names| names.iter().map(|name| name.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default();
        let example = body["example"].as_object().cloned().unwrap_or_default();
        let example_fields: BTreeSet<String> = example.keys().cloned().collect();
        assert_eq!(example_fields, properties, "{path}: the example sets every argument");

        // The full example decodes, and the function reads exactly the documented arguments.
        let decoded = decode_as(&path, &form_without(&example, None))
            .await
            .unwrap_or_else(|| panic!("{path}: documented but has no registered entry"))
            .unwrap_or_else(|error| panic!("{path}: its example does not decode: {error:?}"));
        let read: BTreeSet<String> = decoded.as_object().unwrap().keys().cloned().collect();
        assert_eq!(read, properties, "{path}: documented and decoded arguments differ");

        // A field the function does not take is ignored by its decoder, and the schema does not
        // forbid one either (no `additionalProperties: false`): document and server agree.
        if !properties.is_empty() {
            let extra = format!("{}&unknown_argument=1", form_without(&example, None));
            let with_extra = decode_as(&path, &extra)
                .await
                .unwrap()
                .unwrap_or_else(|error| panic!("{path}: an unknown field refused: {error:?}"));
            assert_eq!(with_extra, decoded, "{path}: an unknown field changed what was read");
            assert_ne!(
                body["schema"]["additionalProperties"], false,
                "{path}: additionalProperties"
            );
        }

        // Leaving out an argument fails exactly when it is documented as required.
        for name in &properties {
            let without = decode_as(&path, &form_without(&example, Some(name))).await.unwrap();
            match (required.contains(name), without) {
                (true, Ok(_)) => panic!("{path}: {name} is documented as required but optional"),
                (false, Err(error)) => {
                    panic!("{path}: {name} is documented as optional but required ({error:?})")
                }
                (true, Err(error)) => assert_eq!(error, AppError::BadRequest, "{path} {name}"),
                (false, Ok(_)) => {}
            }
        }
    }
}

#[sqlx::test]
async fn the_document_is_served_to_anyone(pool: PgPool) {
    let app = fx_app(pool);

    let answer = get(&app, "/api/openapi.json").await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.headers["content-type"], "application/json");
    assert_eq!(answer.json(), fx_document());
}
