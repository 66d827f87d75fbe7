//! `/admin/organisations/:id`: one organisation for the super-admin: its facts, edit, suspend
//! or reactivate with a reason, entering its workspace through support access, and deleting a
//! suspended organisation (ask with a reason, export first, confirm by typing its name).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use crate::components::choice::{load_error, ChoiceSelect};
use crate::components::field::{field_errors, field_message, other_error, FieldMessage};
use crate::error::AppError;
use crate::model::admin::{
    DeletionCounts, DeletionSummary, OrganisationDetail, DELETION_CONFIRM_MINUTES,
    REASON_MAX_CHARS, SUPPORT_DEFAULT_MINUTES,
};
use crate::model::organisation::{Choice, OrganisationStatus};
use crate::platform::api::{
    admin_organisation, ConfirmOrganisationDeletion, EnterSupport, LeaveSupport,
    RequestOrganisationDeletion, SetOrganisationStatus, UpdateOrganisation,
};

/// Every problem of a result that is not shown beside the field `beside`: errors that are not
/// about a field, and refusals about the organisation's state or the request.
fn general_problems<T: Clone>(result: Option<Result<T, AppError>>, beside: &str) -> Vec<String> {
    let beside_other_fields = field_errors(result.clone())
        .into_iter()
        .filter(|field| field.field != beside)
        .map(|field| field.message);
    beside_other_fields.chain(other_error(result)).collect()
}

#[component]
pub fn AdminOrganisationPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<Uuid>().ok());
    let update = ServerAction::<UpdateOrganisation>::new();
    let status = ServerAction::<SetOrganisationStatus>::new();
    let detail = Resource::new(
        move || (id(), update.version().get(), status.version().get()),
        |(id, _, _)| async move {
            match id {
                Some(id) => admin_organisation(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    // Set once the organisation is deleted: the page then shows only what was deleted.
    let deleted = RwSignal::new(None::<String>);
    view! {
        <Title text="Organisation"/>
        <p><a href="/admin">"← All organisations"</a></p>
        {move || deleted.get().map(|message| view! {
            <section class="card" aria-labelledby="deleted-heading">
                <h1 id="deleted-heading">"Organisation deleted"</h1>
                <p class="notice" role="status" data-testid="organisation-deleted">{message}</p>
                <p><a class="button" href="/admin">"Back to all organisations"</a></p>
            </section>
        })}
        <Show when=move || deleted.get().is_none()>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        // Each part erased to `AnyView`: nested as one static type, the page's
                        // view is too deep for rustc's query limit in the release bundle.
                        Ok(organisation) => view! {
                            {view! { <Facts organisation=organisation.clone()/> }.into_any()}
                            {view! { <EditForm organisation=organisation.clone() update/> }.into_any()}
                            {view! { <StatusForm organisation=organisation.clone() status/> }.into_any()}
                            {view! { <SupportForm organisation=organisation.clone()/> }.into_any()}
                            {(organisation.status == OrganisationStatus::Suspended).then(|| view! {
                                <DeletionForm organisation=organisation.clone() deleted/>
                            }.into_any())}
                        }.into_any(),
                        Err(error) => load_error(error, "/admin"),
                    }
                })}
            </Transition>
        </Show>
    }
}

#[component]
fn Facts(organisation: OrganisationDetail) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="org-heading">
            <h1 id="org-heading" data-testid="organisation-name">{organisation.name.clone()}</h1>
            <dl class="facts">
                <div><dt>"Status"</dt><dd data-testid="organisation-status">{organisation.status.label()}</dd></div>
                {(!organisation.status_reason.is_empty()).then(|| view! {
                    <div><dt>"Reason"</dt><dd>{organisation.status_reason.clone()}</dd></div>
                })}
                <div><dt>"Industry"</dt><dd>{organisation.industry.label()}</dd></div>
                <div><dt>"Plan"</dt><dd>{organisation.plan.label()}</dd></div>
                <div><dt>"Members"</dt><dd>{organisation.members}</dd></div>
                <div><dt>"Open invitations"</dt><dd>{organisation.open_invitations}</dd></div>
                <div><dt>"Created"</dt><dd>{organisation.created_at.clone()}</dd></div>
            </dl>
        </section>
    }
}

#[component]
fn EditForm(
    organisation: OrganisationDetail,
    update: ServerAction<UpdateOrganisation>,
) -> impl IntoView {
    let industry = RwSignal::new(Some(organisation.industry));
    let plan = RwSignal::new(Some(organisation.plan));
    let name = NodeRef::<leptos::html::Input>::new();
    let result = update.value();
    let id = organisation.id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(industry), Some(plan)) = (industry.get_untracked(), plan.get_untracked()) else {
            return;
        };
        let name = name.get_untracked().map(|input| input.value()).unwrap_or_default();
        update.dispatch(UpdateOrganisation { id, name, industry, plan });
    };
    view! {
        <section class="card" aria-labelledby="edit-heading">
            <h2 id="edit-heading">"Edit"</h2>
            <form class="form" on:submit=submit novalidate>
                <div class="field">
                    <label for="name">"Name"</label>
                    <input id="name" value=organisation.name.clone() node_ref=name aria-describedby="name-error"/>
                    <FieldMessage field="name" message=Signal::derive(move || field_message(&field_errors(result.get()), "name"))/>
                </div>
                <ChoiceSelect id="industry" label="Industry" value=industry/>
                <ChoiceSelect id="plan" label="Plan" value=plan/>
                <button type="submit" class="button">"Save"</button>
            </form>
            {move || other_error(result.get()).map(|message| view! { <p class="error" role="alert">{message}</p> })}
        </section>
    }
}

#[component]
fn StatusForm(
    organisation: OrganisationDetail,
    status: ServerAction<SetOrganisationStatus>,
) -> impl IntoView {
    let reason = NodeRef::<leptos::html::Textarea>::new();
    let result = status.value();
    let id = organisation.id;
    let (target, verb) = match organisation.status {
        OrganisationStatus::Active => (OrganisationStatus::Suspended, "Suspend"),
        OrganisationStatus::Suspended => (OrganisationStatus::Active, "Reactivate"),
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let reason = reason.get_untracked().map(|input| input.value()).unwrap_or_default();
        status.dispatch(SetOrganisationStatus { id, status: target, reason });
    };
    view! {
        <section class="card" aria-labelledby="status-heading">
            <h2 id="status-heading">{format!("{verb} this organisation")}</h2>
            <p class="hint">
                {match target {
                    OrganisationStatus::Suspended => "Every member is refused from their next request on, until it is reactivated.",
                    OrganisationStatus::Active => "Members can use MarketEdge again at once.",
                }}
            </p>
            <form class="form" on:submit=submit novalidate>
                <div class="field">
                    <label for="status-reason">"Reason (recorded in the audit log)"</label>
                    <textarea id="status-reason" node_ref=reason aria-describedby="reason-error"></textarea>
                    <FieldMessage field="reason" message=Signal::derive(move || field_message(&field_errors(result.get()), "reason"))/>
                </div>
                <button type="submit" class="button" data-testid="change-status">{verb}</button>
            </form>
            {move || other_error(result.get()).map(|message| view! { <p class="error" role="alert">{message}</p> })}
        </section>
    }
}

#[component]
fn SupportForm(organisation: OrganisationDetail) -> impl IntoView {
    let enter = ServerAction::<EnterSupport>::new();
    let reason = NodeRef::<leptos::html::Textarea>::new();
    let minutes = NodeRef::<leptos::html::Input>::new();
    let result = enter.value();
    let organisation_id = organisation.id;
    Effect::new(move |_| {
        if matches!(result.get(), Some(Ok(_))) {
            let _ = window().location().set_href("/settings/users");
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let reason = reason.get_untracked().map(|input| input.value()).unwrap_or_default();
        let minutes = minutes
            .get_untracked()
            .and_then(|input| input.value().parse::<i64>().ok())
            .unwrap_or(0);
        enter.dispatch(EnterSupport { organisation_id, reason, minutes });
    };
    view! {
        <section class="card" aria-labelledby="support-heading">
            <h2 id="support-heading">"Support access"</h2>
            <p class="hint">
                "Enter this organisation's workspace to help it. You act with an admin's rights, \
                 for a limited time, and every request is recorded in its audit log."
            </p>
            <form class="form" on:submit=submit novalidate>
                <div class="field">
                    <label for="support-reason">"Reason"</label>
                    <textarea id="support-reason" node_ref=reason aria-describedby="reason-error"></textarea>
                    <FieldMessage field="reason" message=Signal::derive(move || field_message(&field_errors(result.get()), "reason"))/>
                </div>
                <div class="field">
                    <label for="minutes">"Minutes"</label>
                    <input id="minutes" type="number" min="1" max="240" value=SUPPORT_DEFAULT_MINUTES.to_string() node_ref=minutes aria-describedby="minutes-error"/>
                    <FieldMessage field="minutes" message=Signal::derive(move || field_message(&field_errors(result.get()), "minutes"))/>
                </div>
                <button type="submit" class="button">"Enter workspace"</button>
            </form>
            {move || other_error(result.get()).map(|message| view! { <p class="error" role="alert">{message}</p> })}
        </section>
    }
}

/// How long the support access opened for the export before a deletion lasts: as long as the
/// deletion request it precedes.
const EXPORT_MINUTES: i64 = DELETION_CONFIRM_MINUTES;

/// The support access reason of an export before deletion: the deletion's reason, marked.
fn export_reason(deletion_reason: &str) -> String {
    format!("Export before deletion: {deletion_reason}").chars().take(REASON_MAX_CHARS).collect()
}

fn count_facts(counts: &DeletionCounts) -> [(&'static str, i64); 8] {
    [
        ("Members (their accounts too)", counts.members),
        ("Markets", counts.markets),
        ("Competitors", counts.competitors),
        ("Products", counts.products),
        ("Price observations", counts.observations),
        ("Alerts", counts.alerts),
        ("Invitations", counts.invitations),
        ("Audit log entries", counts.audit_entries),
    ]
}

fn deleted_message(name: &str, counts: &DeletionCounts) -> String {
    format!(
        "{name} was deleted with {} members, {} markets, {} competitors, {} products, {} price \
         observations, {} alerts, {} invitations and {} audit log entries. The platform audit log \
         keeps the record of the deletion.",
        counts.members,
        counts.markets,
        counts.competitors,
        counts.products,
        counts.observations,
        counts.alerts,
        counts.invitations,
        counts.audit_entries,
    )
}

/// Deleting a suspended organisation, in two steps: ask with a reason (which shows what will be
/// deleted and offers the export), then confirm by typing the organisation's name within
/// [`DELETION_CONFIRM_MINUTES`] minutes.
#[component]
fn DeletionForm(
    organisation: OrganisationDetail,
    deleted: RwSignal<Option<String>>,
) -> impl IntoView {
    let request = ServerAction::<RequestOrganisationDeletion>::new();
    let enter = ServerAction::<EnterSupport>::new();
    let leave = ServerAction::<LeaveSupport>::new();
    let confirm = ServerAction::<ConfirmOrganisationDeletion>::new();
    let reason = NodeRef::<leptos::html::Textarea>::new();
    let confirm_name = NodeRef::<leptos::html::Input>::new();
    // Support access this form opened for the export: the deletion is refused inside support
    // access, so it is left before the deletion is confirmed.
    let exporting = RwSignal::new(false);
    let waiting_to_confirm = RwSignal::new(None::<String>);
    let id = organisation.id;
    let name = organisation.name;
    let summary = move || match request.value().get() {
        Some(Ok(summary)) => Some(summary),
        _ => None,
    };

    Effect::new(move |_| {
        if matches!(enter.value().get(), Some(Ok(_))) {
            exporting.set(true);
            let _ = window().location().set_href("/export");
        }
    });
    Effect::new(move |_| {
        if matches!(leave.value().get(), Some(Ok(()))) {
            exporting.set(false);
            if let Some(confirm_name) = waiting_to_confirm.get_untracked() {
                waiting_to_confirm.set(None);
                confirm.dispatch(ConfirmOrganisationDeletion { id, confirm_name });
            }
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(counts)) = confirm.value().get() {
            deleted.set(Some(deleted_message(&name, &counts)));
        }
    });

    let ask = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let reason = reason.get_untracked().map(|input| input.value()).unwrap_or_default();
        request.dispatch(RequestOrganisationDeletion { id, reason });
    };
    let export = move |_| {
        if let Some(Ok(summary)) = request.value().get_untracked() {
            let reason = export_reason(&summary.reason);
            enter.dispatch(EnterSupport { organisation_id: id, reason, minutes: EXPORT_MINUTES });
        }
    };
    let delete = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = confirm_name.get_untracked().map(|input| input.value()).unwrap_or_default();
        if exporting.get_untracked() {
            waiting_to_confirm.set(Some(typed));
            leave.dispatch(LeaveSupport {});
        } else {
            confirm.dispatch(ConfirmOrganisationDeletion { id, confirm_name: typed });
        }
    };
    let step_two = move |summary: DeletionSummary| {
        view! {
            <div data-testid="deletion-summary">
                <h3>{format!("What deleting {} removes", summary.name)}</h3>
                <dl class="facts stats">
                    {count_facts(&summary.counts).into_iter().map(|(label, count)| view! {
                        <div><dt>{label}</dt><dd>{count}</dd></div>
                    }).collect_view()}
                </dl>
                <p class="hint">
                    {format!(
                        "Confirm within {DELETION_CONFIRM_MINUTES} minutes, before {} (UTC); \
                         after that, ask again.",
                        summary.expires_at
                    )}
                </p>
                <h3>"Export its data first"</h3>
                <p class="hint">
                    {format!(
                        "Once deleted, nothing of it can be recovered. Exports go through audited \
                         support access: this opens support access to {} for {EXPORT_MINUTES} \
                         minutes (recorded in its audit log and the platform's) and downloads its \
                         data as a ZIP of CSV files. Confirming the deletion below leaves that \
                         support access first.",
                        summary.name
                    )}
                </p>
                <button type="button" class="button secondary" data-testid="export-before-deletion"
                    on:click=export>"Export data first"</button>
                {move || exporting.get().then(|| view! {
                    <p class="notice" role="status">
                        "The export is downloading. When it has finished, confirm the deletion below."
                    </p>
                })}
                {move || {
                    let problems = general_problems(enter.value().get(), "")
                        .into_iter()
                        .chain(general_problems(leave.value().get(), ""))
                        .collect::<Vec<_>>();
                    (!problems.is_empty()).then(|| view! {
                        <p class="error" role="alert">{problems.join(" ")}</p>
                    })
                }}
                <h3>"Confirm the deletion"</h3>
                <form class="form" on:submit=delete novalidate>
                    <div class="field">
                        <label for="confirm-name">
                            {format!("Type the organisation's name, {}, to delete it for good", summary.name)}
                        </label>
                        <input id="confirm-name" node_ref=confirm_name autocomplete="off"
                            aria-describedby="confirm-name-error"/>
                        <FieldMessage field="confirm-name" message=Signal::derive(move || {
                            field_message(&field_errors(confirm.value().get()), "confirm_name")
                        })/>
                    </div>
                    <button type="submit" class="button" data-testid="confirm-deletion">
                        "Delete organisation"
                    </button>
                </form>
                {move || {
                    let problems = general_problems(confirm.value().get(), "confirm_name");
                    (!problems.is_empty()).then(|| view! {
                        <p class="error" role="alert">{problems.join(" ")}</p>
                    })
                }}
            </div>
        }
    };
    view! {
        <section class="card" aria-labelledby="delete-heading" data-testid="delete-organisation">
            <h2 id="delete-heading">"Delete organisation"</h2>
            <p class="hint">
                "Deleting removes the organisation and every row of it: its members and their \
                 accounts, markets, competitors, products, price observations, alerts, \
                 invitations and its own audit log. It cannot be undone; only the platform audit \
                 log keeps a record of the deletion."
            </p>
            <form class="form" on:submit=ask novalidate>
                <div class="field">
                    <label for="deletion-reason">"Reason (recorded in the audit logs)"</label>
                    <textarea id="deletion-reason" node_ref=reason aria-describedby="deletion-reason-error"></textarea>
                    <FieldMessage field="deletion-reason" message=Signal::derive(move || {
                        field_message(&field_errors(request.value().get()), "reason")
                    })/>
                </div>
                <button type="submit" class="button secondary" data-testid="request-deletion">
                    "Ask to delete"
                </button>
            </form>
            {move || {
                let problems = general_problems(request.value().get(), "reason");
                (!problems.is_empty()).then(|| view! {
                    <p class="error" role="alert">{problems.join(" ")}</p>
                })
            }}
            {move || summary().map(step_two)}
        </section>
    }
}
