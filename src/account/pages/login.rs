//! `/login`: a plain form posted to `POST /login`, so it works before (and without) hydration.
//! The server answers with a redirect; failures come back as `?error=<code>`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The message for each `error` code the sign-in route redirects with. None of them says whether
/// the email or the password was wrong.
pub fn sign_in_error_message(code: &str) -> &'static str {
    match code {
        "credentials" => "The email or password is incorrect.",
        "locked" => "Too many failed attempts. Wait a few minutes, then try again.",
        "suspended" => "Your organisation's account is suspended. Contact MarketEdge support.",
        "missing" => "Enter your email and password.",
        _ => "Invalid request parameters. Please try again.",
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let error = move || query.read().get("error").map(|code| sign_in_error_message(&code));
    let signed_out = move || query.read().get("signed_out").is_some();
    let was_reset = move || query.read().get("reset").is_some();
    let next = move || query.read().get("next").unwrap_or_else(|| "/".to_owned());

    view! {
        <Title text="Sign in"/>
        <section class="card narrow" aria-labelledby="login-heading">
            <h1 id="login-heading">"Sign in to MarketEdge"</h1>
            <Show when=signed_out>
                <p class="notice" role="status">"You have signed out."</p>
            </Show>
            <Show when=was_reset>
                <p class="notice" role="status">"Your password is set. Sign in with it."</p>
            </Show>
            {move || {
                error().map(|message| view! { <p class="error" role="alert" id="login-error">{message}</p> })
            }}
            <form method="post" action="/login" class="form">
                <input type="hidden" name="next" value=next/>
                <div class="field">
                    <label for="email">"Email"</label>
                    <input id="email" name="email" type="email" autocomplete="username" required/>
                </div>
                <div class="field">
                    <label for="password">"Password"</label>
                    <input
                        id="password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                    />
                </div>
                <button type="submit" class="button">"Sign in"</button>
            </form>
            <p><a href="/forgot-password">"Forgot your password?"</a></p>
        </section>
    }
}
