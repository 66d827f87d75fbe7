//! `/markets/:id/competitors/:cid`: one competitor: who they are, their latest price of each
//! product, and their price history (newest first, paged).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use crate::components::choice::load_error;
use crate::error::AppError;
use crate::markets::api::{competitor_profile, RecordObservation};
use crate::markets::pages::market::Observations;

#[component]
pub fn CompetitorPage() -> impl IntoView {
    let params = use_params_map();
    let ids = move || {
        let read = params.read();
        let market = read.get("id").and_then(|id| id.parse::<Uuid>().ok());
        let competitor = read.get("cid").and_then(|id| id.parse::<Uuid>().ok());
        market.zip(competitor)
    };
    // Never dispatched here: the history list takes it to know when to refresh.
    let record = ServerAction::<RecordObservation>::new();
    let profile = Resource::new(ids, |ids| async move {
        match ids {
            Some((market, competitor)) => competitor_profile(market, competitor).await,
            None => Err(AppError::NotFound),
        }
    });
    view! {
        <Title text="Competitor"/>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match profile.await {
                    Ok(profile) => {
                        let c = profile.competitor.clone();
                        view! {
                            <section class="card" aria-labelledby="competitor-heading">
                                <p><a href=format!("/markets/{}", profile.market_id)>{format!("← {}", profile.market)}</a></p>
                                <h1 id="competitor-heading" data-testid="competitor-name">{c.name.clone()}</h1>
                                <dl class="facts">
                                    <div><dt>"Type"</dt><dd>{c.business_type.clone()}</dd></div>
                                    <div><dt>"Priority"</dt><dd>{c.priority}</dd></div>
                                    <div><dt>"Market share"</dt><dd>{c.market_share_pct.clone().map(|s| format!("{s} %")).unwrap_or_else(|| "unknown".into())}</dd></div>
                                    <div><dt>"Locations"</dt><dd>{c.locations.clone()}</dd></div>
                                    <div><dt>"Website"</dt><dd>{(!c.website.is_empty()).then(|| view! { <a href=c.website.clone() rel="noopener noreferrer nofollow">{c.website.clone()}</a> })}</dd></div>
                                </dl>
                                {(!c.description.is_empty()).then(|| view! { <p>{c.description.clone()}</p> })}
                            </section>
                            <section class="card" aria-labelledby="latest-heading">
                                <h2 id="latest-heading">"Latest prices"</h2>
                                {if profile.latest.is_empty() {
                                    view! { <p class="empty">"No prices recorded yet."</p> }.into_any()
                                } else {
                                    view! {
                                        <table class="table" data-testid="latest-prices">
                                            <thead><tr><th scope="col">"Product"</th><th scope="col">"Price"</th><th scope="col">"Seen (UTC)"</th><th scope="col">"Promotion"</th></tr></thead>
                                            <tbody>
                                                {profile.latest.iter().map(|l| view! {
                                                    <tr>
                                                        <td>{l.product.clone()}</td>
                                                        <td>{format!("{} {}", l.price, l.currency)}</td>
                                                        <td>{l.observed_at.clone()}</td>
                                                        <td>{if l.is_promotion { "yes" } else { "" }}</td>
                                                    </tr>
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    }.into_any()
                                }}
                            </section>
                            <Observations market_id=profile.market_id record competitor=c.id/>
                        }.into_any()
                    }
                    Err(error) => load_error(error, "/markets"),
                }
            })}
        </Transition>
    }
}
