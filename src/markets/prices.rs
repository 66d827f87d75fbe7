//! Prices and currencies as every part of the markets feature reads and writes them: a number as
//! a person types it, a price as the interface shows it, an ISO 4217 code, and a market's own
//! currency (what its prices are analysed in).

use rust_decimal::Decimal;
use uuid::Uuid;

use crate::access::tenant::TenantTx;
use crate::error::{AppError, FieldError};
use crate::model::validation::field_error;

/// A number typed by a person: digits and at most one point, nothing else. rust_decimal alone
/// also reads `1e5`, `1_000` and `+5`, which no price, share or percentage is written as.
pub fn plain_decimal(text: &str) -> Option<Decimal> {
    let text = text.trim();
    if !text.bytes().all(|byte| byte.is_ascii_digit() || byte == b'.') {
        return None;
    }
    text.parse::<Decimal>().ok()
}

/// `12.5000` → `12.50`: two decimals at least, trailing zeros beyond them dropped.
pub fn trim_zeros(price: &str) -> String {
    match price.split_once('.') {
        Some((whole, fraction)) => {
            let fraction = fraction.trim_end_matches('0');
            format!("{whole}.{fraction:0<2}")
        }
        None => format!("{price}.00"),
    }
}

/// An ISO 4217 code, upper-cased; a field problem otherwise.
pub fn check_currency(field: &str, code: &str) -> Result<String, FieldError> {
    let code = code.trim().to_ascii_uppercase();
    match iso_currency::Currency::from_code(&code) {
        Some(_) => Ok(code),
        None => Err(field_error(
            field,
            "invalid_currency",
            "Use an ISO 4217 currency code such as EUR or USD.",
        )),
    }
}

/// The market's currency (the one analysed); 404 when the market is not the caller's.
pub async fn market_currency(tx: &mut TenantTx, market_id: Uuid) -> Result<String, AppError> {
    let organisation_id = tx.organisation_id();
    sqlx::query_scalar!(
        r#"SELECT currency::text AS "currency!" FROM markets WHERE organisation_id = $1 AND id = $2 AND archived_at IS NULL"#,
        organisation_id,
        market_id
    )
    .fetch_optional(tx.connection())
    .await?
    .ok_or(AppError::NotFound)
}
