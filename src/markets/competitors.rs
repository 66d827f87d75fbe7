//! Competitors in a market. Analysts and admins record and edit them; archiving keeps their
//! observations.

use rust_decimal::Decimal;
use uuid::Uuid;

use crate::access::audit::{AuditAction, AuditEvent};
use crate::access::ctx::Ctx;
use crate::access::state::AppState;
use crate::access::tenant::TenantTx;
use crate::error::{AppError, FieldError};
use crate::markets::check;
use crate::markets::prices::trim_zeros;
use crate::model::account::Role;
use crate::model::admin::check_name;
use crate::model::market::{Competitor, CompetitorProfile, LatestPrice};
use crate::model::validation::field_error;
use crate::runtime::rfc3339;

/// What an analyst enters for a competitor.
pub struct CompetitorInput<'a> {
    pub name: &'a str,
    pub business_type: &'a str,
    pub website: &'a str,
    pub locations: &'a str,
    pub priority: i16,
    pub market_share_pct: &'a str,
    pub description: &'a str,
}

/// A website must be an absolute http(s) URL with a host; anything else (javascript:, data:,
/// relative paths) is refused.
pub fn check_website(field: &str, website: &str) -> Option<FieldError> {
    let website = website.trim();
    if website.is_empty() {
        return None;
    }
    let valid = url::Url::parse(website).is_ok_and(|url| {
        matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty())
    });
    (!valid || website.len() > 500).then(|| {
        field_error(field, "invalid_url", "Enter a web address starting with http:// or https://.")
    })
}

fn bounded(field: &str, value: &str, max: usize, problems: &mut Vec<FieldError>) {
    if value.chars().count() > max {
        problems.push(field_error(field, "too_long", format!("Use at most {max} characters.")));
    }
}

fn parse(input: &CompetitorInput<'_>) -> Result<Option<Decimal>, AppError> {
    let mut problems: Vec<FieldError> = Vec::new();
    problems.extend(check_name("name", input.name, 1));
    problems.extend(check_website("website", input.website));
    bounded("business_type", input.business_type, 120, &mut problems);
    bounded("locations", input.locations, 500, &mut problems);
    bounded("description", input.description, 2000, &mut problems);
    if !(1..=5).contains(&input.priority) {
        problems.push(field_error("priority", "out_of_range", "Choose a priority from 1 to 5."));
    }
    let share = match input.market_share_pct.trim() {
        "" => None,
        text => match super::prices::plain_decimal(text) {
            Some(share)
                if share >= Decimal::ZERO
                    && share <= Decimal::ONE_HUNDRED
                    && share.scale() <= 2 =>
            {
                Some(share)
            }
            _ => {
                problems.push(field_error(
                    "market_share_pct",
                    "out_of_range",
                    "Enter a share from 0 to 100 (at most two decimals).",
                ));
                None
            }
        },
    };
    check(problems)?;
    Ok(share)
}

/// Creates a competitor in `market_id` (when `id` is `None`) or updates one.
pub async fn save(
    ctx: &Ctx,
    state: &AppState,
    market_id: Uuid,
    id: Option<Uuid>,
    input: CompetitorInput<'_>,
    client_address: &str,
) -> Result<Uuid, AppError> {
    ctx.require(Role::Analyst)?;
    let share = parse(&input)?;
    let now = state.clock.now();
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let organisation_id = tx.organisation_id();
    let market = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM markets WHERE organisation_id = $1 AND id = $2 AND archived_at IS NULL) AS "exists!""#,
        organisation_id,
        market_id
    )
    .fetch_one(tx.connection())
    .await?;
    if !market {
        return Err(AppError::NotFound);
    }
    let saved = match id {
        None => {
            let id = Uuid::now_v7();
            sqlx::query!(
                "INSERT INTO competitors (organisation_id, id, market_id, name, business_type, website,
                     locations, priority, market_share_pct, description, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                organisation_id,
                id,
                market_id,
                input.name.trim(),
                input.business_type.trim(),
                input.website.trim(),
                input.locations.trim(),
                input.priority,
                share,
                input.description.trim(),
                now
            )
            .execute(tx.connection())
            .await?;
            id
        }
        Some(id) => {
            let updated = sqlx::query!(
                "UPDATE competitors SET name = $4, business_type = $5, website = $6, locations = $7,
                     priority = $8, market_share_pct = $9, description = $10
                 WHERE organisation_id = $1 AND id = $2 AND market_id = $3 AND archived_at IS NULL",
                organisation_id,
                id,
                market_id,
                input.name.trim(),
                input.business_type.trim(),
                input.website.trim(),
                input.locations.trim(),
                input.priority,
                share,
                input.description.trim()
            )
            .execute(tx.connection())
            .await?;
            if updated.rows_affected() != 1 {
                return Err(AppError::NotFound);
            }
            id
        }
    };
    let event = AuditEvent {
        action: AuditAction::CompetitorSaved,
        actor_user_id: Some(ctx.user_id()),
        subject: input.name.trim(),
        client_address,
        detail: serde_json::json!({ "competitor": saved, "market": market_id, "created": id.is_none() }),
    };
    tx.audit(ctx, event, now).await?;
    tx.commit().await?;
    Ok(saved)
}

/// A competitor with its latest price of each product; 404 when not in the caller's market.
pub async fn profile(
    ctx: &Ctx,
    state: &AppState,
    market_id: Uuid,
    id: Uuid,
) -> Result<CompetitorProfile, AppError> {
    ctx.require(Role::Viewer)?;
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let organisation_id = tx.organisation_id();
    let found = sqlx::query!(
        r#"SELECT c.id, c.name, c.business_type, c.website, c.locations, c.priority,
                  c.market_share_pct::text AS "market_share_pct?", c.description, m.name AS market
           FROM competitors c JOIN markets m ON m.organisation_id = c.organisation_id AND m.id = c.market_id
           WHERE c.organisation_id = $1 AND c.market_id = $2 AND c.id = $3 AND m.archived_at IS NULL"#,
        organisation_id,
        market_id,
        id
    )
    .fetch_optional(tx.connection())
    .await?
    .ok_or(AppError::NotFound)?;
    let latest = sqlx::query!(
        r#"SELECT DISTINCT ON (o.product_id) p.name AS product, o.price::text AS "price!",
                  o.currency::text AS "currency!", o.observed_at, o.is_promotion
           FROM price_observations o
           JOIN products p ON p.organisation_id = o.organisation_id AND p.id = o.product_id
           WHERE o.organisation_id = $1 AND o.competitor_id = $2
           ORDER BY o.product_id, o.observed_at DESC, o.id DESC"#,
        organisation_id,
        id
    )
    .fetch_all(tx.connection())
    .await?
    .into_iter()
    .map(|row| LatestPrice {
        product: row.product,
        price: trim_zeros(&row.price),
        currency: row.currency,
        observed_at: rfc3339(row.observed_at),
        is_promotion: row.is_promotion,
    })
    .collect();
    tx.commit().await?;
    let competitor = Competitor {
        id: found.id,
        name: found.name,
        business_type: found.business_type,
        website: found.website,
        locations: found.locations,
        priority: found.priority,
        market_share_pct: found.market_share_pct,
        description: found.description,
    };
    Ok(CompetitorProfile { market_id, market: found.market, competitor, latest })
}

/// Archives a competitor: it leaves the lists and the analysis of new periods keeps its past
/// observations.
pub async fn archive(
    ctx: &Ctx,
    state: &AppState,
    id: Uuid,
    client_address: &str,
) -> Result<(), AppError> {
    ctx.require(Role::Analyst)?;
    let now = state.clock.now();
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let organisation_id = tx.organisation_id();
    let name = sqlx::query_scalar!(
        "UPDATE competitors SET archived_at = $3 WHERE organisation_id = $1 AND id = $2 AND archived_at IS NULL RETURNING name",
        organisation_id,
        id,
        now
    )
    .fetch_optional(tx.connection())
    .await?;
    let detail = serde_json::json!({ "competitor": id });
    tx.finish_one_row_change(
        ctx,
        name,
        AuditAction::CompetitorArchived,
        client_address,
        detail,
        now,
    )
    .await
}

#[cfg(test)]
mod tests;
