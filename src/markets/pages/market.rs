//! `/markets/:id`: one market: the analysis of a period (and product), the weekly trend chart,
//! its competitors and observations; analysts record observations and manage competitors here.
//! The period and product are query parameters chosen with a plain GET form, so the page works
//! before hydration.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

use crate::account::api::signed_in_user;
use crate::components::chart::{MedianBars, TrendChart};
use crate::components::choice::load_error;
use crate::components::field::{field_message, FieldMessage};
use crate::components::pager::Pager;
use crate::error::{AppError, FieldError};
use crate::markets::api::{
    market_analysis, market_observations, market_overview, market_trend, AddProduct,
    ArchiveCompetitor, ArchiveMarket, ImportObservations, RecordObservation, SaveCompetitor,
    UpdateMarket,
};
use crate::model::account::Role;
use crate::model::market::{Analysis, Competitor, MarketDetail, Stats, PERIOD_DEFAULT_DAYS};

fn money(value: f64) -> String {
    format!("{value:.2}")
}

fn fields_of<T>(result: Option<Result<T, AppError>>) -> Vec<FieldError> {
    match result {
        Some(Err(AppError::Validation { fields })) => fields,
        _ => Vec::new(),
    }
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
    let user = Resource::new(|| (), |_| signed_in_user());
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

#[component]
fn StatsFacts(stats: Stats, currency: String) -> impl IntoView {
    view! {
        <dl class="facts stats" data-testid="market-stats">
            <div><dt>"Observations"</dt><dd data-testid="stat-count">{stats.count}</dd></div>
            <div><dt>"Mean"</dt><dd data-testid="stat-mean">{format!("{} {currency}", money(stats.mean))}</dd></div>
            <div><dt>"Median"</dt><dd data-testid="stat-median">{money(stats.median)}</dd></div>
            <div><dt>"Min – max"</dt><dd>{format!("{} – {}", money(stats.min), money(stats.max))}</dd></div>
            <div><dt>"Range"</dt><dd>{money(stats.range)}</dd></div>
            <div><dt>"Standard deviation"</dt><dd>{money(stats.std_dev)}</dd></div>
            <div><dt>"Quartiles (Q1, Q3)"</dt><dd>{format!("{}, {}", money(stats.q1), money(stats.q3))}</dd></div>
        </dl>
    }
}

#[component]
fn AnalysisView(analysis: Analysis) -> impl IntoView {
    let Some(stats) = analysis.market.clone() else {
        return view! { <p class="empty" data-testid="analysis-empty">"No observations in this period yet."</p> }.into_any();
    };
    let currency = analysis.currency.clone();
    view! {
        <StatsFacts stats currency=currency.clone()/>
        <div class="table-wrap">
            <table class="table" data-testid="competitor-stats">
                <thead><tr>
                    <th scope="col">"Rank"</th><th scope="col">"Competitor"</th><th scope="col">"Position"</th>
                    <th scope="col">"Count"</th><th scope="col">"Mean"</th><th scope="col">"Median"</th>
                    <th scope="col">"Min"</th><th scope="col">"Max"</th><th scope="col">"Std dev"</th>
                </tr></thead>
                <tbody>
                    {analysis.competitors.iter().map(|c| view! {
                        <tr>
                            <td>{c.rank}</td>
                            <td>{c.competitor.clone()}</td>
                            <td><span class=format!("tag position-{}", c.position.label())>{c.position.label()}</span></td>
                            <td>{c.stats.count}</td>
                            <td>{money(c.stats.mean)}</td>
                            <td>{money(c.stats.median)}</td>
                            <td>{money(c.stats.min)}</td>
                            <td>{money(c.stats.max)}</td>
                            <td>{money(c.stats.std_dev)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <h3>"Median by competitor"</h3>
        <MedianBars competitors=analysis.competitors.clone() currency/>
        {(!analysis.outliers.is_empty()).then(|| view! {
            <h3>"Outliers (outside Tukey's fences)"</h3>
            <ul data-testid="outliers">
                {analysis.outliers.iter().map(|o| view! {
                    <li>{format!("{} · {} · {} on {}", o.competitor, o.product, o.price, o.observed_at)}</li>
                }).collect_view()}
            </ul>
        })}
    }
    .into_any()
}

#[component]
fn TrendTable(trend: crate::model::market::Trend) -> impl IntoView {
    view! {
        <table class="table" data-testid="trend-table">
            <caption class="visually-hidden">{format!("Change over the period for {}", trend.product)}</caption>
            <thead><tr><th scope="col">"Competitor"</th><th scope="col">"Change"</th><th scope="col">"Direction"</th></tr></thead>
            <tbody>
                {trend.series.iter().map(|s| view! {
                    <tr>
                        <td>{s.competitor.clone()}</td>
                        <td>{match (s.change, s.change_pct) {
                            (Some(change), Some(pct)) => format!("{change:+.2} ({pct:+.1} %)"),
                            _ => "—".into(),
                        }}</td>
                        <td>{s.direction.map(|d| d.label()).unwrap_or("—")}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// Recording a price is an `ActionForm`: after hydration it calls the server function in
/// place; before hydration (or without JavaScript) it is an ordinary form post to it, which
/// redirects back to this page, errors included.
#[component]
fn RecordForm(detail: MarketDetail, record: ServerAction<RecordObservation>) -> impl IntoView {
    let result = record.value();
    let errors = move || fields_of(result.get());
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
                Some(Err(AppError::Validation { .. })) | None => None,
                Some(Err(error)) => Some(view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any()),
            }}
        </section>
    }
    .into_any()
}

#[component]
fn CompetitorForm(
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
    let errors = move || fields_of(result.get());
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
fn Competitors(
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
fn ImportForm(market_id: Uuid, record: ServerAction<RecordObservation>) -> impl IntoView {
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

/// The admin's controls of a market: edit it, add a product, archive it.
#[component]
fn MarketAdmin(
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
                    <FieldMessage field="name" message=Signal::derive(move || field_message(&fields_of(updated.get()), "name"))/></div>
                <div class="field"><label for="m-region">"Region"</label><input id="m-region" value=market.region.clone() node_ref=region/></div>
                <div class="field"><label for="m-currency">"Currency"</label><input id="m-currency" maxlength="3" value=market.currency.clone() node_ref=currency/>
                    <FieldMessage field="currency" message=Signal::derive(move || field_message(&fields_of(updated.get()), "currency"))/></div>
                <button type="submit" class="button">"Save market"</button>
            </form>
            <form class="form grid" on:submit=add novalidate>
                <div class="field"><label for="p-name">"New product or service"</label><input id="p-name" node_ref=product/>
                    <FieldMessage field="name" message=Signal::derive(move || field_message(&fields_of(added.get()), "name"))/></div>
                <button type="submit" class="button">"Add product"</button>
            </form>
            <p class="hint">{format!("Products: {}", detail.products.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", "))}</p>
            <button type="button" class="button secondary" on:click=move |_| { archive.dispatch(ArchiveMarket { id }); }>"Archive this market"</button>
            {move || matches!(updated.get(), Some(Ok(()))).then(|| view! { <p class="notice toast" role="status">"Market saved."</p> })}
        </section>
    }
}
