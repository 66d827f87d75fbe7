//! `/account`: who you are, where you are signed in (end any other session), and your password.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::account::api::{
    my_sessions, signed_in_user, ChangePassword, EndOtherSessions, EndSession,
};
use crate::components::choice::load_error;
use crate::components::field::{field_errors, field_message, FieldMessage};
use crate::error::FieldError;
use crate::model::account::SessionSummary;
use crate::model::validation::{check_new_password, check_present, field_error};

#[component]
pub fn AccountPage() -> impl IntoView {
    let user = Resource::new(|| (), |_| signed_in_user());
    view! {
        <Title text="Your account"/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(user)) => {
                        view! {
                            <section class="card" aria-labelledby="account-heading">
                                <h1 id="account-heading">"Your account"</h1>
                                <dl class="facts">
                                    <div><dt>"Name"</dt><dd data-testid="account-name">{user.display_name.clone()}</dd></div>
                                    <div><dt>"Email"</dt><dd>{user.email.clone()}</dd></div>
                                    <div><dt>"Role"</dt><dd data-testid="account-role">{user.role.label()}</dd></div>
                                    <div>
                                        <dt>"Organisation"</dt>
                                        <dd>{user.organisation_name.clone().unwrap_or_else(|| "Platform".into())}</dd>
                                    </div>
                                </dl>
                            </section>
                            <Sessions/>
                            <PasswordChange/>
                        }
                            .into_any()
                    }
                    Ok(None) => view! { <Redirect path="/login?next=/account"/> }.into_any(),
                    Err(error) => load_error(error, "/account"),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Sessions() -> impl IntoView {
    let end_one = ServerAction::<EndSession>::new();
    let end_others = ServerAction::<EndOtherSessions>::new();
    let sessions = Resource::new(
        move || (end_one.version().get(), end_others.version().get()),
        |_| my_sessions(),
    );
    view! {
        <section class="card" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">"Where you are signed in"</h2>
            <Transition fallback=|| view! { <p>"Loading sessions…"</p> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Ok(list) => view! { <SessionTable list end_one/> }.into_any(),
                        Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <button
                type="button"
                class="button secondary"
                on:click=move |_| {
                    end_others.dispatch(EndOtherSessions {});
                }
            >
                "Sign out everywhere else"
            </button>
        </section>
    }
}

#[component]
fn SessionTable(list: Vec<SessionSummary>, end_one: ServerAction<EndSession>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table" data-testid="sessions">
                <thead>
                    <tr>
                        <th scope="col">"Browser"</th>
                        <th scope="col">"Address"</th>
                        <th scope="col">"Signed in"</th>
                        <th scope="col">"Last seen"</th>
                        <th scope="col"><span class="visually-hidden">"Action"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|session| {
                            let id = session.id;
                            view! {
                                <tr data-current=session.current.to_string()>
                                    <td>{short_agent(&session.user_agent)}</td>
                                    <td>{session.client_address.clone()}</td>
                                    <td>{session.signed_in_at.clone()}</td>
                                    <td>{session.last_seen_at.clone()}</td>
                                    <td>
                                        {if session.current {
                                            view! { <span class="tag">"This browser"</span> }.into_any()
                                        } else {
                                            view! {
                                                <button
                                                    type="button"
                                                    class="button small"
                                                    on:click=move |_| {
                                                        end_one.dispatch(EndSession { id });
                                                    }
                                                >
                                                    "End session"
                                                </button>
                                            }
                                                .into_any()
                                        }}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

fn short_agent(agent: &str) -> String {
    if agent.is_empty() {
        return "Unknown browser".into();
    }
    agent.chars().take(60).collect()
}

#[component]
fn PasswordChange() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let result = change.value();
    // The shared rules run in the browser first; the server runs them again.
    let browser_errors = RwSignal::new(Vec::<FieldError>::new());
    let current = NodeRef::<leptos::html::Input>::new();
    let new = NodeRef::<leptos::html::Input>::new();
    let confirm = NodeRef::<leptos::html::Input>::new();
    let errors = move || {
        let local = browser_errors.get();
        if !local.is_empty() {
            return local;
        }
        field_errors(result.get())
    };
    let other_error = move || crate::components::field::other_error(result.get());
    let done = move || browser_errors.get().is_empty() && matches!(result.get(), Some(Ok(())));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = |input: NodeRef<leptos::html::Input>| {
            input.get_untracked().map(|input| input.value()).unwrap_or_default()
        };
        let (current_password, new_password, confirm_password) =
            (value(current), value(new), value(confirm));
        let mut problems: Vec<FieldError> = Vec::new();
        problems.extend(check_present(
            "current_password",
            &current_password,
            "your current password",
        ));
        problems.extend(check_new_password("new_password", &new_password));
        if new_password != confirm_password {
            problems.push(field_error(
                "confirm_password",
                "mismatch",
                "The two new passwords differ.",
            ));
        }
        let valid = problems.is_empty();
        browser_errors.set(problems);
        if valid {
            change.dispatch(ChangePassword { current_password, new_password, confirm_password });
        }
    };
    view! {
        <section class="card" aria-labelledby="password-heading">
            <h2 id="password-heading">"Change your password"</h2>
            <p class="hint">"At least 12 characters. Changing it signs you out everywhere else."</p>
            <form class="form" on:submit=submit novalidate>
                <div class="field">
                    <label for="current_password">"Current password"</label>
                    <input id="current_password" name="current_password" type="password" autocomplete="current-password" aria-describedby="current_password-error" node_ref=current/>
                    <FieldMessage field="current_password" message=Signal::derive(move || field_message(&errors(), "current_password"))/>
                </div>
                <div class="field">
                    <label for="new_password">"New password"</label>
                    <input id="new_password" name="new_password" type="password" autocomplete="new-password" aria-describedby="new_password-error" node_ref=new/>
                    <FieldMessage field="new_password" message=Signal::derive(move || field_message(&errors(), "new_password"))/>
                </div>
                <div class="field">
                    <label for="confirm_password">"New password again"</label>
                    <input id="confirm_password" name="confirm_password" type="password" autocomplete="new-password" aria-describedby="confirm_password-error" node_ref=confirm/>
                    <FieldMessage field="confirm_password" message=Signal::derive(move || field_message(&errors(), "confirm_password"))/>
                </div>
                <button type="submit" class="button">"Change password"</button>
            </form>
            <Show when=done>
                <p class="notice" role="status">"Password changed. Your other sessions have ended."</p>
            </Show>
            {move || other_error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
        </section>
    }
}
