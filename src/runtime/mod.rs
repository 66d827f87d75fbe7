//! What a running server is made of, knowing no user and no feature: configuration, the clock,
//! the pool and migrations, request ids, the client's address, fair sharing of the server, the
//! metrics counters, CSV files, and the mail outbox. Compiled only with `ssr`, so none of it can
//! reach the browser bundle; it imports nothing above it but the shared value types.

pub mod api_doc;
pub mod app_error;
pub mod client_address;
pub mod clock;
pub mod config;
pub mod csv_file;
pub mod csv_safety;
pub mod db;
pub mod fair_share;
pub mod mail;
pub mod metrics;
pub mod request_id;

/// A keyset-pagination cursor, `<unix nanoseconds>.<row id>` of the previous page's last row;
/// 400 for anything else, including a time PostgreSQL cannot compare with (it holds no year
/// before 4713 BC: such a cursor once reached the database and failed there, a 500).
pub fn parse_page_cursor(
    cursor: &str,
) -> Result<(time::OffsetDateTime, uuid::Uuid), crate::error::AppError> {
    use crate::error::AppError;
    let (nanos, id) = cursor.split_once('.').ok_or(AppError::BadRequest)?;
    let nanos: i128 = nanos.parse().map_err(|_| AppError::BadRequest)?;
    let at =
        time::OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| AppError::BadRequest)?;
    // Rows are never older than year 1; the `time` crate's own bound (9999) is the upper one.
    if at.year() < 1 {
        return Err(AppError::BadRequest);
    }
    Ok((at, id.parse().map_err(|_| AppError::BadRequest)?))
}

/// A timestamp as the interface shows it: RFC 3339, UTC.
pub fn rfc3339(time: time::OffsetDateTime) -> String {
    time.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}
