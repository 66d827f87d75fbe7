//! The public home page: what MarketEdge is, and a live platform-status check.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::host::status::PlatformStatus;
use crate::model::status::{DatabaseHealth, StatusReport};

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="Overview"/>
        <section class="hero">
            <h1>"Know your market's prices before your customers do"</h1>
            <p class="lead">
                "MarketEdge tracks the markets you compete in, the competitors in each, and the prices \
                 they charge over time — then turns those observations into analysis, trends, \
                 comparisons and alerts. Each organisation's data is its own: nobody else can see it."
            </p>
        </section>
        <section class="features" aria-label="What MarketEdge does">
            <Feature title="Markets" text="Group competitors by the region and market you fight for."/>
            <Feature title="Competitors" text="Record who you compete with, where, and how closely to watch them."/>
            <Feature title="Observations" text="Log prices by form, CSV import or API, with promotions flagged."/>
            <Feature title="Analysis" text="Medians, quartiles, spread and each competitor's position, from real rows."/>
        </section>
        <StatusCheck/>
    }
}

#[component]
fn Feature(title: &'static str, text: &'static str) -> impl IntoView {
    view! {
        <article class="card feature">
            <h2>{title}</h2>
            <p>{text}</p>
        </article>
    }
}

/// Asks the server whether the platform and its database are up. The button is disabled until the
/// page has hydrated, because before that there is nothing to handle the click.
#[component]
fn StatusCheck() -> impl IntoView {
    let check = ServerAction::<PlatformStatus>::new();
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let pending = check.pending();

    view! {
        <section class="card status-check" aria-labelledby="status-heading">
            <h2 id="status-heading">"Platform status"</h2>
            <p>"Check that MarketEdge and its database are answering right now."</p>
            <button
                type="button"
                class="button"
                disabled=move || !hydrated.get() || pending.get()
                on:click=move |_| {
                    check.dispatch(PlatformStatus {});
                }
            >
                {move || if pending.get() { "Checking…" } else { "Check platform status" }}
            </button>
            // Rendered by the server and removed once hydrated: without JavaScript it stays and
            // explains why the button does nothing. (<noscript> would not cover a script that
            // failed to load.)
            <Show when=move || !hydrated.get()>
                <p class="hint">
                    "The live check needs JavaScript; everything else on this page works without it."
                </p>
            </Show>
            <div class="status-result" role="status" aria-live="polite" data-testid="status-result">
                {move || {
                    check
                        .value()
                        .get()
                        .map(|result| match result {
                            Ok(report) => view! { <StatusSummary report/> }.into_any(),
                            Err(error) => view! { <p class="error">{error.to_string()}</p> }.into_any(),
                        })
                }}
            </div>
        </section>
    }
}

#[component]
fn StatusSummary(report: StatusReport) -> impl IntoView {
    let database = match report.database {
        DatabaseHealth::Up => "Database: up",
        DatabaseHealth::Down => "Database: unreachable",
    };
    view! {
        <dl class="facts">
            <div>
                <dt>"Service"</dt>
                <dd>{format!("MarketEdge {} is running", report.version)}</dd>
            </div>
            <div>
                <dt>"Database"</dt>
                <dd data-testid="database-health">{database}</dd>
            </div>
            {report
                .database_time
                .map(|time| {
                    view! {
                        <div>
                            <dt>"Database clock (UTC)"</dt>
                            <dd>{time}</dd>
                        </div>
                    }
                })}
            {report
                .migrations_applied
                .map(|count| {
                    view! {
                        <div>
                            <dt>"Schema migrations applied"</dt>
                            <dd>{count}</dd>
                        </div>
                    }
                })}
        </dl>
    }
}
