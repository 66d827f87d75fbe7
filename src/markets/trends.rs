//! Weekly price trends of one product in a market (the first one unless chosen): the average price per competitor per ISO
//! week (weeks start on Monday, UTC), computed by PostgreSQL, with each competitor's change
//! from their first to their last week in the period.

use time::{Date, Duration};
use uuid::Uuid;

use crate::access::ctx::Ctx;
use crate::access::state::AppState;
use crate::access::tenant::TenantTx;
use crate::error::AppError;
use crate::markets::analysis::period_days;
use crate::markets::prices::market_currency;
use crate::model::account::Role;
use crate::model::market::{Direction, Trend, TrendSeries};

/// The Mondays from the week of `from` to the week of `to`.
pub fn mondays(from: Date, to: Date) -> Vec<Date> {
    let start = from - Duration::days(from.weekday().number_days_from_monday().into());
    let mut weeks = Vec::new();
    let mut week = start;
    while week <= to {
        weeks.push(week);
        week += Duration::weeks(1);
    }
    weeks
}

pub async fn weekly(
    ctx: &Ctx,
    state: &AppState,
    market_id: Uuid,
    product_id: Option<Uuid>,
    days: Option<i32>,
) -> Result<Trend, AppError> {
    ctx.require(Role::Viewer)?;
    let days = period_days(days)?;
    let to = state.clock.now();
    let from = to - Duration::days(days.into());
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let organisation_id = tx.organisation_id();
    let currency = market_currency(&mut tx, market_id).await?;
    // Without a product, the market's first one.
    let chosen = sqlx::query!(
        "SELECT id, name FROM products WHERE organisation_id = $1 AND market_id = $2
           AND ($3::uuid IS NULL OR id = $3)
         ORDER BY created_at, id LIMIT 1",
        organisation_id,
        market_id,
        product_id
    )
    .fetch_optional(tx.connection())
    .await?
    .ok_or(AppError::NotFound)?;
    let (product_id, product) = (chosen.id, chosen.name);
    let rows = sqlx::query!(
        r#"SELECT c.name AS competitor,
                  date_trunc('week', o.observed_at AT TIME ZONE 'UTC')::date AS "week!",
                  avg(o.price)::float8 AS "average!"
           FROM price_observations o
           JOIN competitors c ON c.organisation_id = o.organisation_id AND c.id = o.competitor_id
           WHERE o.organisation_id = $1 AND o.market_id = $2 AND o.product_id = $3 AND o.currency = $4
             AND o.observed_at > $5 AND o.observed_at <= $6
           GROUP BY c.name, 2
           ORDER BY c.name, 2"#,
        organisation_id,
        market_id,
        product_id,
        currency,
        from,
        to
    )
    .fetch_all(tx.connection())
    .await?;
    tx.commit().await?;
    let weeks = mondays(from.date(), to.date());
    let mut series: Vec<TrendSeries> = Vec::new();
    for row in rows {
        if series.last().is_none_or(|last| last.competitor != row.competitor) {
            series.push(TrendSeries {
                competitor: row.competitor.clone(),
                points: vec![None; weeks.len()],
                change: None,
                change_pct: None,
                direction: None,
            });
        }
        if let (Some(current), Some(index)) =
            (series.last_mut(), weeks.iter().position(|week| *week == row.week))
        {
            current.points[index] = Some(row.average);
        }
    }
    for line in &mut series {
        let known: Vec<f64> = line.points.iter().flatten().copied().collect();
        if let (Some(first), Some(last)) = (known.first(), known.last()) {
            if known.len() >= 2 && *first != 0.0 {
                let change = last - first;
                let pct = change / first * 100.0;
                line.change = Some(change);
                line.change_pct = Some(pct);
                line.direction = Some(Direction::of(pct));
            }
        }
    }
    Ok(Trend {
        product_id,
        product,
        currency,
        weeks: weeks.iter().map(|week| week.to_string()).collect(),
        series,
    })
}

#[cfg(test)]
mod tests;
