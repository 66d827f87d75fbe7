//! The market's analysis of a period: its statistics, each competitor's, and the weekly trend.

use leptos::prelude::*;

use crate::components::chart::MedianBars;
use crate::model::market::{Analysis, Stats};

use super::money;

#[component]
pub fn StatsFacts(stats: Stats, currency: String) -> impl IntoView {
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
pub fn AnalysisView(analysis: Analysis) -> impl IntoView {
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
pub fn TrendTable(trend: crate::model::market::Trend) -> impl IntoView {
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
