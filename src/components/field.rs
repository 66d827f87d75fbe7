//! A field's validation message, placed beside the field and announced to screen readers.

use leptos::prelude::*;

use crate::error::FieldError;

/// The message for `field` among `errors`, if any.
pub fn field_message(errors: &[FieldError], field: &str) -> Option<String> {
    errors.iter().find(|error| error.field == field).map(|error| error.message.clone())
}

#[component]
pub fn FieldMessage(field: &'static str, message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <p class="field-error" id=format!("{field}-error") role="alert" aria-live="polite">
            {move || message.get().unwrap_or_default()}
        </p>
    }
}
