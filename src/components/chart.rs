//! Charts drawn as SVG on the server: readable without JavaScript (axes, labels, legend, a
//! title and a description for screen readers, and a `<title>` on every point), with a detail
//! line that follows the pointer once the page has hydrated.

use leptos::prelude::*;

use crate::model::market::{CompetitorStats, Trend};

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 280.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 40.0;
/// Colour-blind-safe palette (Okabe–Ito).
const COLOURS: [&str; 8] =
    ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];

/// Round tick values covering `low..high`.
fn ticks(low: f64, high: f64, count: usize) -> Vec<f64> {
    if high.partial_cmp(&low) != Some(std::cmp::Ordering::Greater) {
        return vec![low];
    }
    let raw = (high - low) / count as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step =
        [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(raw);
    let first = (low / step).floor() * step;
    (0..=count + 1)
        .map(|i| first + i as f64 * step)
        .take_while(|v| *v <= high + step * 0.5)
        .collect()
}

#[component]
pub fn TrendChart(trend: Trend) -> impl IntoView {
    let values: Vec<f64> =
        trend.series.iter().flat_map(|s| s.points.iter().flatten().copied()).collect();
    if values.is_empty() {
        return view! { <p class="empty" data-testid="trend-empty">"No prices of this product in the period yet."</p> }.into_any();
    }
    let (low, high) =
        values.iter().fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let pad = ((high - low) * 0.1).max(0.5);
    let ticks = ticks((low - pad).max(0.0), high + pad, 5);
    let (y_min, y_max) = (ticks[0], *ticks.last().unwrap_or(&(high + pad)));
    let span = (y_max - y_min).max(f64::EPSILON);
    let weeks = trend.weeks.len().max(1);
    let x = move |index: usize| {
        LEFT + (WIDTH - LEFT - RIGHT)
            * if weeks == 1 { 0.5 } else { index as f64 / (weeks - 1) as f64 }
    };
    let y = move |value: f64| TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - (value - y_min) / span);
    let hovered = RwSignal::new(None::<String>);
    let summary = trend
        .series
        .iter()
        .map(|s| match (s.direction, s.change_pct) {
            (Some(direction), Some(pct)) => {
                format!("{}: {} ({pct:+.1} %)", s.competitor, direction.label())
            }
            _ => format!("{}: not enough weeks to tell", s.competitor),
        })
        .collect::<Vec<_>>()
        .join("; ");
    let label_every = (weeks / 8).max(1);
    let currency = trend.currency.clone();
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-labelledby="trend-title trend-desc" data-testid="trend-chart">
                <title id="trend-title">{format!("Weekly average price of {} ({})", trend.product, trend.currency)}</title>
                <desc id="trend-desc">{summary}</desc>
                {ticks.iter().map(|tick| view! {
                    <g class="tick">
                        <line x1=LEFT x2=WIDTH - RIGHT y1=y(*tick) y2=y(*tick) class="grid"/>
                        <text x=LEFT - 6.0 y=y(*tick) + 4.0 text-anchor="end">{format!("{tick:.2}")}</text>
                    </g>
                }).collect_view()}
                <line x1=LEFT x2=LEFT y1=TOP y2=HEIGHT - BOTTOM class="axis"/>
                <line x1=LEFT x2=WIDTH - RIGHT y1=HEIGHT - BOTTOM y2=HEIGHT - BOTTOM class="axis"/>
                {trend.weeks.iter().enumerate().filter(|(i, _)| i % label_every == 0).map(|(i, week)| view! {
                    <text x=x(i) y=HEIGHT - BOTTOM + 16.0 text-anchor="middle">{week.get(5..).unwrap_or(week).to_owned()}</text>
                }).collect_view()}
                <text x=LEFT y=14 class="unit">{currency.clone()}</text>
                {trend.series.iter().enumerate().map(|(n, series)| {
                    let colour = COLOURS[n % COLOURS.len()];
                    let points: Vec<(usize, f64)> = series.points.iter().enumerate().filter_map(|(i, p)| p.map(|p| (i, p))).collect();
                    let path = points.iter().map(|(i, p)| format!("{:.1},{:.1}", x(*i), y(*p))).collect::<Vec<_>>().join(" ");
                    let name = series.competitor.clone();
                    let weeks = trend.weeks.clone();
                    let currency = currency.clone();
                    view! {
                        <g class="series">
                            <polyline points=path fill="none" stroke=colour stroke-width="2"/>
                            {points.into_iter().map(|(i, price)| {
                                let detail = format!("{name}, week of {}: {price:.2} {currency}", weeks[i]);
                                let shown = detail.clone();
                                view! {
                                    <circle cx=x(i) cy=y(price) r="4" fill=colour tabindex="0"
                                        on:mouseenter=move |_| hovered.set(Some(shown.clone()))
                                        on:focus={let shown = detail.clone(); move |_| hovered.set(Some(shown.clone()))}>
                                        <title>{detail.clone()}</title>
                                    </circle>
                                }
                            }).collect_view()}
                        </g>
                    }
                }).collect_view()}
            </svg>
            <figcaption>
                <ul class="legend">
                    {trend.series.iter().enumerate().map(|(n, series)| view! {
                        // An SVG swatch: the page's CSP allows no inline style attributes.
                        <li>
                            <svg class="swatch" viewBox="0 0 10 10" aria-hidden="true"><rect width="10" height="10" fill=COLOURS[n % COLOURS.len()]/></svg>
                            {series.competitor.clone()}
                        </li>
                    }).collect_view()}
                </ul>
                <p class="hint" aria-live="polite" data-testid="chart-detail">
                    {move || hovered.get().unwrap_or_else(|| "Point at a dot for its week and price.".into())}
                </p>
            </figcaption>
        </figure>
    }
    .into_any()
}

/// Each competitor's median as a horizontal bar, cheapest first.
#[component]
pub fn MedianBars(competitors: Vec<CompetitorStats>, currency: String) -> impl IntoView {
    let max = competitors.iter().map(|c| c.stats.median).fold(0.0, f64::max).max(f64::EPSILON);
    let row = 28.0;
    let height = row * competitors.len() as f64 + 8.0;
    let label_width = 160.0;
    // The same colour as the competitor's line in the trend chart (series come in name order).
    let mut names: Vec<&str> = competitors.iter().map(|c| c.competitor.as_str()).collect();
    names.sort_unstable();
    let colour =
        |name: &str| COLOURS[names.iter().position(|n| *n == name).unwrap_or(0) % COLOURS.len()];
    view! {
        <svg viewBox=format!("0 0 {WIDTH} {height}") role="img" aria-label=format!("Median price per competitor, in {currency}") class="bars" data-testid="median-bars">
            {competitors.iter().enumerate().map(|(i, c)| {
                let width = (WIDTH - label_width - 90.0) * c.stats.median / max;
                let top = i as f64 * row + 4.0;
                view! {
                    <g>
                        <text x=label_width - 8.0 y=top + 17.0 text-anchor="end">{c.competitor.clone()}</text>
                        <rect x=label_width y=top width=width height=row - 8.0 fill=colour(&c.competitor)>
                            <title>{format!("{}: median {:.2} {currency}", c.competitor, c.stats.median)}</title>
                        </rect>
                        <text x=label_width + width + 6.0 y=top + 17.0>{format!("{:.2}", c.stats.median)}</text>
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}

#[cfg(test)]
mod tests;
