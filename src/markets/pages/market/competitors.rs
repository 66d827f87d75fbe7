//! The market's competitors: the list, and adding or editing one.

use leptos::prelude::*;
use uuid::Uuid;

use crate::components::field::{field_errors, field_message, FieldMessage};
use crate::markets::api::{ArchiveCompetitor, SaveCompetitor};
use crate::model::market::{Competitor, MarketDetail};

#[component]
pub fn CompetitorForm(
    market_id: Uuid,
    save: ServerAction<SaveCompetitor>,
    /// The competitor being edited; `None` adds a new one.
    editing: RwSignal<Option<Competitor>>,
) -> impl IntoView {
    let name = NodeRef::<leptos::html::Input>::new();
    let business_type = NodeRef::<leptos::html::Input>::new();
    let website = NodeRef::<leptos::html::Input>::new();
    let locations = NodeRef::<leptos::html::Input>::new();
    let priority = NodeRef::<leptos::html::Input>::new();
    let share = NodeRef::<leptos::html::Input>::new();
    let description = NodeRef::<leptos::html::Input>::new();
    let result = save.value();
    let errors = move || field_errors(result.get());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = |node: NodeRef<leptos::html::Input>| {
            node.get_untracked().map(|i| i.value()).unwrap_or_default()
        };
        save.dispatch(SaveCompetitor {
            market_id,
            id: editing.get_untracked().map(|c| c.id),
            name: input(name),
            business_type: input(business_type),
            website: input(website),
            locations: input(locations),
            priority: input(priority).parse().unwrap_or(0),
            market_share_pct: input(share),
            description: input(description),
        });
    };
    let message =
        move |field: &'static str| Signal::derive(move || field_message(&errors(), field));
    // A successful save ends the editing.
    Effect::new(move |_| {
        if matches!(result.get(), Some(Ok(_))) {
            editing.set(None);
        }
    });
    let field = move |get: fn(&Competitor) -> String| {
        move || editing.get().as_ref().map(get).unwrap_or_default()
    };
    view! {
        <section class="card" aria-labelledby="competitor-heading">
            <h2 id="competitor-heading">
                {move || match editing.get() {
                    Some(c) => format!("Edit {}", c.name),
                    None => "Add a competitor".to_owned(),
                }}
            </h2>
            <form class="form grid" on:submit=submit novalidate data-testid="competitor-form">
                <div class="field"><label for="c-name">"Name"</label><input id="c-name" node_ref=name prop:value=field(|c| c.name.clone())/><FieldMessage field="name" message=message("name")/></div>
                <div class="field"><label for="c-type">"Business type"</label><input id="c-type" node_ref=business_type prop:value=field(|c| c.business_type.clone())/></div>
                <div class="field"><label for="c-website">"Website"</label><input id="c-website" type="url" placeholder="https://" node_ref=website prop:value=field(|c| c.website.clone())/><FieldMessage field="website" message=message("website")/></div>
                <div class="field"><label for="c-locations">"Locations"</label><input id="c-locations" node_ref=locations prop:value=field(|c| c.locations.clone())/></div>
                <div class="field"><label for="c-priority">"Tracking priority (1–5)"</label><input id="c-priority" type="number" min="1" max="5" value="3" node_ref=priority prop:value=move || editing.get().map_or(3, |c| c.priority).to_string()/><FieldMessage field="priority" message=message("priority")/></div>
                <div class="field"><label for="c-share">"Market share (%)"</label><input id="c-share" inputmode="decimal" node_ref=share prop:value=field(|c| c.market_share_pct.clone().unwrap_or_default())/><FieldMessage field="market_share_pct" message=message("market_share_pct")/></div>
                <div class="field"><label for="c-description">"Description"</label><input id="c-description" node_ref=description prop:value=field(|c| c.description.clone())/></div>
                <button type="submit" class="button">{move || if editing.get().is_some() { "Save changes" } else { "Add competitor" }}</button>
                {move || editing.get().is_some().then(|| view! {
                    <button type="button" class="button secondary" on:click=move |_| editing.set(None)>"Cancel"</button>
                })}
            </form>
            {move || matches!(result.get(), Some(Ok(_))).then(|| view! { <p class="notice toast" role="status">"Competitor saved."</p> })}
        </section>
    }
}

#[component]
pub fn Competitors(
    detail: MarketDetail,
    can_edit: bool,
    editing: RwSignal<Option<Competitor>>,
    archive: ServerAction<ArchiveCompetitor>,
) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="competitors-heading">
            <h2 id="competitors-heading">"Competitors"</h2>
            {if detail.competitors.is_empty() {
                view! { <p class="empty">"No competitors recorded yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table" data-testid="competitors">
                            <thead><tr>
                                <th scope="col">"Name"</th><th scope="col">"Type"</th><th scope="col">"Priority"</th>
                                <th scope="col">"Share"</th><th scope="col">"Website"</th><th scope="col">"Locations"</th>
                                {can_edit.then(|| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}
                            </tr></thead>
                            <tbody>
                                {detail.competitors.into_iter().map(|c| {
                                    let id = c.id;
                                    let edited = c.clone();
                                    view! {
                                    <tr>
                                        <td><a href=format!("/markets/{}/competitors/{}", detail.market.id, c.id)>{c.name}</a></td>
                                        <td>{c.business_type}</td>
                                        <td>{c.priority}</td>
                                        <td>{c.market_share_pct.map(|s| format!("{s} %")).unwrap_or_default()}</td>
                                        // Only http(s) addresses are stored (validated on the server).
                                        <td>{(!c.website.is_empty()).then(|| view! { <a href=c.website.clone() rel="noopener noreferrer nofollow">{c.website.clone()}</a> })}</td>
                                        <td>{c.locations}</td>
                                        {can_edit.then(|| view! {
                                            <td class="actions">
                                                <button type="button" class="button small secondary" on:click=move |_| editing.set(Some(edited.clone()))>"Edit"</button>
                                                <button type="button" class="button small secondary" on:click=move |_| { archive.dispatch(ArchiveCompetitor { id }); }>"Archive"</button>
                                            </td>
                                        })}
                                    </tr>
                                }}).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}
