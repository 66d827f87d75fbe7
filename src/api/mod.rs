//! Server functions: the API the browser (and API clients with a bearer token) call. One module
//! per feature; each function resolves its access context first, then does its work, then
//! returns a DTO from `model`. Public functions say why in a `// public:` comment.

pub mod account;
pub mod status;

/// Sets the HTTP status of a failed server function from its [`AppError`](crate::error::AppError)
/// (server functions otherwise answer every error with 500).
#[cfg(feature = "ssr")]
pub(crate) fn respond<T>(
    result: Result<T, crate::error::AppError>,
) -> Result<T, crate::error::AppError> {
    if let Err(error) = &result {
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = axum::http::StatusCode::from_u16(error.status()) {
                response.set_status(status);
            }
        }
    }
    result
}
