//! `/markets/:id`: one market: the analysis of a period (and product), the weekly trend chart,
//! its competitors and observations; analysts record observations and manage competitors here.
//! The period and product are query parameters chosen with a plain GET form, so the page works
//! before hydration.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

use crate::components::chart::TrendChart;
use crate::components::choice::load_error;
use crate::components::signed_in::signed_in_user;
use crate::error::AppError;
use crate::markets::api::{
    market_analysis, market_overview, market_trend, AddProduct, ArchiveCompetitor,
    RecordObservation, SaveCompetitor, UpdateMarket,
};
use crate::model::account::Role;
use crate::model::market::{Competitor, MarketDetail, PERIOD_DEFAULT_DAYS};

mod admin;
mod analysis;
mod competitors;
mod observations;

use admin::MarketAdmin;
use analysis::{AnalysisView, TrendTable};
use competitors::{CompetitorForm, Competitors};
pub use observations::Observations;
use observations::{ImportForm, RecordForm};

/// An amount as the page shows it: two decimals.
pub fn money(value: f64) -> String {
    format!("{value:.2}")
}

#[component]
pub fn MarketPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<Uuid>().ok());
    let product = move || query.read().get("product").and_then(|p| p.parse::<Uuid>().ok());
    let days = move || {
        query.read().get("days").and_then(|d| d.parse::<i32>().ok()).unwrap_or(PERIOD_DEFAULT_DAYS)
    };
    let record = ServerAction::<RecordObservation>::new();
    let save_competitor = ServerAction::<SaveCompetitor>::new();
    let archive_competitor = ServerAction::<ArchiveCompetitor>::new();
    let update_market = ServerAction::<UpdateMarket>::new();
    let add_product = ServerAction::<AddProduct>::new();
    let editing = RwSignal::new(None::<Competitor>);
    let user = signed_in_user();
    let detail = Resource::new(
        move || {
            let versions = (
                save_competitor.version().get(),
                archive_competitor.version().get(),
                update_market.version().get(),
                add_product.version().get(),
            );
            (id(), versions)
        },
        |(id, _)| async move {
            match id {
                Some(id) => market_overview(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let analysis = Resource::new(
        move || (id(), product(), days(), record.version().get()),
        |(id, product, days, _)| async move {
            match id {
                Some(id) => market_analysis(id, product, Some(days)).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let trend = Resource::new(
        move || (id(), product(), days(), record.version().get()),
        |(id, product, days, _)| async move {
            match id {
                Some(id) => market_trend(id, product, Some(days)).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Market"/>
        <Transition fallback=|| view! { <p>"Loading the market…"</p> }>
            {move || Suspend::new(async move {
                let (can_record, is_admin) = match user.await {
                    Ok(Some(u)) => (
                        u.role.satisfies(Role::Analyst) || u.support.is_some(),
                        u.role.satisfies(Role::Admin) || u.support.is_some(),
                    ),
                    _ => (false, false),
                };
                match detail.await {
                    Ok(detail) => {
                        let here = format!("/markets/{}", detail.market.id);
                        view! {
                            <MarketHeader detail=detail.clone() product=product() days=days()/>
                            <section class="card" aria-labelledby="analysis-heading">
                                <h2 id="analysis-heading">{format!("Analysis, last {} days", days())}</h2>
                                <Transition fallback=|| view! { <p>"Computing…"</p> }>
                                    {move || Suspend::new(async move {
                                        match analysis.await {
                                            Ok(analysis) => view! { <AnalysisView analysis/> }.into_any(),
                                            Err(error) => load_error(error, "/markets"),
                                        }
                                    })}
                                </Transition>
                            </section>
                            <section class="card" aria-labelledby="trend-heading">
                                <h2 id="trend-heading">"Weekly trend"</h2>
                                <Transition fallback=|| view! { <p>"Drawing…"</p> }>
                                    {move || Suspend::new(async move {
                                        match trend.await {
                                            Ok(trend) => view! {
                                                <TrendChart trend=trend.clone()/>
                                                <TrendTable trend/>
                                            }.into_any(),
                                            Err(AppError::NotFound) => view! { <p class="empty">"Add a product to see trends."</p> }.into_any(),
                                            Err(error) => load_error(error, "/markets"),
                                        }
                                    })}
                                </Transition>
                            </section>
                            {can_record.then(|| view! {
                                <RecordForm detail=detail.clone() record/>
                                <ImportForm market_id=detail.market.id record/>
                                <CompetitorForm market_id=detail.market.id save=save_competitor editing/>
                            })}
                            <Competitors detail=detail.clone() can_edit=can_record editing archive=archive_competitor/>
                            {is_admin.then(|| view! { <MarketAdmin detail=detail.clone() update=update_market add_product/> })}
                            <Observations market_id=detail.market.id record/>
                            <p><a href=here>"Reload"</a></p>
                        }.into_any()
                    }
                    Err(error) => load_error(error, "/markets"),
                }
            })}
        </Transition>
    }
}

#[component]
fn MarketHeader(detail: MarketDetail, product: Option<Uuid>, days: i32) -> impl IntoView {
    let market = detail.market.clone();
    view! {
        <section class="card" aria-labelledby="market-heading">
            <p><a href="/markets">"← Markets"</a></p>
            <h1 id="market-heading" data-testid="market-name">{market.name.clone()}</h1>
            <p class="hint">{format!("{} · prices in {} · {} competitors · {} observations", market.region, market.currency, market.competitors, market.observations)}</p>
            <form method="get" class="filters" action=format!("/markets/{}", market.id)>
                <div class="field">
                    <label for="product">"Product"</label>
                    <select id="product" name="product">
                        <option value="" selected=product.is_none()>"All products"</option>
                        {detail.products.iter().map(|p| view! {
                            <option value=p.id.to_string() selected=product == Some(p.id)>{p.name.clone()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="days">"Period"</label>
                    <select id="days" name="days">
                        {[7, 30, 90, 180, 365].into_iter().map(|d| view! {
                            <option value=d.to_string() selected=d == days>{format!("Last {d} days")}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class="button secondary">"Show"</button>
            </form>
        </section>
    }
}
