//! `/markets`: the organisation's markets, and (for admins) the form that creates one, with the
//! product template of the organisation's industry.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::choice::load_error;
use crate::components::field::{field_errors, field_message, other_error, FieldMessage};
use crate::components::signed_in::signed_in_user;
use crate::markets::api::{markets, CreateMarket};
use crate::model::account::Role;

#[component]
pub fn MarketsPage() -> impl IntoView {
    let create = ServerAction::<CreateMarket>::new();
    let list = Resource::new(move || create.version().get(), |_| markets());
    let user = signed_in_user();
    view! {
        <Title text="Markets"/>
        <section class="card" aria-labelledby="markets-heading">
            <h1 id="markets-heading">"Markets"</h1>
            <Transition fallback=|| view! { <p>"Loading markets…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="empty" data-testid="markets-empty">"No markets yet. An admin creates the first one below."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <div class="table-wrap">
                                <table class="table" data-testid="markets">
                                    <thead><tr>
                                        <th scope="col">"Market"</th><th scope="col">"Region"</th><th scope="col">"Currency"</th>
                                        <th scope="col">"Competitors"</th><th scope="col">"Observations"</th>
                                    </tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|market| view! {
                                            <tr>
                                                <td><a href=format!("/markets/{}", market.id)>{market.name}</a></td>
                                                <td>{market.region}</td>
                                                <td>{market.currency}</td>
                                                <td>{market.competitors}</td>
                                                <td>{market.observations}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                        Err(error) => load_error(error, "/markets"),
                    }
                })}
            </Transition>
        </section>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let admin = matches!(user.await, Ok(Some(user)) if user.role == Role::Admin || user.support.is_some());
                admin.then(|| view! { <CreateMarketForm create/> })
            })}
        </Suspense>
    }
}

#[component]
fn CreateMarketForm(create: ServerAction<CreateMarket>) -> impl IntoView {
    let name = NodeRef::<leptos::html::Input>::new();
    let region = NodeRef::<leptos::html::Input>::new();
    let currency = NodeRef::<leptos::html::Input>::new();
    let template = NodeRef::<leptos::html::Input>::new();
    let result = create.value();
    let errors = move || field_errors(result.get());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = |input: NodeRef<leptos::html::Input>| {
            input.get_untracked().map(|i| i.value()).unwrap_or_default()
        };
        create.dispatch(CreateMarket {
            name: value(name),
            region: value(region),
            currency: value(currency),
            adopt_template: template.get_untracked().is_some_and(|i| i.checked()),
        });
    };
    view! {
        <section class="card" aria-labelledby="new-market-heading">
            <h2 id="new-market-heading">"New market"</h2>
            <form class="form" on:submit=submit novalidate>
                <div class="field">
                    <label for="market-name">"Name"</label>
                    <input id="market-name" node_ref=name aria-describedby="name-error"/>
                    <FieldMessage field="name" message=Signal::derive(move || field_message(&errors(), "name"))/>
                </div>
                <div class="field">
                    <label for="market-region">"Region"</label>
                    <input id="market-region" node_ref=region/>
                </div>
                <div class="field">
                    <label for="market-currency">"Currency (ISO 4217)"</label>
                    <input id="market-currency" node_ref=currency value="EUR" maxlength="3" aria-describedby="currency-error"/>
                    <FieldMessage field="currency" message=Signal::derive(move || field_message(&errors(), "currency"))/>
                </div>
                <div class="field checkbox">
                    <input id="market-template" type="checkbox" node_ref=template checked/>
                    <label for="market-template">"Start with the products your industry usually prices (editable later)"</label>
                </div>
                <button type="submit" class="button">"Create market"</button>
            </form>
            {move || match result.get() {
                Some(Ok(id)) => Some(view! {
                    <p class="notice" role="status">"Market created. " <a href=format!("/markets/{id}")>"Open it"</a></p>
                }.into_any()),
                other => other_error(other).map(|message| view! { <p class="error" role="alert">{message}</p> }.into_any()),
            }}
        </section>
    }
}
