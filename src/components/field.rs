//! A field's validation message, placed beside the field and announced to screen readers.

use leptos::prelude::*;

use crate::error::{AppError, FieldError};

/// The message for `field` among `errors`, if any.
pub fn field_message(errors: &[FieldError], field: &str) -> Option<String> {
    errors.iter().find(|error| error.field == field).map(|error| error.message.clone())
}

/// The field problems of a server function's answer: empty unless it was refused for its values.
pub fn field_errors<T>(result: Option<Result<T, AppError>>) -> Vec<FieldError> {
    match result {
        Some(Err(AppError::Validation { fields })) => fields,
        _ => Vec::new(),
    }
}

/// Any other failure of a server function's answer, for the form's general message; problems
/// with single fields are shown beside those fields instead.
pub fn other_error<T>(result: Option<Result<T, AppError>>) -> Option<String> {
    match result {
        Some(Err(AppError::Validation { .. })) | Some(Ok(_)) | None => None,
        Some(Err(error)) => Some(error.to_string()),
    }
}

#[component]
pub fn FieldMessage(field: &'static str, message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <p class="field-error" id=format!("{field}-error") role="alert" aria-live="polite">
            {move || message.get().unwrap_or_default()}
        </p>
    }
}
