//! The frame around every page: header, navigation, main area and footer.

use leptos::prelude::*;

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
                <p class="topbar-note">"Competitive pricing intelligence"</p>
            </header>
            <nav class="sidenav" aria-label="Main">
                <ul>
                    <li>
                        <a href="/" aria-current="page">"Overview"</a>
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
