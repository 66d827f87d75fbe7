use leptos::prelude::*;
use leptos_meta::Title;

/// Shown for any path without a page. The server answers it with status 404.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <Title text="Page not found"/>
        <section class="card">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. " <a href="/">"Go to the overview"</a> "."</p>
        </section>
    }
}
