//! `/reset-password?token=…`: choose a new password from a reset link.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::model::validation::{PASSWORD_MAX_BYTES, PASSWORD_MIN_CHARS};

/// The message for a password field's error code (see docs/errors.md); the invitation form
/// shares it.
pub fn message(code: &str) -> String {
    match code {
        "required" => "Enter a password.".into(),
        "too_short" => format!("Use at least {PASSWORD_MIN_CHARS} characters."),
        "too_long" => format!("Use at most {PASSWORD_MAX_BYTES} bytes (about that many letters)."),
        "too_common" => {
            "This password is too common or too easy to guess. Try a few unrelated words.".into()
        }
        "mismatch" => "The two new passwords differ.".into(),
        _ => "This value was not accepted.".into(),
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let invalid = move || query.read().get("error").as_deref() == Some("invalid_link");
    let field = move |name: &'static str| move || query.read().get(name).map(|code| message(&code));
    view! {
        <Title text="Choose a new password"/>
        <section class="card narrow" aria-labelledby="reset-heading">
            <h1 id="reset-heading">"Choose a new password"</h1>
            <Show
                when=move || !invalid()
                fallback=|| {
                    view! {
                        <p class="error" role="alert">
                            "This reset link is not valid any more: it was used, it expired, or the password changed since."
                        </p>
                        <p><a href="/forgot-password">"Ask for a new link"</a></p>
                    }
                }
            >
                <form method="post" action="/reset-password" class="form">
                    <input type="hidden" name="token" value=token/>
                    <div class="field">
                        <label for="new_password">"New password"</label>
                        <input id="new_password" name="new_password" type="password" autocomplete="new-password" aria-describedby="new_password-error" required/>
                        <p class="field-error" id="new_password-error" role="alert">{field("new_password")}</p>
                    </div>
                    <div class="field">
                        <label for="confirm_password">"New password again"</label>
                        <input id="confirm_password" name="confirm_password" type="password" autocomplete="new-password" aria-describedby="confirm_password-error" required/>
                        <p class="field-error" id="confirm_password-error" role="alert">{field("confirm_password")}</p>
                    </div>
                    <button type="submit" class="button">"Set new password"</button>
                </form>
            </Show>
        </section>
    }
}
