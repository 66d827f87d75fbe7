//! The HTML shell, the `<App/>` root and the route table.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{ParamSegment, SsrMode, StaticSegment};

use crate::account::pages::account::AccountPage;
use crate::account::pages::forgot_password::ForgotPasswordPage;
use crate::account::pages::login::LoginPage;
use crate::account::pages::reset_password::ResetPasswordPage;
use crate::audit::pages::{OrganisationAuditPage, PlatformAuditPage};
use crate::host::home::HomePage;
use crate::host::layout::{Layout, SuspendedPage};
use crate::host::not_found::NotFound;
use crate::markets::pages::alerts::AlertsPage;
use crate::markets::pages::competitor::CompetitorPage;
use crate::markets::pages::market::MarketPage;
use crate::markets::pages::markets::MarketsPage;
use crate::platform::pages::organisation::AdminOrganisationPage;
use crate::platform::pages::organisations::AdminPage;
use crate::team::pages::accept_invitation::AcceptInvitationPage;
use crate::team::pages::members::TeamPage;

/// The document around the app, rendered only on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    mark_hydrated();

    view! {
        <Stylesheet id="leptos" href="/pkg/marketedge.css"/>
        <Title formatter=|page: String| format!("{page} · MarketEdge")/>
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    // Async: the server waits for the page's data and sends complete HTML, so pages
                    // (and the signed-in header) read right without JavaScript, and a redirect to
                    // /login is a real 302 rather than a script.
                    <Route path=StaticSegment("") view=HomePage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("login") view=LoginPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("account") view=AccountPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("forgot-password") view=ForgotPasswordPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("reset-password") view=ResetPasswordPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("markets") view=MarketsPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("markets"), ParamSegment("id")) view=MarketPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("markets"), ParamSegment("id"), StaticSegment("competitors"), ParamSegment("cid")) view=CompetitorPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("alerts") view=AlertsPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("suspended") view=SuspendedPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("accept-invitation") view=AcceptInvitationPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("admin") view=AdminPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("audit")) view=PlatformAuditPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("admin"), StaticSegment("organisations"), ParamSegment("id")) view=AdminOrganisationPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("settings"), StaticSegment("users")) view=TeamPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("settings"), StaticSegment("audit")) view=OrganisationAuditPage ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
    }
}

/// Sets `data-hydrated` on `<body>` once the browser bundle has taken over. Effects never run on
/// the server, so the attribute's presence proves hydration; end-to-end tests wait for it.
fn mark_hydrated() {
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}
