//! The market's own settings for its admins: name, currency and products, or archiving it.

use leptos::prelude::*;

use crate::components::field::{field_errors, field_message, FieldMessage};
use crate::markets::api::{AddProduct, ArchiveMarket, UpdateMarket};
use crate::model::market::MarketDetail;

/// The admin's controls of a market: edit it, add a product, archive it.
#[component]
pub fn MarketAdmin(
    detail: MarketDetail,
    update: ServerAction<UpdateMarket>,
    add_product: ServerAction<AddProduct>,
) -> impl IntoView {
    let archive = ServerAction::<ArchiveMarket>::new();
    let market = detail.market.clone();
    let id = market.id;
    let name = NodeRef::<leptos::html::Input>::new();
    let region = NodeRef::<leptos::html::Input>::new();
    let currency = NodeRef::<leptos::html::Input>::new();
    let product = NodeRef::<leptos::html::Input>::new();
    let updated = update.value();
    let added = add_product.value();
    Effect::new(move |_| {
        if matches!(archive.value().get(), Some(Ok(()))) {
            let _ = window().location().set_href("/markets");
        }
    });
    let input = |node: NodeRef<leptos::html::Input>| {
        node.get_untracked().map(|i| i.value()).unwrap_or_default()
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        update.dispatch(UpdateMarket {
            id,
            name: input(name),
            region: input(region),
            currency: input(currency),
        });
    };
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        add_product.dispatch(AddProduct { market_id: id, name: input(product) });
    };
    view! {
        <section class="card" aria-labelledby="market-admin-heading">
            <h2 id="market-admin-heading">"Manage this market"</h2>
            <form class="form grid" on:submit=save novalidate>
                <div class="field"><label for="m-name">"Name"</label><input id="m-name" value=market.name.clone() node_ref=name/>
                    <FieldMessage field="name" message=Signal::derive(move || field_message(&field_errors(updated.get()), "name"))/></div>
                <div class="field"><label for="m-region">"Region"</label><input id="m-region" value=market.region.clone() node_ref=region/></div>
                <div class="field"><label for="m-currency">"Currency"</label><input id="m-currency" maxlength="3" value=market.currency.clone() node_ref=currency/>
                    <FieldMessage field="currency" message=Signal::derive(move || field_message(&field_errors(updated.get()), "currency"))/></div>
                <button type="submit" class="button">"Save market"</button>
            </form>
            <form class="form grid" on:submit=add novalidate>
                <div class="field"><label for="p-name">"New product or service"</label><input id="p-name" node_ref=product/>
                    <FieldMessage field="name" message=Signal::derive(move || field_message(&field_errors(added.get()), "name"))/></div>
                <button type="submit" class="button">"Add product"</button>
            </form>
            <p class="hint">{format!("Products: {}", detail.products.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", "))}</p>
            <button type="button" class="button secondary" on:click=move |_| { archive.dispatch(ArchiveMarket { id }); }>"Archive this market"</button>
            {move || matches!(updated.get(), Some(Ok(()))).then(|| view! { <p class="notice toast" role="status">"Market saved."</p> })}
        </section>
    }
}
