//! The frame around every page: header, navigation, main area and footer.

use leptos::prelude::*;

use leptos_router::hooks::use_location;

use crate::account::api::signed_in_user;
use crate::components::signed_in::SignedInUser;
use crate::error::AppError;
use crate::model::account::{CurrentUser, Role};
use crate::model::admin::SupportBanner;
use crate::platform::api::LeaveSupport;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let user: SignedInUser = Resource::new(|| (), |_| signed_in_user());
    // Pages read the same answer (components::signed_in) instead of asking again.
    provide_context(user);
    let on_suspended_page = use_location().pathname.get_untracked() == "/suspended";
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <div class="frame">
            <header class="topbar">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"◆"</span>
                    "MarketEdge"
                </a>
                <Identity user/>
            </header>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(Some(CurrentUser { support: Some(banner), .. })) => {
                            Some(view! { <SupportBannerView banner/> }.into_any())
                        }
                        // Members of a suspended organisation see why on every page (pages that
                        // need their data send them to /suspended; see `load_error`).
                        Err(AppError::OrganisationSuspended) if !on_suspended_page => {
                            Some(view! {
                                <div class="support-banner" role="alert" data-testid="suspended-banner">
                                    <span>"Your organisation's access to MarketEdge is suspended."</span>
                                    <a href="/suspended">"What this means"</a>
                                </div>
                            }.into_any())
                        }
                        _ => None,
                    }
                })}
            </Suspense>
            <nav class="sidenav" aria-label="Main">
                <ul>
                    <li>
                        <a href="/">"Overview"</a>
                    </li>
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            let (role, unread) = match user.await {
                                Ok(Some(user)) => (
                                    Some((user.role, user.support.is_some())),
                                    user.unread_alerts.unwrap_or(0),
                                ),
                                _ => (None, 0),
                            };
                            view! { <RoleLinks role unread/> }
                        })}
                    </Suspense>
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

/// The links of the areas the role administers: the platform console for super-admins, the
/// organisation's people and audit log for its admins (and a super-admin in support access).
#[component]
fn RoleLinks(role: Option<(Role, bool)>, unread: i64) -> impl IntoView {
    let platform = matches!(role, Some((Role::SuperAdmin, _)));
    let organisation = matches!(role, Some((Role::Admin, _)) | Some((_, true)));
    // Members, and a super-admin inside an organisation, work with its markets.
    let member =
        matches!(role, Some((Role::Admin | Role::Analyst | Role::Viewer, _)) | Some((_, true)));
    view! {
        <Show when=move || member>
            <li><a href="/markets">"Markets"</a></li>
            <li>
                <a href="/alerts">
                    "Alerts "
                    {(unread > 0).then(|| view! {
                        <span class="badge" data-testid="unread-alerts" aria-label=format!("{unread} unread")>{unread}</span>
                    })}
                </a>
            </li>
        </Show>
        <Show when=move || organisation>
            <li><a href="/settings/users">"People"</a></li>
            <li><a href="/settings/audit">"Audit log"</a></li>
        </Show>
        <Show when=move || platform>
            <li><a href="/admin">"Organisations"</a></li>
            <li><a href="/admin/audit">"Platform audit"</a></li>
        </Show>
    }
}

/// Shown on every page while a super-admin works inside an organisation.
#[component]
fn SupportBannerView(banner: SupportBanner) -> impl IntoView {
    let leave = ServerAction::<LeaveSupport>::new();
    Effect::new(move |_| {
        if matches!(leave.value().get(), Some(Ok(()))) {
            let _ = window().location().set_href("/admin");
        }
    });
    view! {
        <div class="support-banner" role="status" data-testid="support-banner">
            <span>
                "Support access to " <strong>{banner.organisation_name.clone()}</strong>
                " until " {banner.expires_at.clone()} " — reason: " {banner.reason.clone()}
                ". Everything you do here is recorded in its audit log."
            </span>
            <button type="button" class="button small secondary" on:click=move |_| {
                leave.dispatch(LeaveSupport {});
            }>"Leave"</button>
        </div>
    }
}

/// `/suspended`: where every page sends members of a suspended organisation.
#[component]
pub fn SuspendedPage() -> impl IntoView {
    view! {
        <leptos_meta::Title text="Organisation suspended"/>
        <section class="card narrow" aria-labelledby="suspended-heading" data-testid="suspended">
            <h1 id="suspended-heading">"Your organisation is suspended"</h1>
            <p>
                "MarketEdge has suspended your organisation's access, so its markets, prices and \
                 settings are unavailable for now. Nothing has been deleted."
            </p>
            <p>"Your organisation's administrator can contact MarketEdge support to restore access."</p>
            <form method="post" action="/logout">
                <button type="submit" class="button secondary">"Sign out"</button>
            </form>
        </section>
    }
}

/// Who is signed in (name, organisation, role) and the sign-out control; or a sign-in link.
#[component]
fn Identity(user: SignedInUser) -> impl IntoView {
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
