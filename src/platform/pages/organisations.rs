//! `/admin`: the super-admin's organisation list (search, filters, order, pages) and the form
//! that creates an organisation with its first admin's invitation.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::choice::{load_error, ChoiceSelect};
use crate::components::field::{field_errors, field_message, other_error, FieldMessage};
use crate::components::pager::Pager;
use crate::model::admin::{OrganisationPage, OrganisationSort};
use crate::model::organisation::{Choice, Industry, OrganisationStatus, Plan};
use crate::platform::api::{admin_organisations, platform_warnings, CreateOrganisation};

#[component]
pub fn AdminPage() -> impl IntoView {
    let search = RwSignal::new(String::new());
    let industry = RwSignal::new(None::<Industry>);
    let plan = RwSignal::new(None::<Plan>);
    let status = RwSignal::new(None::<OrganisationStatus>);
    let newest = RwSignal::new(false);
    // The cursors of the pages before this one, so "Previous" can go back.
    let cursors = RwSignal::new(Vec::<Option<String>>::new());
    let after = RwSignal::new(None::<String>);
    let create = ServerAction::<CreateOrganisation>::new();
    let page = Resource::new(
        move || {
            (
                search.get(),
                industry.get(),
                plan.get(),
                status.get(),
                newest.get(),
                after.get(),
                create.version().get(),
            )
        },
        |(search, industry, plan, status, newest, after, _)| {
            let sort = Some(if newest { OrganisationSort::Newest } else { OrganisationSort::Name });
            admin_organisations(Some(search), industry, plan, status, sort, after)
        },
    );
    // A changed filter starts again from the first page.
    let restart = move || {
        cursors.set(Vec::new());
        after.set(None);
    };
    Effect::new(move |_| {
        search.track();
        industry.track();
        plan.track();
        status.track();
        newest.track();
        restart();
    });

    view! {
        <Title text="Organisations"/>
        <PlatformWarnings/>
        <section class="card" aria-labelledby="orgs-heading">
            <h1 id="orgs-heading">"Organisations"</h1>
            <div class="filters">
                <div class="field">
                    <label for="search">"Search by name"</label>
                    <input id="search" type="search" on:input=move |ev| search.set(event_target_value(&ev))/>
                </div>
                <ChoiceSelect id="filter-industry" label="Industry" value=industry any="Any industry"/>
                <ChoiceSelect id="filter-plan" label="Plan" value=plan any="Any plan"/>
                <ChoiceSelect id="filter-status" label="Status" value=status any="Any status"/>
                <div class="field">
                    <label for="sort">"Order"</label>
                    <select id="sort" on:change=move |ev| newest.set(event_target_value(&ev) == "newest")>
                        <option value="name">"Name"</option>
                        <option value="newest">"Newest first"</option>
                    </select>
                </div>
            </div>
            <Transition fallback=|| view! { <p>"Loading organisations…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! { <OrganisationTable page cursors after/> }.into_any(),
                        Err(error) => load_error(error, "/admin"),
                    }
                })}
            </Transition>
        </section>
        <CreateOrganisationForm create/>
    }
}

#[component]
fn OrganisationTable(
    page: OrganisationPage,
    cursors: RwSignal<Vec<Option<String>>>,
    after: RwSignal<Option<String>>,
) -> impl IntoView {
    let next = page.next.clone();
    view! {
        <div class="table-wrap">
            <table class="table" data-testid="organisations">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Industry"</th>
                        <th scope="col">"Plan"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Members"</th>
                        <th scope="col">"Activity (30 days)"</th>
                    </tr>
                </thead>
                <tbody>
                    {page
                        .rows
                        .into_iter()
                        .map(|row| {
                            view! {
                                <tr>
                                    <td><a href=format!("/admin/organisations/{}", row.id)>{row.name}</a></td>
                                    <td>{row.industry.label()}</td>
                                    <td>{row.plan.label()}</td>
                                    <td>{row.status.label()}</td>
                                    <td>{row.members}</td>
                                    <td>{row.recent_activity}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <Pager after history=cursors next/>
    }
}

#[component]
fn CreateOrganisationForm(create: ServerAction<CreateOrganisation>) -> impl IntoView {
    let industry = RwSignal::new(Some(Industry::Cinema));
    let plan = RwSignal::new(Some(Plan::Basic));
    let name = NodeRef::<leptos::html::Input>::new();
    let admin_name = NodeRef::<leptos::html::Input>::new();
    let admin_email = NodeRef::<leptos::html::Input>::new();
    let result = create.value();
    let errors = move || field_errors(result.get());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = |input: NodeRef<leptos::html::Input>| {
            input.get_untracked().map(|input| input.value()).unwrap_or_default()
        };
        create.dispatch(CreateOrganisation {
            name: value(name),
            industry: industry.get_untracked().unwrap_or(Industry::Cinema),
            plan: plan.get_untracked().unwrap_or(Plan::Basic),
            admin_email: value(admin_email),
            admin_name: value(admin_name),
        });
    };
    view! {
        <section class="card" aria-labelledby="create-heading">
            <h2 id="create-heading">"Create an organisation"</h2>
            <p class="hint">"Its first admin gets an invitation by email, valid for 7 days."</p>
            <form class="form" on:submit=submit novalidate>
                <div class="field">
                    <label for="name">"Organisation name"</label>
                    <input id="name" name="name" node_ref=name aria-describedby="name-error"/>
                    <FieldMessage field="name" message=Signal::derive(move || field_message(&errors(), "name"))/>
                </div>
                <ChoiceSelect id="industry" label="Industry" value=industry/>
                <ChoiceSelect id="plan" label="Plan" value=plan/>
                <div class="field">
                    <label for="admin_name">"First admin's name"</label>
                    <input id="admin_name" name="admin_name" node_ref=admin_name aria-describedby="admin_name-error"/>
                    <FieldMessage field="admin_name" message=Signal::derive(move || field_message(&errors(), "admin_name"))/>
                </div>
                <div class="field">
                    <label for="admin_email">"First admin's email"</label>
                    <input id="admin_email" name="admin_email" type="email" node_ref=admin_email aria-describedby="admin_email-error"/>
                    <FieldMessage field="admin_email" message=Signal::derive(move || field_message(&errors(), "admin_email"))/>
                </div>
                <button type="submit" class="button">"Create and invite"</button>
            </form>
            {move || match result.get() {
                Some(Ok(id)) => Some(view! {
                    <p class="notice" role="status" data-testid="created">
                        "Organisation created and its admin invited. "
                        <a href=format!("/admin/organisations/{id}")>"Open it"</a>
                    </p>
                }.into_any()),
                other => other_error(other).map(|message| view! { <p class="error" role="alert">{message}</p> }.into_any()),
            }}
        </section>
    }
}

/// Deployment problems the platform's staff must fix (nothing shows when there are none).
#[component]
fn PlatformWarnings() -> impl IntoView {
    let warnings = Resource::new(|| (), |_| platform_warnings());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let warnings = warnings.await.unwrap_or_default();
                warnings
                    .into_iter()
                    .map(|warning| view! {
                        <p class="error" role="alert" data-testid="platform-warning">{warning}</p>
                    })
                    .collect_view()
            })}
        </Suspense>
    }
}
