//! The demo organisations' markets: fictional competitors and a year of weekly prices per
//! product with gentle trends, seasonal wobble, recurring promotions and a few outliers, so that
//! analysis, trends and alerts show something meaningful after `make run`. Deterministic (no
//! randomness), and only written when the organisation has no market yet.
//!
//! [`generate`] also produces large data sets for benchmarks (`marketedge generate`).

use rust_decimal::prelude::FromPrimitive;
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::access::system::SystemCtx;
use crate::error::AppError;
use crate::markets::alerts;
use crate::model::market::product_template;
use crate::model::organisation::Industry;

struct DemoMarket {
    name: &'static str,
    region: &'static str,
    /// (name, business type, website, price factor, yearly drift)
    competitors: &'static [(&'static str, &'static str, &'static str, f64, f64)],
}

const NORTHWIND: [DemoMarket; 2] = [
    DemoMarket {
        name: "City Centre",
        region: "Northwind city centre",
        competitors: &[
            ("Starlight Multiplex", "Multiplex", "https://starlight.example", 1.05, 0.06),
            ("Odeon Arcade", "Multiplex", "https://odeon-arcade.example", 1.12, 0.03),
            ("The Picture House", "Independent", "https://picturehouse.example", 0.95, 0.08),
            ("Luma Screens", "Boutique", "https://luma.example", 1.25, 0.01),
            ("Budget Flicks", "Discount", "https://budgetflicks.example", 0.78, -0.02),
        ],
    },
    DemoMarket {
        name: "Riverside Retail Park",
        region: "Riverside",
        competitors: &[
            ("Riverside Cineworld", "Multiplex", "https://riverside-cine.example", 1.0, 0.05),
            ("Drive-In Dunes", "Drive-in", "https://dunes.example", 0.88, 0.02),
            ("Mega Screens", "Multiplex", "https://megascreens.example", 1.08, 0.04),
            ("Family Films", "Family cinema", "https://familyfilms.example", 0.9, 0.0),
            ("Vista Lounge", "Premium", "https://vista.example", 1.3, 0.07),
            ("Reel Deal", "Discount", "https://realdeal.example", 0.8, -0.03),
        ],
    },
];

const HARBOUR: [DemoMarket; 1] = [DemoMarket {
    name: "Waterfront",
    region: "Harbour district",
    competitors: &[
        ("Seaview Grand", "Hotel", "https://seaview.example", 1.3, 0.05),
        ("Dockside Inn", "Inn", "https://dockside.example", 0.85, 0.03),
        ("Lighthouse Suites", "Aparthotel", "https://lighthouse.example", 1.1, 0.04),
        ("Anchor Budget", "Budget hotel", "https://anchor.example", 0.7, 0.0),
    ],
}];

/// A typical price of each template product, by industry (in the market's currency).
fn base_price(industry: Industry, index: usize) -> f64 {
    let bases: &[f64] = match industry {
        Industry::Cinema => &[11.5, 14.0, 17.5, 15.0, 8.0, 6.5],
        Industry::Hotel => &[129.0, 95.0, 240.0, 18.0, 22.0],
        Industry::Gym => &[39.0, 12.0, 399.0, 55.0, 15.0],
        Industry::B2b => &[120.0, 2500.0, 900.0, 300.0],
        Industry::Retail => &[24.0, 3.5, 4.99, 29.0],
    };
    bases.get(index).copied().unwrap_or(10.0)
}

/// One week's price of a competitor's product: base × competitor factor × yearly drift ×
/// seasonal wobble; promotions take 20 % off; a few weeks are data-entry outliers.
pub fn weekly_price(
    base: f64,
    factor: f64,
    drift: f64,
    competitor: usize,
    product: usize,
    week: usize,
) -> (f64, bool) {
    let t = week as f64 / 52.0;
    let wobble =
        1.0 + 0.03 * ((week as f64) * 0.7 + competitor as f64 * 1.3 + product as f64 * 0.4).sin();
    let promotion = (week + competitor * 7 + product * 3).is_multiple_of(13);
    let outlier = week == 40 - competitor && product == 0 && competitor.is_multiple_of(3);
    let mut price = base * factor * (1.0 + drift * t) * wobble;
    if promotion {
        price *= 0.8;
    }
    if outlier {
        price *= 1.9;
    }
    (price, promotion)
}

/// Seeds the demo markets of the organisation `slug`, in a transaction scoped to it; returns
/// how many observations it wrote (0 when the organisation already has markets).
pub async fn seed(
    connection: &mut PgConnection,
    organisation_id: Uuid,
    slug: &str,
) -> Result<usize, sqlx::Error> {
    let existing = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM markets WHERE organisation_id = $1"#,
        organisation_id
    )
    .fetch_one(&mut *connection)
    .await?;
    if existing > 0 {
        return Ok(0);
    }
    let (markets, industry): (&[DemoMarket], Industry) = match slug {
        crate::host::demo::DEMO_ORGANISATION_SLUG => (&NORTHWIND, Industry::Cinema),
        _ => (&HARBOUR, Industry::Hotel),
    };
    let now = OffsetDateTime::now_utc();
    let mut written = 0;
    for market in markets {
        let market_id = Uuid::now_v7();
        sqlx::query!(
            "INSERT INTO markets (organisation_id, id, name, region, currency, created_at) VALUES ($1, $2, $3, $4, 'EUR', $5)",
            organisation_id,
            market_id,
            market.name,
            market.region,
            now
        )
        .execute(&mut *connection)
        .await?;
        let mut products = Vec::new();
        for name in product_template(industry) {
            let id = Uuid::now_v7();
            sqlx::query!(
                "INSERT INTO products (organisation_id, id, market_id, name, created_at) VALUES ($1, $2, $3, $4, $5)",
                organisation_id,
                id,
                market_id,
                name,
                now
            )
            .execute(&mut *connection)
            .await?;
            products.push(id);
        }
        let mut competitors = Vec::new();
        for (priority, (name, kind, website, factor, drift)) in
            market.competitors.iter().enumerate()
        {
            let id = Uuid::now_v7();
            sqlx::query!(
                "INSERT INTO competitors (organisation_id, id, market_id, name, business_type, website, priority, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                organisation_id,
                id,
                market_id,
                name,
                kind,
                website,
                (5 - (priority % 5)) as i16,
                now
            )
            .execute(&mut *connection)
            .await?;
            competitors.push((id, *factor, *drift));
        }
        written += generate(
            connection,
            organisation_id,
            market_id,
            industry,
            &competitors,
            &products,
            52,
            time::Duration::weeks(1),
            now,
        )
        .await?;
    }
    Ok(written)
}

/// Writes `weeks` observations for every competitor and product, `spacing` apart, the last one
/// a day before `end`. (The demo uses a week's spacing; benchmarks pack more into a year.)
#[allow(clippy::too_many_arguments)]
pub async fn generate(
    connection: &mut PgConnection,
    organisation_id: Uuid,
    market_id: Uuid,
    industry: Industry,
    competitors: &[(Uuid, f64, f64)],
    products: &[Uuid],
    weeks: usize,
    spacing: time::Duration,
    end: OffsetDateTime,
) -> Result<usize, sqlx::Error> {
    let (mut ids, mut competitor_ids, mut product_ids, mut prices, mut times, mut promotions) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (c, (competitor_id, factor, drift)) in competitors.iter().enumerate() {
        for (p, product_id) in products.iter().enumerate() {
            for week in 0..weeks {
                let (price, promotion) =
                    weekly_price(base_price(industry, p), *factor, *drift, c, p, week);
                ids.push(Uuid::now_v7());
                competitor_ids.push(*competitor_id);
                product_ids.push(*product_id);
                prices.push(Decimal::from_f64(price).unwrap_or(Decimal::ONE).round_dp(2));
                // Noon, one week apart, the last one yesterday.
                times.push(end - time::Duration::days(1) - spacing * (weeks - 1 - week) as i32);
                promotions.push(promotion);
            }
        }
    }
    for start in (0..ids.len()).step_by(5000) {
        let end = (start + 5000).min(ids.len());
        sqlx::query!(
            "INSERT INTO price_observations (organisation_id, id, market_id, competitor_id, product_id, price,
                 currency, observed_at, source, is_promotion, promotion_details, created_at)
             SELECT $1, id, $2, competitor_id, product_id, price, 'EUR', observed_at, 'demo data', promotion,
                    CASE WHEN promotion THEN '20 % off this week' ELSE '' END, now()
             FROM UNNEST($3::uuid[], $4::uuid[], $5::uuid[], $6::numeric[], $7::timestamptz[], $8::bool[])
                  AS t(id, competitor_id, product_id, price, observed_at, promotion)",
            organisation_id,
            market_id,
            &ids[start..end],
            &competitor_ids[start..end],
            &product_ids[start..end],
            &prices[start..end],
            &times[start..end],
            &promotions[start..end]
        )
        .execute(&mut *connection)
        .await?;
    }
    Ok(ids.len())
}

/// Adds about `observations` generated prices to a demo organisation's market, spread over the
/// last year (for benchmarks). Refused in production, like the demo data.
pub async fn generate_for_benchmark(
    pool: &sqlx::PgPool,
    env: crate::runtime::config::AppEnv,
    slug: &str,
    market: &str,
    observations: usize,
) -> Result<usize, String> {
    if env == crate::runtime::config::AppEnv::Production {
        return Err("generated prices are for development and test databases only".into());
    }
    let run = async {
        let mut tx = crate::runtime::db::begin(pool).await?;
        let found = sqlx::query!(
            r#"SELECT id, industry AS "industry: Industry" FROM organisations WHERE slug = $1"#,
            slug
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(organisation) = found else {
            return Ok(None);
        };
        SystemCtx::new("demo-benchmark-data").rescope(&mut tx, organisation.id).await?;
        let market_id = sqlx::query_scalar!(
            "SELECT id FROM markets WHERE organisation_id = $1 AND name = $2 AND archived_at IS NULL",
            organisation.id,
            market
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(market_id) = market_id else {
            return Ok(None);
        };
        let competitors: Vec<(Uuid, f64, f64)> = sqlx::query_scalar!(
            "SELECT id FROM competitors WHERE organisation_id = $1 AND market_id = $2 AND archived_at IS NULL ORDER BY id",
            organisation.id,
            market_id
        )
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .enumerate()
        .map(|(n, id)| (id, 0.8 + 0.1 * (n % 5) as f64, 0.02 * (n % 4) as f64))
        .collect();
        let products: Vec<Uuid> = sqlx::query_scalar!(
            "SELECT id FROM products WHERE organisation_id = $1 AND market_id = $2 ORDER BY created_at, id",
            organisation.id,
            market_id
        )
        .fetch_all(&mut *tx)
        .await?;
        let series = (competitors.len() * products.len()).max(1);
        let per_series = observations.div_ceil(series).max(1);
        let spacing = time::Duration::seconds((365 * 24 * 3600 / per_series as i64).max(1));
        let now = OffsetDateTime::now_utc();
        let written = generate(
            &mut tx,
            organisation.id,
            market_id,
            organisation.industry,
            &competitors,
            &products,
            per_series,
            spacing,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok::<_, sqlx::Error>(Some(written))
    };
    match run.await {
        Ok(Some(written)) => Ok(written),
        Ok(None) => Err(format!("no market named {market} in the organisation {slug}")),
        Err(error) => Err(error.to_string()),
    }
}

/// Alerts for the demo, raised by the real evaluation (`markets::alerts::evaluate`) over the last
/// four weeks of prices, as if each had just been recorded; the older half are then marked read
/// and every fourth of those resolved, so the alerts page shows each state and several
/// severities on a first run. Only for an organisation without alerts (seeding is idempotent).
pub async fn alerts(
    pool: &PgPool,
    organisation_id: Uuid,
    now: OffsetDateTime,
) -> Result<u64, AppError> {
    let mut tx = SystemCtx::new("demo-seed").tenant_tx(pool, organisation_id).await?;
    let existing = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM alerts WHERE organisation_id = $1"#,
        organisation_id
    )
    .fetch_one(tx.connection())
    .await?;
    if existing > 0 {
        return Ok(0);
    }
    let recent = sqlx::query!(
        "SELECT id, market_id, competitor_id, product_id, price, observed_at, is_promotion
         FROM price_observations
         WHERE organisation_id = $1 AND observed_at > $2
         ORDER BY observed_at, id",
        organisation_id,
        now - time::Duration::weeks(4)
    )
    .fetch_all(tx.connection())
    .await?;
    let mut raised = 0;
    for row in recent {
        let new = alerts::NewObservation {
            id: row.id,
            market_id: row.market_id,
            competitor_id: row.competitor_id,
            product_id: row.product_id,
            price: row.price,
            observed_at: row.observed_at,
            is_promotion: row.is_promotion,
        };
        raised += alerts::evaluate(&mut tx, &new, row.observed_at).await?;
    }
    sqlx::query!(
        "WITH older AS (
             SELECT id, row_number() OVER (ORDER BY created_at, id) AS n,
                    count(*) OVER () AS total
             FROM alerts WHERE organisation_id = $1
         )
         UPDATE alerts a
         SET read_at = a.created_at + interval '1 hour',
             resolved_at = CASE WHEN older.n % 4 = 0 THEN a.created_at + interval '1 day' END
         FROM older
         WHERE a.organisation_id = $1 AND a.id = older.id AND older.n <= older.total / 2",
        organisation_id
    )
    .execute(tx.connection())
    .await?;
    tx.commit().await?;
    Ok(raised)
}
