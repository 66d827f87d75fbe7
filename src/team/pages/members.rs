//! `/settings/users`: an organisation's people for its admins: the member list (search, pages,
//! role, deactivate/reactivate), invitations (invite, re-send, revoke) and the CSV import.

use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

use crate::components::choice::{load_error, ChoiceSelect};
use crate::components::field::{field_errors, field_message, other_error, FieldMessage};
use crate::components::pager::Pager;
use crate::error::AppError;
use crate::model::admin::{
    ImportReport, Invitation, InvitationState, Member, MemberPage, IMPORT_MAX_BYTES,
    IMPORT_MAX_ROWS,
};
use crate::model::organisation::{Choice, MembershipRole, UserStatus};
use crate::team::api::{
    organisation_invitations, organisation_members, ChangeMemberRole, CheckMemberImport,
    ImportMembers, InviteMember, ResendInvitation, RevokeInvitation, SetMemberActive,
};

#[component]
pub fn TeamPage() -> impl IntoView {
    let role_change = ServerAction::<ChangeMemberRole>::new();
    let activity = ServerAction::<SetMemberActive>::new();
    let invite = ServerAction::<InviteMember>::new();
    let resend = ServerAction::<ResendInvitation>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let import = ServerAction::<ImportMembers>::new();
    let search = RwSignal::new(String::new());
    let after = RwSignal::new(None::<Uuid>);
    let cursors = RwSignal::new(Vec::<Option<Uuid>>::new());
    let members = Resource::new(
        move || {
            (
                search.get(),
                after.get(),
                role_change.version().get(),
                activity.version().get(),
                import.version().get(),
            )
        },
        |(search, after, _, _, _)| organisation_members(Some(search), after),
    );
    let invitations = Resource::new(
        move || {
            (
                invite.version().get(),
                resend.version().get(),
                revoke.version().get(),
                import.version().get(),
            )
        },
        |_| organisation_invitations(),
    );
    let change_error = move || {
        // The first field's message, or any other failure's.
        let failed = |result: Option<Result<(), AppError>>| {
            let first = field_errors(result.clone()).into_iter().next();
            first.map(|field| field.message).or_else(|| other_error(result))
        };
        failed(role_change.value().get()).or_else(|| failed(activity.value().get()))
    };
    view! {
        <Title text="People"/>
        <section class="card" aria-labelledby="people-heading">
            <h1 id="people-heading">"People"</h1>
            <div class="filters">
                <div class="field">
                    <label for="member-search">"Search by name or email"</label>
                    <input id="member-search" type="search" on:input=move |ev| {
                        cursors.set(Vec::new());
                        after.set(None);
                        search.set(event_target_value(&ev));
                    }/>
                </div>
            </div>
            {move || change_error().map(|message| view! { <p class="error" role="alert" data-testid="member-error">{message}</p> })}
            <Transition fallback=|| view! { <p>"Loading people…"</p> }>
                {move || Suspend::new(async move {
                    match members.await {
                        Ok(page) => view! { <MemberTable page role_change activity after cursors/> }.into_any(),
                        Err(error) => load_error(error, "/settings/users"),
                    }
                })}
            </Transition>
        </section>
        <InviteForm invite/>
        <section class="card" aria-labelledby="invitations-heading">
            <h2 id="invitations-heading">"Open invitations"</h2>
            <Transition fallback=|| view! { <p>"Loading invitations…"</p> }>
                {move || Suspend::new(async move {
                    match invitations.await {
                        Ok(list) => view! { <InvitationTable list resend revoke/> }.into_any(),
                        Err(error) => load_error(error, "/settings/users"),
                    }
                })}
            </Transition>
        </section>
        <ImportForm import/>
    }
}

#[component]
fn MemberTable(
    page: MemberPage,
    role_change: ServerAction<ChangeMemberRole>,
    activity: ServerAction<SetMemberActive>,
    after: RwSignal<Option<Uuid>>,
    cursors: RwSignal<Vec<Option<Uuid>>>,
) -> impl IntoView {
    let next = page.next.as_deref().and_then(|next| next.parse::<Uuid>().ok());
    view! {
        <div class="table-wrap">
            <table class="table" data-testid="members">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Last sign-in (UTC)"</th>
                        <th scope="col"><span class="visually-hidden">"Action"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {page.rows.into_iter().map(|member| view! { <MemberRow member role_change activity/> }).collect_view()}
                </tbody>
            </table>
        </div>
        <Pager after history=cursors next/>
    }
}

#[component]
fn MemberRow(
    member: Member,
    role_change: ServerAction<ChangeMemberRole>,
    activity: ServerAction<SetMemberActive>,
) -> impl IntoView {
    let user_id = member.user_id;
    let active = member.status == UserStatus::Active;
    let select_id = format!("role-{user_id}");
    view! {
        <tr data-email=member.email.clone()>
            <td>{member.display_name.clone()}</td>
            <td>{member.email.clone()}</td>
            <td>
                <label class="visually-hidden" for=select_id.clone()>{format!("Role of {}", member.display_name)}</label>
                <select id=select_id data-testid="member-role" on:change=move |ev| {
                    if let Some(role) = MembershipRole::from_value(&event_target_value(&ev)) {
                        role_change.dispatch(ChangeMemberRole { user_id, role });
                    }
                }>
                    {MembershipRole::ALL.iter().map(|role| view! {
                        <option value=role.value() selected=*role == member.role>{role.label()}</option>
                    }).collect_view()}
                </select>
            </td>
            <td data-testid="member-status">{if active { "active" } else { "deactivated" }}</td>
            <td>{member.last_login_at.clone().unwrap_or_else(|| "never".into())}</td>
            <td>
                <button type="button" class="button small secondary" data-testid="member-toggle" on:click=move |_| {
                    activity.dispatch(SetMemberActive { user_id, active: !active });
                }>{if active { "Deactivate" } else { "Reactivate" }}</button>
            </td>
        </tr>
    }
}

#[component]
fn InviteForm(invite: ServerAction<InviteMember>) -> impl IntoView {
    let role = RwSignal::new(Some(MembershipRole::Analyst));
    let email = NodeRef::<leptos::html::Input>::new();
    let name = NodeRef::<leptos::html::Input>::new();
    let result = invite.value();
    let errors = move || field_errors(result.get());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = |input: NodeRef<leptos::html::Input>| {
            input.get_untracked().map(|input| input.value()).unwrap_or_default()
        };
        invite.dispatch(InviteMember {
            email: value(email),
            display_name: value(name),
            role: role.get_untracked().unwrap_or(MembershipRole::Viewer),
        });
    };
    view! {
        <section class="card" aria-labelledby="invite-heading">
            <h2 id="invite-heading">"Invite someone"</h2>
            <p class="hint">"They get an email with a link that works once, for 7 days."</p>
            <form class="form" on:submit=submit novalidate>
                <div class="field">
                    <label for="email">"Email"</label>
                    <input id="email" type="email" node_ref=email aria-describedby="email-error"/>
                    <FieldMessage field="email" message=Signal::derive(move || field_message(&errors(), "email"))/>
                </div>
                <div class="field">
                    <label for="display_name">"Name"</label>
                    <input id="display_name" node_ref=name aria-describedby="display_name-error"/>
                    <FieldMessage field="display_name" message=Signal::derive(move || field_message(&errors(), "display_name"))/>
                </div>
                <ChoiceSelect id="invite-role" label="Role" value=role/>
                <button type="submit" class="button">"Send invitation"</button>
            </form>
            {move || match result.get() {
                Some(Ok(_)) => Some(view! { <p class="notice" role="status">"Invitation sent."</p> }.into_any()),
                other => other_error(other).map(|message| view! { <p class="error" role="alert">{message}</p> }.into_any()),
            }}
        </section>
    }
}

#[component]
fn InvitationTable(
    list: Vec<Invitation>,
    resend: ServerAction<ResendInvitation>,
    revoke: ServerAction<RevokeInvitation>,
) -> impl IntoView {
    if list.is_empty() {
        return view! { <p>"No open invitations."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="table" data-testid="invitations">
                <thead>
                    <tr>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"Expires (UTC)"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {list.into_iter().map(|invitation| {
                        let id = invitation.id;
                        let email = invitation.email.clone();
                        view! {
                            <tr data-email=email>
                                <td>{invitation.email}</td>
                                <td>{invitation.display_name}</td>
                                <td>{invitation.role.label()}</td>
                                <td>{match invitation.state { InvitationState::Pending => "pending", InvitationState::Expired => "expired" }}</td>
                                <td>{invitation.expires_at}</td>
                                <td class="actions">
                                    <button type="button" class="button small secondary" on:click=move |_| { resend.dispatch(ResendInvitation { id }); }>"Re-send"</button>
                                    <button type="button" class="button small secondary" on:click=move |_| { revoke.dispatch(RevokeInvitation { id }); }>"Revoke"</button>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// Where an import is: the two steps are a check (nothing changes) and the import itself.
#[derive(Clone, PartialEq)]
enum ImportStage {
    Idle,
    // Only the browser reads files.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    Reading,
    Checking(usize),
    Importing(usize),
}

#[component]
fn ImportForm(import: ServerAction<ImportMembers>) -> impl IntoView {
    let check = ServerAction::<CheckMemberImport>::new();
    let text = RwSignal::new(String::new());
    let stage = RwSignal::new(ImportStage::Idle);
    // What the last check or import answered.
    let outcome = RwSignal::new(None::<Result<ImportReport, AppError>>);
    // Check first; only a clean check goes on to the import.
    Effect::new(move |_| {
        let Some(result) = check.value().get() else { return };
        if !matches!(stage.get_untracked(), ImportStage::Checking(_)) {
            return;
        }
        match result {
            Ok(report) if report.problems.is_empty() => {
                stage.set(ImportStage::Importing(report.rows));
                import.dispatch(ImportMembers { csv: text.get_untracked() });
            }
            other => {
                stage.set(ImportStage::Idle);
                outcome.set(Some(other));
            }
        }
    });
    Effect::new(move |_| {
        if let Some(result) = import.value().get() {
            stage.set(ImportStage::Idle);
            outcome.set(Some(result));
        }
    });
    let on_file = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            let input = event_target::<web_sys::HtmlInputElement>(&ev);
            if let Some(file) = input.files().and_then(|files| files.get(0)) {
                stage.set(ImportStage::Reading);
                leptos::task::spawn_local(async move {
                    let read = wasm_bindgen_futures::JsFuture::from(file.text()).await;
                    text.set(read.ok().and_then(|value| value.as_string()).unwrap_or_default());
                    stage.set(ImportStage::Idle);
                });
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let csv = text.get_untracked();
        let rows = csv.lines().count().saturating_sub(1);
        outcome.set(None);
        stage.set(ImportStage::Checking(rows));
        check.dispatch(CheckMemberImport { csv });
    };
    view! {
        <section class="card" aria-labelledby="import-heading">
            <h2 id="import-heading">"Import people from CSV"</h2>
            <p class="hint">
                {format!(
                    "Columns email, name, role (admin, analyst or viewer), with a header line. At most {IMPORT_MAX_ROWS} people and {} KiB. \
                     The whole file is checked first: nobody is invited unless every line is valid.",
                    IMPORT_MAX_BYTES / 1024
                )}
            </p>
            <form class="form" on:submit=start novalidate>
                <div class="field">
                    <label for="import-file">"CSV file"</label>
                    <input id="import-file" type="file" accept=".csv,text/csv" on:change=on_file/>
                </div>
                <div class="field">
                    <label for="import-text">"…or paste its lines"</label>
                    <textarea id="import-text" rows="6" prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                </div>
                <button type="submit" class="button" disabled=move || stage.get() != ImportStage::Idle>"Check and import"</button>
            </form>
            <p class="notice" role="status" data-testid="import-progress">
                {move || match stage.get() {
                    ImportStage::Idle => String::new(),
                    ImportStage::Reading => "Reading the file…".into(),
                    ImportStage::Checking(rows) => format!("Step 1 of 2: checking {rows} lines…"),
                    ImportStage::Importing(rows) => format!("Step 2 of 2: inviting {rows} people…"),
                }}
            </p>
            {move || outcome.get().map(|result| match result {
                Ok(report) if report.imported => view! {
                    <p class="notice" role="status" data-testid="import-done">{format!("Invited {} people.", report.rows)}</p>
                }.into_any(),
                Ok(report) => view! {
                    <div class="error" role="alert" data-testid="import-problems">
                        <p>{format!("Nothing was imported: {} problem(s) in {} lines.", report.problems.len(), report.rows)}</p>
                        <ul>
                            {report.problems.into_iter().map(|problem| view! {
                                <li>{format!("Line {}: {}", problem.line, problem.message)}</li>
                            }).collect_view()}
                        </ul>
                    </div>
                }.into_any(),
                Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
            })}
        </section>
    }
}
