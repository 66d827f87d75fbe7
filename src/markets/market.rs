//! Markets and the products priced in them. Admins create, edit and archive markets; everyone
//! in the organisation reads them.

use uuid::Uuid;

use crate::access::audit::{AuditAction, AuditEvent};
use crate::access::ctx::Ctx;
use crate::access::state::AppState;
use crate::access::tenant::TenantTx;
use crate::error::{AppError, FieldError};
use crate::markets::check;
use crate::markets::prices::check_currency;
use crate::model::account::Role;
use crate::model::admin::check_name;
use crate::model::market::{product_template, Competitor, Market, MarketDetail, Product};
use crate::model::organisation::Industry;
use crate::model::validation::field_error;

/// Active markets (all, or one) with their competitor and observation counts, on a connection
/// whose transaction is scoped to the organisation. (Public so the benchmark's baseline runs
/// exactly this SQL.)
pub async fn select(
    connection: &mut sqlx::PgConnection,
    organisation_id: Uuid,
    id: Option<Uuid>,
) -> Result<Vec<Market>, sqlx::Error> {
    sqlx::query_as!(
        Market,
        r#"SELECT m.id, m.name, m.region, m.currency::text AS "currency!",
                  (SELECT count(*) FROM competitors c WHERE c.organisation_id = m.organisation_id
                      AND c.market_id = m.id AND c.archived_at IS NULL) AS "competitors!",
                  m.observation_count AS observations
           FROM markets m
           WHERE m.organisation_id = $1 AND m.archived_at IS NULL AND ($2::uuid IS NULL OR m.id = $2)
           ORDER BY lower(m.name)"#,
        organisation_id,
        id
    )
    .fetch_all(connection)
    .await
}

/// The organisation's active markets with their competitor and observation counts.
pub async fn list(ctx: &Ctx, state: &AppState) -> Result<Vec<Market>, AppError> {
    ctx.require(Role::Viewer)?;
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let organisation_id = tx.organisation_id();
    let markets = select(tx.connection(), organisation_id, None).await?;
    tx.commit().await?;
    Ok(markets)
}

/// One market with its products and active competitors; 404 when not the caller's.
pub async fn detail(
    ctx: &Ctx,
    state: &AppState,
    market_id: Uuid,
) -> Result<MarketDetail, AppError> {
    ctx.require(Role::Viewer)?;
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let organisation_id = tx.organisation_id();
    let market = select(tx.connection(), organisation_id, Some(market_id))
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    let products = sqlx::query_as!(
        Product,
        "SELECT id, name FROM products WHERE organisation_id = $1 AND market_id = $2 ORDER BY created_at, id",
        organisation_id,
        market_id
    )
    .fetch_all(tx.connection())
    .await?;
    let competitors = sqlx::query_as!(
        Competitor,
        r#"SELECT id, name, business_type, website, locations, priority,
                  market_share_pct::text AS "market_share_pct?", description
           FROM competitors
           WHERE organisation_id = $1 AND market_id = $2 AND archived_at IS NULL
           ORDER BY priority DESC, lower(name)"#,
        organisation_id,
        market_id
    )
    .fetch_all(tx.connection())
    .await?;
    tx.commit().await?;
    Ok(MarketDetail { market, products, competitors })
}

/// What an admin enters for a market.
pub struct MarketInput<'a> {
    pub name: &'a str,
    pub region: &'a str,
    pub currency: &'a str,
}

fn parse(input: &MarketInput<'_>) -> Result<String, AppError> {
    let mut problems: Vec<FieldError> = Vec::new();
    problems.extend(check_name("name", input.name, 2));
    if input.region.chars().count() > 120 {
        problems.push(field_error("region", "too_long", "Use at most 120 characters."));
    }
    let currency =
        check_currency("currency", input.currency).map_err(|problem| problems.push(problem)).ok();
    check(problems)?;
    Ok(currency.unwrap_or_default())
}

/// Creates a market; with `adopt_template`, also the products the organisation's industry
/// suggests (editable afterwards). Admins only.
pub async fn create(
    ctx: &Ctx,
    state: &AppState,
    input: MarketInput<'_>,
    adopt_template: bool,
    client_address: &str,
) -> Result<Uuid, AppError> {
    ctx.require(Role::Admin)?;
    let currency = parse(&input)?;
    let now = state.clock.now();
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let organisation_id = tx.organisation_id();
    let id = Uuid::now_v7();
    let inserted = sqlx::query!(
        "INSERT INTO markets (organisation_id, id, name, region, currency, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        organisation_id,
        id,
        input.name.trim(),
        input.region.trim(),
        currency,
        now
    )
    .execute(tx.connection())
    .await;
    inserted.map_err(AppError::from_write)?;
    if adopt_template {
        let industry = sqlx::query_scalar!(
            r#"SELECT industry AS "industry: Industry" FROM organisations WHERE id = $1"#,
            organisation_id
        )
        .fetch_one(tx.connection())
        .await?;
        for name in product_template(industry) {
            insert_product(&mut tx, id, name, now).await?;
        }
    }
    let event = AuditEvent {
        action: AuditAction::MarketCreated,
        actor_user_id: Some(ctx.user_id()),
        subject: input.name.trim(),
        client_address,
        detail: serde_json::json!({ "market": id, "currency": currency, "template": adopt_template }),
    };
    tx.audit(ctx, event, now).await?;
    tx.commit().await?;
    Ok(id)
}

async fn insert_product(
    tx: &mut TenantTx,
    market_id: Uuid,
    name: &str,
    now: time::OffsetDateTime,
) -> Result<Uuid, sqlx::Error> {
    let organisation_id = tx.organisation_id();
    let id = Uuid::now_v7();
    sqlx::query!(
        "INSERT INTO products (organisation_id, id, market_id, name, created_at) VALUES ($1, $2, $3, $4, $5)",
        organisation_id,
        id,
        market_id,
        name.trim(),
        now
    )
    .execute(tx.connection())
    .await?;
    Ok(id)
}

/// Renames a market or changes its region or currency. Admins only.
pub async fn update(
    ctx: &Ctx,
    state: &AppState,
    market_id: Uuid,
    input: MarketInput<'_>,
    client_address: &str,
) -> Result<(), AppError> {
    ctx.require(Role::Admin)?;
    let currency = parse(&input)?;
    let now = state.clock.now();
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let organisation_id = tx.organisation_id();
    let updated = sqlx::query!(
        "UPDATE markets SET name = $3, region = $4, currency = $5
         WHERE organisation_id = $1 AND id = $2 AND archived_at IS NULL",
        organisation_id,
        market_id,
        input.name.trim(),
        input.region.trim(),
        currency
    )
    .execute(tx.connection())
    .await;
    let updated = updated.map_err(AppError::from_write)?;
    if updated.rows_affected() != 1 {
        return Err(AppError::NotFound);
    }
    let event = AuditEvent {
        action: AuditAction::MarketUpdated,
        actor_user_id: Some(ctx.user_id()),
        subject: input.name.trim(),
        client_address,
        detail: serde_json::json!({ "market": market_id, "region": input.region.trim(), "currency": currency }),
    };
    tx.audit(ctx, event, now).await?;
    tx.commit().await
}

/// Archives a market: it leaves the lists; its observations are kept. Admins only.
pub async fn archive(
    ctx: &Ctx,
    state: &AppState,
    market_id: Uuid,
    client_address: &str,
) -> Result<(), AppError> {
    ctx.require(Role::Admin)?;
    let now = state.clock.now();
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let organisation_id = tx.organisation_id();
    let name = sqlx::query_scalar!(
        "UPDATE markets SET archived_at = $3 WHERE organisation_id = $1 AND id = $2 AND archived_at IS NULL RETURNING name",
        organisation_id,
        market_id,
        now
    )
    .fetch_optional(tx.connection())
    .await?;
    let detail = serde_json::json!({ "market": market_id });
    tx.finish_one_row_change(ctx, name, AuditAction::MarketArchived, client_address, detail, now)
        .await
}

/// Adds a product or service to a market. Admins only.
pub async fn add_product(
    ctx: &Ctx,
    state: &AppState,
    market_id: Uuid,
    name: &str,
) -> Result<Uuid, AppError> {
    ctx.require(Role::Admin)?;
    check(check_name("name", name, 1).into_iter().collect())?;
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let organisation_id = tx.organisation_id();
    let exists = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM markets WHERE organisation_id = $1 AND id = $2 AND archived_at IS NULL) AS "exists!""#,
        organisation_id,
        market_id
    )
    .fetch_one(tx.connection())
    .await?;
    if !exists {
        return Err(AppError::NotFound);
    }
    let id = insert_product(&mut tx, market_id, name, state.clock.now())
        .await
        .map_err(AppError::from_write)?;
    tx.commit().await?;
    Ok(id)
}
