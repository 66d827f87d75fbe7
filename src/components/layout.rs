//! The frame around every page: header, navigation, main area and footer.

use leptos::prelude::*;

use crate::api::account::signed_in_user;
use crate::model::account::CurrentUser;

/// The areas MarketEdge is growing into. They are listed so people see where things will live;
/// each becomes a link when its page exists.
const COMING_AREAS: [&str; 5] = ["Markets", "Competitors", "Observations", "Alerts", "Settings"];

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <div class="frame">
            <header class="topbar">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"◆"</span>
                    "MarketEdge"
                </a>
                <Identity/>
            </header>
            <nav class="sidenav" aria-label="Main">
                <ul>
                    <li>
                        <a href="/">"Overview"</a>
                    </li>
                    {COMING_AREAS
                        .iter()
                        .map(|area| {
                            view! {
                                <li>
                                    <span class="nav-soon" aria-disabled="true">
                                        {*area}
                                        <span class="tag">"soon"</span>
                                    </span>
                                </li>
                            }
                        })
                        .collect_view()}
                    <li>
                        <a href="/account">"Account"</a>
                    </li>
                </ul>
            </nav>
            <main id="main" class="content" tabindex="-1">
                {children()}
            </main>
            <footer class="footer">
                <p>"MarketEdge " {env!("CARGO_PKG_VERSION")} " · your prices, your market, nobody else's data"</p>
            </footer>
        </div>
    }
}

/// Who is signed in (name, organisation, role) and the sign-out control; or a sign-in link.
#[component]
fn Identity() -> impl IntoView {
    let user = Resource::new(|| (), |_| signed_in_user());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(user)) => view! { <SignedIn user/> }.into_any(),
                    _ => view! { <a class="button small" href="/login">"Sign in"</a> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SignedIn(user: CurrentUser) -> impl IntoView {
    let organisation =
        user.organisation_name.clone().unwrap_or_else(|| "MarketEdge platform".into());
    view! {
        <div class="identity" data-testid="identity">
            <span class="identity-text">
                <strong data-testid="identity-name">{user.display_name.clone()}</strong>
                <span class="identity-meta">
                    <span data-testid="identity-organisation">{organisation}</span>
                    " · "
                    <span data-testid="identity-role">{user.role.label()}</span>
                </span>
            </span>
            <form method="post" action="/logout">
                <button type="submit" class="button small secondary">"Sign out"</button>
            </form>
        </div>
    }
}
