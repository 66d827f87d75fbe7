//! Price observations: recorded by analysts (form, or an API client with a bearer token), listed
//! newest first with keyset pagination. Recording one evaluates alerts in the same transaction.

use rust_decimal::Decimal;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::access::ctx::Ctx;
use crate::access::state::AppState;
use crate::access::tenant::TenantTx;
use crate::error::{AppError, FieldError};
use crate::markets::alerts;
use crate::markets::prices::{check_currency, market_currency, plain_decimal, trim_zeros};
use crate::model::account::Role;
use crate::model::market::{Observation, ObservationPage};
use crate::model::validation::field_error;
use crate::runtime::metrics;
use crate::runtime::parse_page_cursor;
use crate::runtime::rfc3339;

/// Rows per page of the observation list.
pub const PAGE_SIZE: i64 = 50;
/// Prices are below a billion, with at most four decimals.
const PRICE_LIMIT: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

/// What an analyst (or an API client) records.
pub struct ObservationInput<'a> {
    pub competitor_id: Uuid,
    pub product_id: Uuid,
    pub price: &'a str,
    pub currency: &'a str,
    /// RFC 3339, `YYYY-MM-DDTHH:MM` (UTC) or `YYYY-MM-DD`; empty means now.
    pub observed_at: &'a str,
    pub source: &'a str,
    pub is_promotion: bool,
    pub promotion_details: &'a str,
}

pub fn parse_price(field: &str, text: &str) -> Result<Decimal, FieldError> {
    let invalid = || {
        field_error(
            field,
            "invalid_price",
            "Enter a price above 0 and below 1,000,000,000, with at most 4 decimals.",
        )
    };
    let price = plain_decimal(text).ok_or_else(invalid)?;
    if price <= Decimal::ZERO || price >= PRICE_LIMIT || price.scale() > 4 {
        return Err(invalid());
    }
    Ok(price)
}

pub fn parse_observed_at(
    field: &str,
    text: &str,
    now: OffsetDateTime,
) -> Result<OffsetDateTime, FieldError> {
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    let text = text.trim();
    let invalid = || {
        field_error(
            field,
            "invalid_time",
            "Enter when it was seen, like 2026-11-28 or 2026-11-28T14:30.",
        )
    };
    let at = if text.is_empty() {
        now
    } else if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        at
    } else if let Ok(at) = time::PrimitiveDateTime::parse(
        text,
        format_description!("[year]-[month]-[day]T[hour]:[minute]"),
    ) {
        at.assume_utc()
    } else if let Ok(date) = time::Date::parse(text, format_description!("[year]-[month]-[day]")) {
        date.midnight().assume_utc()
    } else {
        return Err(invalid());
    };
    // A minute of slack for clocks that run slightly ahead.
    if at > now + time::Duration::minutes(1) {
        return Err(field_error(field, "in_future", "An observation cannot be in the future."));
    }
    if at.year() < 2000 {
        return Err(invalid());
    }
    Ok(at)
}

/// A checked observation, ready to store.
pub struct Checked {
    pub price: Decimal,
    pub currency: String,
    pub observed_at: OffsetDateTime,
}

pub fn validate(
    input: &ObservationInput<'_>,
    now: OffsetDateTime,
) -> Result<Checked, Vec<FieldError>> {
    let mut problems = Vec::new();
    let price = parse_price("price", input.price).map_err(|p| problems.push(p)).ok();
    let currency = check_currency("currency", input.currency).map_err(|p| problems.push(p)).ok();
    let observed_at =
        parse_observed_at("observed_at", input.observed_at, now).map_err(|p| problems.push(p)).ok();
    if input.source.chars().count() > 200 {
        problems.push(field_error("source", "too_long", "Use at most 200 characters."));
    }
    if input.promotion_details.chars().count() > 500 {
        problems.push(field_error("promotion_details", "too_long", "Use at most 500 characters."));
    }
    match (price, currency, observed_at) {
        (Some(price), Some(currency), Some(observed_at)) if problems.is_empty() => {
            Ok(Checked { price, currency, observed_at })
        }
        _ => Err(problems),
    }
}

/// An observation stored in a transaction not yet committed.
pub struct Stored {
    pub id: Uuid,
    /// Alerts it raised; counted in the metrics only after the commit.
    pub alerts_raised: u64,
}

/// Stores one observation in the transaction (its competitor and product must belong to
/// `market_id`, else 404) and raises the alerts it calls for.
pub async fn insert(
    tx: &mut TenantTx,
    ctx: &Ctx,
    market_id: Uuid,
    input: &ObservationInput<'_>,
    checked: &Checked,
    now: OffsetDateTime,
) -> Result<Stored, AppError> {
    let organisation_id = tx.organisation_id();
    let belongs = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM competitors c JOIN products p
                              ON p.organisation_id = c.organisation_id AND p.market_id = c.market_id
                          WHERE c.organisation_id = $1 AND c.market_id = $2 AND c.id = $3
                            AND c.archived_at IS NULL AND p.id = $4) AS "belongs!""#,
        organisation_id,
        market_id,
        input.competitor_id,
        input.product_id
    )
    .fetch_one(tx.connection())
    .await?;
    if !belongs {
        return Err(AppError::NotFound);
    }
    let id = Uuid::now_v7();
    sqlx::query!(
        "INSERT INTO price_observations (organisation_id, id, market_id, competitor_id, product_id,
             price, currency, observed_at, source, is_promotion, promotion_details, recorded_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        organisation_id,
        id,
        market_id,
        input.competitor_id,
        input.product_id,
        checked.price,
        checked.currency,
        checked.observed_at,
        input.source.trim(),
        input.is_promotion,
        if input.is_promotion { input.promotion_details.trim() } else { "" },
        ctx.user_id(),
        now
    )
    .execute(tx.connection())
    .await?;
    let new = alerts::NewObservation {
        id,
        market_id,
        competitor_id: input.competitor_id,
        product_id: input.product_id,
        price: checked.price,
        observed_at: checked.observed_at,
        is_promotion: input.is_promotion,
    };
    let alerts_raised = alerts::evaluate(tx, &new, now).await?;
    Ok(Stored { id, alerts_raised })
}

/// Records one observation. Analysts and admins.
pub async fn record(
    ctx: &Ctx,
    state: &AppState,
    market_id: Uuid,
    input: ObservationInput<'_>,
) -> Result<Uuid, AppError> {
    ctx.require(Role::Analyst)?;
    let now = state.clock.now();
    let checked = validate(&input, now).map_err(|fields| AppError::Validation { fields })?;
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let stored = insert(&mut tx, ctx, market_id, &input, &checked, now).await?;
    tx.commit().await?;
    metrics::alerts_created(stored.alerts_raised);
    Ok(stored.id)
}

/// A market's observations, newest first, optionally for one competitor or product.
pub async fn list(
    ctx: &Ctx,
    state: &AppState,
    market_id: Uuid,
    competitor_id: Option<Uuid>,
    product_id: Option<Uuid>,
    after: Option<&str>,
) -> Result<ObservationPage, AppError> {
    ctx.require(Role::Viewer)?;
    let cursor = after.filter(|a| !a.is_empty()).map(parse_page_cursor).transpose()?;
    let (after_at, after_id) = cursor.unzip();
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let organisation_id = tx.organisation_id();
    market_currency(&mut tx, market_id).await?;
    let mut rows = sqlx::query!(
        r#"SELECT o.id, c.name AS competitor, p.name AS product, o.price::text AS "price!",
                  o.currency::text AS "currency!", o.observed_at, o.source, o.is_promotion, o.promotion_details
           FROM price_observations o
           JOIN competitors c ON c.organisation_id = o.organisation_id AND c.id = o.competitor_id
           JOIN products p ON p.organisation_id = o.organisation_id AND p.id = o.product_id
           WHERE o.organisation_id = $1 AND o.market_id = $2
             AND ($3::uuid IS NULL OR o.competitor_id = $3)
             AND ($4::uuid IS NULL OR o.product_id = $4)
             AND ($5::timestamptz IS NULL OR (o.observed_at, o.id) < ($5, $6))
           ORDER BY o.observed_at DESC, o.id DESC
           LIMIT $7"#,
        organisation_id,
        market_id,
        competitor_id,
        product_id,
        after_at,
        after_id,
        PAGE_SIZE + 1
    )
    .fetch_all(tx.connection())
    .await?;
    tx.commit().await?;
    let next = (rows.len() as i64 > PAGE_SIZE).then(|| {
        let last = &rows[PAGE_SIZE as usize - 1];
        format!("{}.{}", last.observed_at.unix_timestamp_nanos(), last.id)
    });
    rows.truncate(PAGE_SIZE as usize);
    Ok(ObservationPage {
        rows: rows
            .into_iter()
            .map(|row| Observation {
                id: row.id,
                competitor: row.competitor,
                product: row.product,
                price: trim_zeros(&row.price),
                currency: row.currency,
                observed_at: rfc3339(row.observed_at),
                source: row.source,
                is_promotion: row.is_promotion,
                promotion_details: row.promotion_details,
            })
            .collect(),
        next,
    })
}

#[cfg(test)]
mod tests;
