//! Prices on the market page: recording one, importing many from a CSV file, and the list.

use leptos::form::ActionForm;
use leptos::prelude::*;
use uuid::Uuid;

use crate::components::choice::load_error;
use crate::components::field::{field_errors, field_message, other_error, FieldMessage};
use crate::components::pager::Pager;
use crate::markets::api::{market_observations, ImportObservations, RecordObservation};
use crate::model::market::MarketDetail;

/// Recording a price is an `ActionForm`: after hydration it calls the server function in
/// place; before hydration (or without JavaScript) it is an ordinary form post to it, which
/// redirects back to this page, errors included.
#[component]
pub fn RecordForm(detail: MarketDetail, record: ServerAction<RecordObservation>) -> impl IntoView {
    let result = record.value();
    let errors = move || field_errors(result.get());
    if detail.competitors.is_empty() || detail.products.is_empty() {
        return view! {
            <section class="card"><p class="empty">"Add a competitor (and the market needs a product) before recording prices."</p></section>
        }.into_any();
    }
    view! {
        <section class="card" aria-labelledby="record-heading">
            <h2 id="record-heading">"Record a price"</h2>
            <div data-testid="record-form">
                <ActionForm action=record>
                    <div class="form grid">
                        <input type="hidden" name="market_id" value=detail.market.id.to_string()/>
                        <div class="field">
                            <label for="obs-competitor">"Competitor"</label>
                            <select id="obs-competitor" name="competitor_id">
                                {detail.competitors.iter().map(|c| view! { <option value=c.id.to_string()>{c.name.clone()}</option> }).collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label for="obs-product">"Product or service"</label>
                            <select id="obs-product" name="product_id">
                                {detail.products.iter().map(|p| view! { <option value=p.id.to_string()>{p.name.clone()}</option> }).collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label for="obs-price">"Price"</label>
                            <input id="obs-price" name="price" inputmode="decimal" aria-describedby="price-error"/>
                            <FieldMessage field="price" message=Signal::derive(move || field_message(&errors(), "price"))/>
                        </div>
                        <div class="field">
                            <label for="obs-currency">"Currency"</label>
                            <input id="obs-currency" name="currency" maxlength="3" value=detail.market.currency.clone() aria-describedby="currency-error"/>
                            <FieldMessage field="currency" message=Signal::derive(move || field_message(&errors(), "currency"))/>
                        </div>
                        <div class="field">
                            <label for="obs-at">"Seen at (UTC; empty: now)"</label>
                            <input id="obs-at" name="observed_at" type="datetime-local" aria-describedby="observed_at-error"/>
                            <FieldMessage field="observed_at" message=Signal::derive(move || field_message(&errors(), "observed_at"))/>
                        </div>
                        <div class="field">
                            <label for="obs-source">"Source"</label>
                            <input id="obs-source" name="source" placeholder="website, store visit, flyer…"/>
                        </div>
                        <div class="field checkbox">
                            <input id="obs-promotion" name="is_promotion" type="checkbox" value="true"/>
                            <label for="obs-promotion">"Promotion"</label>
                        </div>
                        <div class="field">
                            <label for="obs-details">"Promotion details"</label>
                            <input id="obs-details" name="promotion_details"/>
                        </div>
                        <button type="submit" class="button">"Record price"</button>
                    </div>
                </ActionForm>
            </div>
            {move || match result.get() {
                Some(Ok(_)) => Some(view! { <p class="notice toast" role="status" data-testid="recorded">"Price recorded. The analysis and trend are updated."</p> }.into_any()),
                other => other_error(other).map(|message| view! { <p class="error" role="alert">{message}</p> }.into_any()),
            }}
        </section>
    }
    .into_any()
}

#[component]
pub fn Observations(
    market_id: Uuid,
    record: ServerAction<RecordObservation>,
    #[prop(optional)] competitor: Option<Uuid>,
) -> impl IntoView {
    let after = RwSignal::new(None::<String>);
    let cursors = RwSignal::new(Vec::<Option<String>>::new());
    let page = Resource::new(
        move || (after.get(), record.version().get()),
        move |(after, _)| market_observations(market_id, competitor, None, after),
    );
    view! {
        <section class="card" aria-labelledby="observations-heading">
            <h2 id="observations-heading">"Observations"</h2>
            <Transition fallback=|| view! { <p>"Loading observations…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) if page.rows.is_empty() => view! { <p class="empty">"No prices recorded yet."</p> }.into_any(),
                        Ok(page) => {
                            let next = page.next.clone();
                            view! {
                                <div class="table-wrap">
                                    <table class="table" data-testid="observations">
                                        <thead><tr>
                                            <th scope="col">"Seen (UTC)"</th><th scope="col">"Competitor"</th><th scope="col">"Product"</th>
                                            <th scope="col">"Price"</th><th scope="col">"Promotion"</th><th scope="col">"Source"</th>
                                        </tr></thead>
                                        <tbody>
                                            {page.rows.into_iter().map(|o| view! {
                                                <tr>
                                                    <td>{o.observed_at}</td>
                                                    <td>{o.competitor}</td>
                                                    <td>{o.product}</td>
                                                    <td>{format!("{} {}", o.price, o.currency)}</td>
                                                    <td>{if o.is_promotion { format!("yes {}", o.promotion_details) } else { String::new() }}</td>
                                                    <td>{o.source}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                <Pager after history=cursors next/>
                            }.into_any()
                        }
                        Err(error) => load_error(error, "/markets"),
                    }
                })}
            </Transition>
        </section>
    }
}

/// CSV import of observations: the server checks every line first and stores nothing unless
/// all are valid. A successful import refreshes the analysis like a recorded price does.
#[component]
pub fn ImportForm(market_id: Uuid, record: ServerAction<RecordObservation>) -> impl IntoView {
    let import = ServerAction::<ImportObservations>::new();
    let text = RwSignal::new(String::new());
    let result = import.value();
    let pending = import.pending();
    let rows = move || text.read().lines().count().saturating_sub(1);
    Effect::new(move |_| {
        if matches!(result.get(), Some(Ok(ref report)) if report.imported) {
            // The analysis, trend and list follow the record action's version.
            record.version().update(|version| *version += 1);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        import.dispatch(ImportObservations { market_id, csv: text.get_untracked(), commit: true });
    };
    view! {
        <section class="card" aria-labelledby="import-heading">
            <h2 id="import-heading">"Import prices from CSV"</h2>
            <p class="hint">
                {format!(
                    "Header line with competitor, product, price, observed_at and optionally currency, source, promotion (yes/no), promotion_details. \
                     Names as in this market. At most {} rows and {} KiB. Nothing is stored unless every line is valid.",
                    crate::model::market::IMPORT_MAX_ROWS,
                    crate::model::admin::IMPORT_MAX_BYTES / 1024
                )}
            </p>
            <form class="form" on:submit=submit novalidate>
                <div class="field">
                    <label for="obs-import">"CSV lines"</label>
                    <textarea id="obs-import" rows="5" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                </div>
                <button type="submit" class="button" disabled=move || pending.get()>"Check and import"</button>
            </form>
            <p class="notice" role="status" data-testid="obs-import-progress">
                {move || if pending.get() { format!("Checking and importing {} lines…", rows()) } else { String::new() }}
            </p>
            {move || result.get().map(|result| match result {
                Ok(report) if report.imported => view! {
                    <p class="notice toast" role="status" data-testid="obs-import-done">{format!("Imported {} prices.", report.rows)}</p>
                }.into_any(),
                Ok(report) => view! {
                    <div class="error" role="alert" data-testid="obs-import-problems">
                        <p>{format!("Nothing was imported: {} problem(s) in {} lines.", report.problems.len(), report.rows)}</p>
                        <ul>{report.problems.into_iter().map(|p| view! { <li>{format!("Line {}: {}", p.line, p.message)}</li> }).collect_view()}</ul>
                    </div>
                }.into_any(),
                Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
            })}
        </section>
    }
}
