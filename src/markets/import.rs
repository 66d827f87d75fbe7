//! Importing price observations into a market from a CSV file. Columns (header required, any
//! order): `competitor`, `product` (names as in the market), `price`, `observed_at`, and
//! optionally `currency` (default: the market's), `source`, `promotion` (yes/no, true/false,
//! 1/0) and `promotion_details`. The whole file is checked first and every bad row reported by
//! line; observations are stored (and alerts raised) only if every row is valid, all in one
//! transaction. A cell the export marked against spreadsheet formulas (`'=…`, `''…`) is read
//! without its mark, so the export's `observations.csv` imports back as it was.

use std::collections::HashMap;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::access::ctx::Ctx;
use crate::access::state::AppState;
use crate::access::tenant::TenantTx;
use crate::error::AppError;
use crate::markets::observations::{self, Checked, ObservationInput};
use crate::markets::prices::market_currency;
use crate::model::account::Role;
use crate::model::admin::{ImportProblem, ImportReport};
use crate::runtime::csv_file::{self, problem};
use crate::runtime::metrics;

use crate::model::market::IMPORT_MAX_ROWS as MAX_ROWS;

/// A market's competitors and products by lower-cased name: what the file's names must match.
pub struct MarketNames {
    pub competitors: HashMap<String, Uuid>,
    pub products: HashMap<String, Uuid>,
}

fn parse_flag(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "no" | "false" | "0" | "n" => Some(false),
        "yes" | "true" | "1" | "y" => Some(true),
        _ => None,
    }
}

/// Reads an observation file: its data rows by line (values in the order of the required
/// columns, then the optional ones) and the problems of its shape.
pub fn read(text: &str) -> (Vec<(usize, Vec<String>)>, Vec<ImportProblem>) {
    csv_file::rows(
        text,
        &["competitor", "product", "price", "observed_at"],
        &["currency", "source", "promotion", "promotion_details"],
        MAX_ROWS,
    )
}

/// Checks the rows [`read`] gave against a market (its `currency` and `names`) without touching
/// the database, so the whole of it can be fuzzed: the valid observations ready to store, and
/// every problem (`problems`, the file's shape problems, included) sorted by line.
pub fn check<'a>(
    rows: &'a [(usize, Vec<String>)],
    mut problems: Vec<ImportProblem>,
    currency: &'a str,
    names: &MarketNames,
    now: OffsetDateTime,
) -> (Vec<(ObservationInput<'a>, Checked)>, Vec<ImportProblem>) {
    let mut valid = Vec::new();
    for (line, values) in rows {
        let [competitor, product, price, observed_at, row_currency, source, promotion, details] =
            &values[..]
        else {
            continue;
        };
        let mut row_problems: Vec<ImportProblem> = Vec::new();
        let competitor_id = names.competitors.get(&competitor.to_lowercase()).copied();
        if competitor_id.is_none() {
            row_problems.push(problem(
                *line,
                format!("No competitor named \"{competitor}\" in this market."),
            ));
        }
        let product_id = names.products.get(&product.to_lowercase()).copied();
        if product_id.is_none() {
            row_problems
                .push(problem(*line, format!("No product named \"{product}\" in this market.")));
        }
        let is_promotion = parse_flag(promotion);
        if is_promotion.is_none() {
            row_problems.push(problem(*line, "The promotion column must be yes or no."));
        }
        let row_currency = if row_currency.is_empty() { currency } else { row_currency.as_str() };
        let input = ObservationInput {
            competitor_id: competitor_id.unwrap_or_default(),
            product_id: product_id.unwrap_or_default(),
            price,
            currency: row_currency,
            observed_at,
            source,
            is_promotion: is_promotion.unwrap_or(false),
            promotion_details: details,
        };
        match observations::validate(&input, now) {
            Ok(checked) if row_problems.is_empty() => valid.push((input, checked)),
            Ok(_) => {}
            Err(fields) => {
                row_problems.extend(fields.into_iter().map(|field| problem(*line, field.message)))
            }
        }
        problems.extend(row_problems);
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(problem(2, "The file holds no observations."));
    }
    problems.sort_by_key(|p| p.line);
    (valid, problems)
}

pub async fn run(
    ctx: &Ctx,
    state: &AppState,
    market_id: Uuid,
    text: &str,
    commit: bool,
) -> Result<ImportReport, AppError> {
    ctx.require(Role::Analyst)?;
    let now = state.clock.now();
    let (rows, problems) = read(text);
    let count = rows.len();
    let mut tx = TenantTx::begin(ctx, &state.pool).await?;
    let organisation_id = tx.organisation_id();
    let currency = market_currency(&mut tx, market_id).await?;
    // Names are matched case-insensitively within this market.
    let competitors: HashMap<String, Uuid> = sqlx::query!(
        r#"SELECT lower(name) AS "name!", id FROM competitors
           WHERE organisation_id = $1 AND market_id = $2 AND archived_at IS NULL"#,
        organisation_id,
        market_id
    )
    .fetch_all(tx.connection())
    .await?
    .into_iter()
    .map(|row| (row.name, row.id))
    .collect();
    let products: HashMap<String, Uuid> = sqlx::query!(
        r#"SELECT lower(name) AS "name!", id FROM products WHERE organisation_id = $1 AND market_id = $2"#,
        organisation_id,
        market_id
    )
    .fetch_all(tx.connection())
    .await?
    .into_iter()
    .map(|row| (row.name, row.id))
    .collect();
    let names = MarketNames { competitors, products };
    let (valid, problems) = check(&rows, problems, &currency, &names, now);
    if !problems.is_empty() || !commit {
        return Ok(ImportReport { rows: count, problems, imported: false });
    }
    let mut alerts_raised = 0;
    for (input, checked) in &valid {
        alerts_raised +=
            observations::insert(&mut tx, ctx, market_id, input, checked, now).await?.alerts_raised;
    }
    tx.commit().await?;
    metrics::alerts_created(alerts_raised);
    Ok(ImportReport { rows: count, problems, imported: true })
}

#[cfg(test)]
mod tests;
