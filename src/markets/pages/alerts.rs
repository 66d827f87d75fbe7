//! `/alerts`: price moves and promotions worth a look. Everyone reads and marks them read;
//! analysts and admins resolve them; admins set the threshold that raises them.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::choice::load_error;
use crate::components::field::{field_errors, field_message, FieldMessage};
use crate::components::signed_in::signed_in_user;
use crate::markets::api::{alert_threshold, alerts, MarkAlert, SetAlertThreshold};
use crate::model::account::Role;
use crate::model::market::{AlertKind, Severity};

fn kind_label(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::PriceIncrease => "price up",
        AlertKind::PriceDecrease => "price down",
        AlertKind::Promotion => "promotion",
    }
}

fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
    }
}

#[component]
pub fn AlertsPage() -> impl IntoView {
    let mark = ServerAction::<MarkAlert>::new();
    let set_threshold = ServerAction::<SetAlertThreshold>::new();
    let include_resolved = RwSignal::new(false);
    let severity = RwSignal::new(None::<Severity>);
    let list = Resource::new(
        move || {
            (
                include_resolved.get(),
                severity.get(),
                mark.version().get(),
                set_threshold.version().get(),
            )
        },
        |(resolved, severity, _, _)| alerts(Some(resolved), severity),
    );
    let threshold = Resource::new(move || set_threshold.version().get(), |_| alert_threshold());
    let user = signed_in_user();
    view! {
        <Title text="Alerts"/>
        <section class="card" aria-labelledby="alerts-heading">
            <h1 id="alerts-heading">"Alerts"</h1>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    threshold.await.ok().map(|pct| view! {
                        <p class="hint" data-testid="threshold">{format!("Raised when a competitor's price moves by {pct} % or more from their previous one, or a promotion starts.")}</p>
                    })
                })}
            </Suspense>
            <div class="filters">
                <div class="field checkbox">
                    <input id="show-resolved" type="checkbox" on:change=move |ev| include_resolved.set(event_target_checked(&ev))/>
                    <label for="show-resolved">"Show resolved"</label>
                </div>
                <div class="field">
                    <label for="severity">"Severity"</label>
                    <select id="severity" on:change=move |ev| severity.set(match event_target_value(&ev).as_str() {
                        "low" => Some(Severity::Low),
                        "medium" => Some(Severity::Medium),
                        "high" => Some(Severity::High),
                        _ => None,
                    })>
                        <option value="">"Any"</option>
                        <option value="high">"High"</option>
                        <option value="medium">"Medium"</option>
                        <option value="low">"Low"</option>
                    </select>
                </div>
            </div>
            <Transition fallback=|| view! { <p>"Loading alerts…"</p> }>
                {move || Suspend::new(async move {
                    let can_resolve = matches!(user.await, Ok(Some(u)) if u.role.satisfies(Role::Analyst) || u.support.is_some());
                    match list.await {
                        Ok(list) if list.is_empty() => view! { <p class="empty" data-testid="alerts-empty">"No alerts. Quiet market."</p> }.into_any(),
                        Ok(list) => view! {
                            <div class="table-wrap">
                                <table class="table" data-testid="alerts">
                                    <thead><tr>
                                        <th scope="col">"When (UTC)"</th><th scope="col">"Severity"</th><th scope="col">"What"</th>
                                        <th scope="col">"Competitor"</th><th scope="col">"Product"</th><th scope="col">"Price"</th>
                                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                    </tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|alert| {
                                            let id = alert.id;
                                            let change = match (&alert.previous_price, &alert.change_pct) {
                                                (Some(previous), Some(pct)) => format!("{previous} → {} ({pct} %)", alert.new_price),
                                                (Some(previous), None) => format!("{previous} → {}", alert.new_price),
                                                _ => alert.new_price.clone(),
                                            };
                                            view! {
                                                <tr data-read=alert.read.to_string() data-resolved=alert.resolved.to_string()>
                                                    <td>{alert.created_at.clone()}</td>
                                                    <td><span class=format!("tag severity-{}", severity_label(alert.severity))>{severity_label(alert.severity)}</span></td>
                                                    <td>{kind_label(alert.kind)}</td>
                                                    <td><a href=format!("/markets/{}", alert.market_id)>{alert.competitor.clone()}</a></td>
                                                    <td>{alert.product.clone()}</td>
                                                    <td>{change}</td>
                                                    <td class="actions">
                                                        {(!alert.read).then(|| view! {
                                                            <button type="button" class="button small secondary" on:click=move |_| { mark.dispatch(MarkAlert { id, resolve: false }); }>"Mark read"</button>
                                                        })}
                                                        {(can_resolve && !alert.resolved).then(|| view! {
                                                            <button type="button" class="button small secondary" on:click=move |_| { mark.dispatch(MarkAlert { id, resolve: true }); }>"Resolve"</button>
                                                        })}
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                        Err(error) => load_error(error, "/alerts"),
                    }
                })}
            </Transition>
        </section>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let admin = matches!(user.await, Ok(Some(u)) if u.role == Role::Admin || u.support.is_some());
                admin.then(|| view! { <ThresholdForm set_threshold/> })
            })}
        </Suspense>
    }
}

#[component]
fn ThresholdForm(set_threshold: ServerAction<SetAlertThreshold>) -> impl IntoView {
    let percent = NodeRef::<leptos::html::Input>::new();
    let result = set_threshold.value();
    let errors = move || field_errors(result.get());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let percent = percent.get_untracked().map(|i| i.value()).unwrap_or_default();
        set_threshold.dispatch(SetAlertThreshold { percent });
    };
    view! {
        <section class="card" aria-labelledby="threshold-heading">
            <h2 id="threshold-heading">"Alert threshold"</h2>
            <form class="form" on:submit=submit novalidate>
                <div class="field">
                    <label for="threshold-percent">"Alert when a price moves by at least (%)"</label>
                    <input id="threshold-percent" inputmode="decimal" node_ref=percent aria-describedby="threshold-error"/>
                    <FieldMessage field="threshold" message=Signal::derive(move || field_message(&errors(), "threshold"))/>
                </div>
                <button type="submit" class="button">"Save threshold"</button>
            </form>
            {move || matches!(result.get(), Some(Ok(()))).then(|| view! { <p class="notice toast" role="status">"Threshold saved."</p> })}
        </section>
    }
}
