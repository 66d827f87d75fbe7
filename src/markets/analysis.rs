//! A market's price analysis for a period: descriptive statistics over the market and per
//! competitor, each competitor's rank and position, and the outliers by Tukey's fences. All of
//! it is computed by PostgreSQL aggregates over the period's rows in the market's currency;
//! quartiles are `percentile_cont` (linear interpolation between the closest ranks).

use time::OffsetDateTime;
use uuid::Uuid;

use crate::access::ctx::Ctx;
use crate::access::state::AppState;
use crate::access::tenant::TenantTx;
use crate::error::AppError;
use crate::markets::prices::{market_currency, trim_zeros};
use crate::model::account::Role;
use crate::model::market::{
    Analysis, CompetitorStats, Outlier, Position, Stats, PERIOD_DEFAULT_DAYS, PERIOD_MAX_DAYS,
};
use crate::model::validation::field_error;
use crate::runtime::rfc3339;

/// The period's day count, defaulted and bounded (1–365).
pub fn period_days(days: Option<i32>) -> Result<i32, AppError> {
    let days = days.unwrap_or(PERIOD_DEFAULT_DAYS);
    if (1..=PERIOD_MAX_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(AppError::Validation {
            fields: vec![field_error(
                "days",
                "out_of_range",
                format!("Choose a period of 1 to {PERIOD_MAX_DAYS} days."),
            )],
        })
    }
}

/// One aggregate row as [`Stats`]: mean, median, min, max, std dev, Q1, Q3 (SQL gives NULL for an
/// empty group, which has no statistics).
fn stats(count: i64, values: [Option<f64>; 7]) -> Option<Stats> {
    let [mean, median, min, max, std_dev, q1, q3] = values;
    (count > 0).then(|| Stats {
        count,
        mean: mean.unwrap_or_default(),
        median: median.unwrap_or_default(),
        min: min.unwrap_or_default(),
        max: max.unwrap_or_default(),
        range: max.unwrap_or_default() - min.unwrap_or_default(),
        std_dev: std_dev.unwrap_or_default(),
        q1: q1.unwrap_or_default(),
        q3: q3.unwrap_or_default(),
    })
}

pub async fn analyse(
    ctx: &Ctx,
    state: &AppState,
    market_id: Uuid,
    product_id: Option<Uuid>,
    days: Option<i32>,
) -> Result<Analysis, AppError> {
    ctx.require(Role::Viewer)?;
    let days = period_days(days)?;
    let to = state.clock.now();
    let from = to - time::Duration::days(days.into());
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let organisation_id = tx.organisation_id();
    let currency = market_currency(&mut tx, market_id).await?;
    let analysis =
        compute(&mut tx, organisation_id, market_id, product_id, &currency, from, to).await?;
    tx.commit().await?;
    Ok(Analysis { days, product_id, currency, ..analysis })
}

/// The analysis SQL itself (also run by the benchmark against the same rows).
pub async fn compute(
    tx: &mut TenantTx,
    organisation_id: Uuid,
    market_id: Uuid,
    product_id: Option<Uuid>,
    currency: &str,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Result<Analysis, AppError> {
    // One scan: the grouping set () is the whole market, (competitor_id) each competitor.
    let rows = sqlx::query!(
        r#"SELECT s.competitor_id AS "competitor_id?", c.name AS "competitor?", s.count AS "count!",
                  s.mean, s.median, s.min, s.max, s.std_dev, s.q1, s.q3,
                  rank() OVER (PARTITION BY s.competitor_id IS NULL ORDER BY s.median) AS "rank!"
           FROM (
               SELECT competitor_id, count(*) AS count, avg(price)::float8 AS mean,
                      percentile_cont(0.5) WITHIN GROUP (ORDER BY price::float8) AS median,
                      min(price)::float8 AS min, max(price)::float8 AS max,
                      coalesce(stddev_samp(price), 0)::float8 AS std_dev,
                      percentile_cont(0.25) WITHIN GROUP (ORDER BY price::float8) AS q1,
                      percentile_cont(0.75) WITHIN GROUP (ORDER BY price::float8) AS q3
               FROM price_observations
               WHERE organisation_id = $1 AND market_id = $2 AND currency = $3
                 AND observed_at > $4 AND observed_at <= $5
                 AND ($6::uuid IS NULL OR product_id = $6)
               GROUP BY GROUPING SETS ((), (competitor_id))
           ) s
           LEFT JOIN competitors c ON c.organisation_id = $1 AND c.id = s.competitor_id
           ORDER BY s.competitor_id IS NOT NULL, s.median, c.name"#,
        organisation_id,
        market_id,
        currency,
        from,
        to,
        product_id
    )
    .fetch_all(tx.connection())
    .await?;
    let mut rows = rows.into_iter();
    let market_stats = rows.next().and_then(|row| {
        stats(row.count, [row.mean, row.median, row.min, row.max, row.std_dev, row.q1, row.q3])
    });
    let Some(market_stats) = market_stats else {
        return Ok(Analysis {
            days: 0,
            product_id,
            currency: currency.to_owned(),
            market: None,
            competitors: Vec::new(),
            outliers: Vec::new(),
        });
    };
    let competitors = rows
        .filter_map(|row| {
            let stats = stats(
                row.count,
                [row.mean, row.median, row.min, row.max, row.std_dev, row.q1, row.q3],
            )?;
            let position = if stats.median < market_stats.q1 {
                Position::Low
            } else if stats.median > market_stats.q3 {
                Position::High
            } else {
                Position::Mid
            };
            Some(CompetitorStats {
                competitor_id: row.competitor_id?,
                competitor: row.competitor.unwrap_or_default(),
                stats,
                rank: row.rank,
                position,
            })
        })
        .collect();
    let iqr = market_stats.q3 - market_stats.q1;
    let (low, high) = (market_stats.q1 - 1.5 * iqr, market_stats.q3 + 1.5 * iqr);
    let outliers = sqlx::query!(
        r#"SELECT c.name AS competitor, p.name AS product, o.price::text AS "price!", o.observed_at
           FROM price_observations o
           JOIN competitors c ON c.organisation_id = o.organisation_id AND c.id = o.competitor_id
           JOIN products p ON p.organisation_id = o.organisation_id AND p.id = o.product_id
           WHERE o.organisation_id = $1 AND o.market_id = $2 AND o.currency = $3
             AND o.observed_at > $4 AND o.observed_at <= $5
             AND ($6::uuid IS NULL OR o.product_id = $6)
             AND (o.price::float8 < $7 OR o.price::float8 > $8)
           ORDER BY o.observed_at DESC
           LIMIT 50"#,
        organisation_id,
        market_id,
        currency,
        from,
        to,
        product_id,
        low,
        high
    )
    .fetch_all(tx.connection())
    .await?
    .into_iter()
    .map(|row| Outlier {
        competitor: row.competitor,
        product: row.product,
        price: trim_zeros(&row.price),
        observed_at: rfc3339(row.observed_at),
    })
    .collect();
    Ok(Analysis {
        days: 0,
        product_id,
        currency: currency.to_owned(),
        market: Some(market_stats),
        competitors,
        outliers,
    })
}
