//! The audit logs: `/settings/audit` (an organisation's own, for its admins) and `/admin/audit`
//! (the platform's, across organisations, for super-admins).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::audit::api::organisation_audit_log;
use crate::audit::api::platform_audit_log;
use crate::components::choice::load_error;
use crate::components::pager::Pager;

#[component]
pub fn OrganisationAuditPage() -> impl IntoView {
    let entries = Resource::new(|| (), |_| organisation_audit_log());
    view! {
        <Title text="Audit log"/>
        <section class="card" aria-labelledby="export-heading">
            <h2 id="export-heading">"Export your data"</h2>
            <p class="hint">"Everything your organisation holds — markets, products, competitors, price observations, alerts, people and this audit log — as CSV files in one ZIP. Each download is recorded below."</p>
            // An ordinary navigation, not the client router's: the answer is a file.
            <a class="button" href="/export" rel="external" download data-testid="export-data">"Download all data (ZIP)"</a>
        </section>
        <section class="card" aria-labelledby="audit-heading">
            <h1 id="audit-heading">"Audit log"</h1>
            <p class="hint">"The newest 50 entries: sign-ins, people and role changes, invitations, imports, settings and support access."</p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match entries.await {
                        Ok(entries) => view! {
                            <div class="table-wrap">
                                <table class="table" data-testid="audit-log">
                                    <thead><tr>
                                        <th scope="col">"Time (UTC)"</th><th scope="col">"Action"</th>
                                        <th scope="col">"Actor"</th><th scope="col">"Target"</th>
                                        <th scope="col">"Change"</th><th scope="col">"Address"</th>
                                    </tr></thead>
                                    <tbody>
                                        {entries.into_iter().map(|entry| view! {
                                            <tr>
                                                <td>{entry.occurred_at}</td>
                                                <td>{entry.action}</td>
                                                <td>{entry.actor.unwrap_or_default()}</td>
                                                <td>{entry.subject}</td>
                                                <td><code>{entry.detail}</code></td>
                                                <td>{entry.client_address}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                        Err(error) => load_error(error, "/settings/audit"),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
pub fn PlatformAuditPage() -> impl IntoView {
    let action = RwSignal::new(String::new());
    let after = RwSignal::new(None::<String>);
    let cursors = RwSignal::new(Vec::<Option<String>>::new());
    let page = Resource::new(
        move || (action.get(), after.get()),
        |(action, after)| platform_audit_log(Some(action), None, after),
    );
    view! {
        <Title text="Platform audit log"/>
        <section class="card" aria-labelledby="paudit-heading">
            <h1 id="paudit-heading">"Platform audit log"</h1>
            <div class="filters">
                <div class="field">
                    <label for="action">"Action"</label>
                    <input id="action" placeholder="e.g. support_access_started" on:change=move |ev| {
                        cursors.set(Vec::new());
                        after.set(None);
                        action.set(event_target_value(&ev));
                    }/>
                </div>
            </div>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) => {
                            let next = page.next.clone();
                            view! {
                                <div class="table-wrap">
                                    <table class="table" data-testid="platform-audit">
                                        <thead><tr>
                                            <th scope="col">"Time (UTC)"</th><th scope="col">"Action"</th>
                                            <th scope="col">"Organisation"</th><th scope="col">"Actor"</th>
                                            <th scope="col">"Target"</th><th scope="col">"Detail"</th>
                                            <th scope="col">"Address"</th>
                                        </tr></thead>
                                        <tbody>
                                            {page.rows.into_iter().map(|entry| view! {
                                                <tr>
                                                    <td>{entry.occurred_at}</td>
                                                    <td>{entry.action}</td>
                                                    <td>{entry.organisation.unwrap_or_else(|| "—".into())}</td>
                                                    <td>{entry.actor.unwrap_or_default()}</td>
                                                    <td>{entry.subject}</td>
                                                    <td><code>{entry.detail}</code></td>
                                                    <td>{entry.client_address}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                <Pager after history=cursors next=next.clone()/>
                            }.into_any()
                        }
                        Err(error) => load_error(error, "/admin/audit"),
                    }
                })}
            </Transition>
        </section>
    }
}
