//! `/forgot-password`: ask for a reset link. The answer is the same for every email.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let sent = move || query.read().get("sent").is_some();
    let error = move || {
        query.read().get("error").map(|code| match code.as_str() {
            "missing" => "Enter your email address.",
            _ => "Invalid request parameters. Please try again.",
        })
    };
    view! {
        <Title text="Reset your password"/>
        <section class="card narrow" aria-labelledby="forgot-heading">
            <h1 id="forgot-heading">"Reset your password"</h1>
            <Show
                when=sent
                fallback=move || {
                    view! {
                        <p>"Enter your email and we will send you a link to choose a new password."</p>
                        {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                        <form method="post" action="/forgot-password" class="form">
                            <div class="field">
                                <label for="email">"Email"</label>
                                <input id="email" name="email" type="email" autocomplete="username" required/>
                            </div>
                            <button type="submit" class="button">"Send reset link"</button>
                        </form>
                    }
                }
            >
                <p class="notice" role="status">
                    "If that email belongs to an account, a reset link is on its way. It works once, within an hour."
                </p>
                <p><a href="/login">"Back to sign in"</a></p>
            </Show>
        </section>
    }
}
