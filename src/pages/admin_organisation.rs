//! `/admin/organisations/:id`: one organisation for the super-admin: its facts, edit, suspend
//! or reactivate with a reason, and entering its workspace through support access.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use crate::api::platform::{
    admin_organisation, EnterSupport, SetOrganisationStatus, UpdateOrganisation,
};
use crate::components::choice::{load_error, ChoiceSelect};
use crate::components::field::{field_message, FieldMessage};
use crate::error::{AppError, FieldError};
use crate::model::admin::{OrganisationDetail, SUPPORT_DEFAULT_MINUTES};
use crate::model::organisation::{Choice, OrganisationStatus};

fn fields_of<T>(result: Option<Result<T, AppError>>) -> Vec<FieldError> {
    match result {
        Some(Err(AppError::Validation { fields })) => fields,
        _ => Vec::new(),
    }
}

fn other_error<T>(result: Option<Result<T, AppError>>) -> Option<String> {
    match result {
        Some(Err(AppError::Validation { .. })) | Some(Ok(_)) | None => None,
        Some(Err(error)) => Some(error.to_string()),
    }
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
    view! {
        <Title text="Organisation"/>
        <p><a href="/admin">"← All organisations"</a></p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(organisation) => view! {
                        <Facts organisation=organisation.clone()/>
                        <EditForm organisation=organisation.clone() update/>
                        <StatusForm organisation=organisation.clone() status/>
                        <SupportForm organisation/>
                    }.into_any(),
                    Err(error) => load_error(error, "/admin"),
                }
            })}
        </Transition>
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
                    <FieldMessage field="name" message=Signal::derive(move || field_message(&fields_of(result.get()), "name"))/>
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
                    <FieldMessage field="reason" message=Signal::derive(move || field_message(&fields_of(result.get()), "reason"))/>
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
                    <FieldMessage field="reason" message=Signal::derive(move || field_message(&fields_of(result.get()), "reason"))/>
                </div>
                <div class="field">
                    <label for="minutes">"Minutes"</label>
                    <input id="minutes" type="number" min="1" max="240" value=SUPPORT_DEFAULT_MINUTES.to_string() node_ref=minutes aria-describedby="minutes-error"/>
                    <FieldMessage field="minutes" message=Signal::derive(move || field_message(&fields_of(result.get()), "minutes"))/>
                </div>
                <button type="submit" class="button">"Enter workspace"</button>
            </form>
            {move || other_error(result.get()).map(|message| view! { <p class="error" role="alert">{message}</p> })}
        </section>
    }
}
