//! Alerts: raised when an observation moves a competitor's price for a product by at least the
//! organisation's threshold from their previous observation, or starts a promotion. Everyone
//! reads them; analysts and admins resolve them; admins set the threshold.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::access::audit::{AuditAction, AuditEvent};
use crate::access::ctx::Ctx;
use crate::access::state::AppState;
use crate::access::tenant::TenantTx;
use crate::error::AppError;
use crate::markets::prices::trim_zeros;
use crate::model::account::Role;
use crate::model::market::{Alert, AlertKind, Severity};
use crate::model::validation::field_error;
use crate::runtime::rfc3339;

/// The observation just stored.
pub struct NewObservation {
    pub id: Uuid,
    pub market_id: Uuid,
    pub competitor_id: Uuid,
    pub product_id: Uuid,
    pub price: Decimal,
    pub observed_at: OffsetDateTime,
    pub is_promotion: bool,
}

/// Compares the new observation with the competitor's previous one for the product and
/// inserts the alerts it calls for, in the caller's transaction. Returns how many it raised, for
/// the caller to count once the transaction has committed.
pub async fn evaluate(
    tx: &mut TenantTx,
    new: &NewObservation,
    now: OffsetDateTime,
) -> Result<u64, AppError> {
    let organisation_id = tx.organisation_id();
    let previous = sqlx::query!(
        "SELECT price, is_promotion FROM price_observations
         WHERE organisation_id = $1 AND competitor_id = $2 AND product_id = $3
           AND (observed_at, id) < ($4, $5)
         ORDER BY observed_at DESC, id DESC LIMIT 1",
        organisation_id,
        new.competitor_id,
        new.product_id,
        new.observed_at,
        new.id
    )
    .fetch_optional(tx.connection())
    .await?;
    let threshold = sqlx::query_scalar!(
        "SELECT alert_threshold_pct FROM organisations WHERE id = $1",
        organisation_id
    )
    .fetch_one(tx.connection())
    .await?;
    let mut raised: Vec<(AlertKind, Severity, Option<Decimal>, Option<Decimal>)> = Vec::new();
    if let Some(previous) = &previous {
        let change =
            ((new.price - previous.price) / previous.price * Decimal::ONE_HUNDRED).round_dp(2);
        if change.abs() >= threshold {
            let kind = if change > Decimal::ZERO {
                AlertKind::PriceIncrease
            } else {
                AlertKind::PriceDecrease
            };
            let severity = Severity::of_change(
                change.to_f64().unwrap_or(0.0),
                threshold.to_f64().unwrap_or(5.0),
            );
            raised.push((kind, severity, Some(previous.price), Some(change)));
        }
    }
    let was_promotion = previous.as_ref().is_some_and(|previous| previous.is_promotion);
    if new.is_promotion && !was_promotion {
        raised.push((
            AlertKind::Promotion,
            Severity::Medium,
            previous.as_ref().map(|p| p.price),
            None,
        ));
    }
    let count = raised.len() as u64;
    for (kind, severity, previous_price, change) in raised {
        sqlx::query!(
            "INSERT INTO alerts (organisation_id, id, market_id, competitor_id, product_id, observation_id,
                 kind, severity, previous_price, new_price, change_pct, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            organisation_id,
            Uuid::now_v7(),
            new.market_id,
            new.competitor_id,
            new.product_id,
            new.id,
            kind as AlertKind,
            severity as Severity,
            previous_price,
            new.price,
            change,
            now
        )
        .execute(tx.connection())
        .await?;
    }
    Ok(count)
}

/// The newest alerts (200 at most), open ones only unless `include_resolved`, optionally of
/// one severity.
pub async fn list(
    ctx: &Ctx,
    state: &AppState,
    include_resolved: bool,
    severity: Option<Severity>,
) -> Result<Vec<Alert>, AppError> {
    ctx.require(Role::Viewer)?;
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let organisation_id = tx.organisation_id();
    let rows = sqlx::query!(
        r#"SELECT a.id, a.market_id, c.name AS competitor, p.name AS product,
                  a.kind AS "kind: AlertKind", a.severity AS "severity: Severity",
                  a.previous_price::text AS "previous_price?", a.new_price::text AS "new_price!",
                  a.change_pct::text AS "change_pct?", a.created_at, a.read_at, a.resolved_at
           FROM alerts a
           JOIN competitors c ON c.organisation_id = a.organisation_id AND c.id = a.competitor_id
           JOIN products p ON p.organisation_id = a.organisation_id AND p.id = a.product_id
           WHERE a.organisation_id = $1 AND ($2 OR a.resolved_at IS NULL)
             AND ($3::alert_severity IS NULL OR a.severity = $3)
           ORDER BY a.created_at DESC, a.id DESC
           LIMIT 200"#,
        organisation_id,
        include_resolved,
        severity as Option<Severity>
    )
    .fetch_all(tx.connection())
    .await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|row| Alert {
            id: row.id,
            market_id: row.market_id,
            competitor: row.competitor,
            product: row.product,
            kind: row.kind,
            severity: row.severity,
            previous_price: row.previous_price.as_deref().map(trim_zeros),
            new_price: trim_zeros(&row.new_price),
            change_pct: row.change_pct,
            created_at: rfc3339(row.created_at),
            read: row.read_at.is_some(),
            resolved: row.resolved_at.is_some(),
        })
        .collect())
}

/// How many open alerts nobody has read: the badge in the navigation.
pub async fn unread(ctx: &Ctx, state: &AppState) -> Result<i64, AppError> {
    ctx.require(Role::Viewer)?;
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let organisation_id = tx.organisation_id();
    let count = count_unread(tx.connection(), organisation_id).await?;
    tx.commit().await?;
    Ok(count)
}

/// The unread count's statement, on a connection scoped to `organisation_id` (shared with the
/// benchmark's baseline).
pub async fn count_unread(
    connection: &mut sqlx::PgConnection,
    organisation_id: Uuid,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM alerts WHERE organisation_id = $1 AND read_at IS NULL AND resolved_at IS NULL"#,
        organisation_id
    )
    .fetch_one(connection)
    .await
}

/// Marks an alert read (anyone in the organisation) or resolved (analysts and admins).
pub async fn mark(ctx: &Ctx, state: &AppState, id: Uuid, resolve: bool) -> Result<(), AppError> {
    ctx.require(if resolve { Role::Analyst } else { Role::Viewer })?;
    let now = state.clock.now();
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let organisation_id = tx.organisation_id();
    let updated = sqlx::query!(
        "UPDATE alerts SET read_at = coalesce(read_at, $3),
             resolved_at = CASE WHEN $4 THEN coalesce(resolved_at, $3) ELSE resolved_at END,
             resolved_by = CASE WHEN $4 THEN coalesce(resolved_by, $5) ELSE resolved_by END
         WHERE organisation_id = $1 AND id = $2",
        organisation_id,
        id,
        now,
        resolve,
        ctx.user_id()
    )
    .execute(tx.connection())
    .await?;
    if updated.rows_affected() != 1 {
        return Err(AppError::NotFound);
    }
    tx.commit().await
}

/// The organisation's alert threshold, in percent.
pub async fn threshold(ctx: &Ctx, state: &AppState) -> Result<String, AppError> {
    ctx.require(Role::Viewer)?;
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let organisation_id = tx.organisation_id();
    let pct = sqlx::query_scalar!(
        r#"SELECT alert_threshold_pct::text AS "pct!" FROM organisations WHERE id = $1"#,
        organisation_id
    )
    .fetch_one(tx.connection())
    .await?;
    tx.commit().await?;
    Ok(pct)
}

/// Sets the alert threshold (0 < pct ≤ 100, two decimals). Admins only.
pub async fn set_threshold(
    ctx: &Ctx,
    state: &AppState,
    pct: &str,
    client_address: &str,
) -> Result<(), AppError> {
    ctx.require(Role::Admin)?;
    let invalid = || AppError::Validation {
        fields: vec![field_error(
            "threshold",
            "out_of_range",
            "Enter a percentage above 0 and at most 100, like 5 or 7.5.",
        )],
    };
    let value = super::prices::plain_decimal(pct).ok_or_else(invalid)?;
    if value <= Decimal::ZERO || value > Decimal::ONE_HUNDRED || value.scale() > 2 {
        return Err(invalid());
    }
    let now = state.clock.now();
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let organisation_id = tx.organisation_id();
    let before = sqlx::query_scalar!(
        r#"SELECT alert_threshold_pct::text AS "pct!" FROM organisations WHERE id = $1 FOR UPDATE"#,
        organisation_id
    )
    .fetch_one(tx.connection())
    .await?;
    sqlx::query!(
        "UPDATE organisations SET alert_threshold_pct = $2 WHERE id = $1",
        organisation_id,
        value
    )
    .execute(tx.connection())
    .await?;
    let event = AuditEvent {
        action: AuditAction::AlertThresholdChanged,
        actor_user_id: Some(ctx.user_id()),
        subject: "alert threshold",
        client_address,
        detail: serde_json::json!({ "before": before, "after": value.to_string() }),
    };
    tx.audit(ctx, event, now).await?;
    tx.commit().await
}
