//! `/accept-invitation?token=…`: join an organisation from an invitation link. The form posts
//! to `POST /accept-invitation` (works without JavaScript); success signs the browser in.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::account::pages::reset_password::message;
use crate::team::api::read_invitation;

#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let error = move || query.read().get("error");
    let field = move |name: &'static str| move || query.read().get(name).map(|code| message(&code));
    let preview = Resource::new(token, |token| async move {
        if token.is_empty() {
            None
        } else {
            read_invitation(token).await.ok()
        }
    });
    view! {
        <Title text="Join your team"/>
        <section class="card narrow" aria-labelledby="join-heading">
            <h1 id="join-heading">"Join your team on MarketEdge"</h1>
            <Suspense fallback=|| view! { <p>"Checking your invitation…"</p> }>
                {move || Suspend::new(async move {
                    let invalid = view! {
                        <p class="error" role="alert" data-testid="invitation-invalid">
                            "This invitation link is not valid any more: it was used, it expired, it was \
                             re-sent or revoked. Ask your organisation's admin for a new one."
                        </p>
                    };
                    if error().as_deref() == Some("has_account") {
                        return view! {
                            <p class="error" role="alert">
                                "This email already has a MarketEdge account, and an account belongs to one \
                                 organisation. " <a href="/login">"Sign in"</a> " or ask your admin to invite another address."
                            </p>
                        }.into_any();
                    }
                    match preview.await {
                        Some(invitation) => view! {
                            <p data-testid="invitation-summary">
                                "You are invited to " <strong>{invitation.organisation_name.clone()}</strong>
                                " as " {invitation.role.label()} ", with the email " <strong>{invitation.email.clone()}</strong> "."
                            </p>
                            <form method="post" action="/accept-invitation" class="form">
                                <input type="hidden" name="token" value=token/>
                                <div class="field">
                                    <label for="display_name">"Your name"</label>
                                    <input id="display_name" name="display_name" value=invitation.display_name.clone() autocomplete="name" aria-describedby="display_name-error"/>
                                    <p class="field-error" id="display_name-error" role="alert">{field("display_name")}</p>
                                </div>
                                <div class="field">
                                    <label for="new_password">"Choose a password"</label>
                                    <input id="new_password" name="new_password" type="password" autocomplete="new-password" aria-describedby="new_password-error" required/>
                                    <p class="field-error" id="new_password-error" role="alert">{field("new_password")}</p>
                                </div>
                                <div class="field">
                                    <label for="confirm_password">"Password again"</label>
                                    <input id="confirm_password" name="confirm_password" type="password" autocomplete="new-password" aria-describedby="confirm_password-error" required/>
                                    <p class="field-error" id="confirm_password-error" role="alert">{field("confirm_password")}</p>
                                </div>
                                <button type="submit" class="button">"Join and sign in"</button>
                            </form>
                        }.into_any(),
                        None => invalid.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
