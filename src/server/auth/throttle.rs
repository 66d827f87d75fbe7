//! Failed-login throttling per account and per client address, stored in PostgreSQL so every app
//! instance counts the same attempts.
//!
//! After a few failures each further failure locks the key for a growing time (1, 2, 4 …
//! minutes, at most an hour). Nothing locks forever, a successful login clears the account's
//! counter, and a quiet hour starts a fresh window. Unknown emails are counted like known ones,
//! so the lock itself reveals nothing about which accounts exist.

use std::time::Duration;

use sqlx::PgPool;
use time::OffsetDateTime;

const ACCOUNT_FREE_FAILURES: i32 = 5;
/// Per address the allowance is larger: offices and mobile carriers share addresses.
const ADDRESS_FREE_FAILURES: i32 = 50;
const MAX_LOCK: Duration = Duration::from_secs(60 * 60);

/// The two counters one login attempt touches.
#[derive(Debug, Clone)]
pub struct ThrottleKeys {
    pub account: String,
    pub address: String,
}

impl ThrottleKeys {
    pub fn new(normalised_email: &str, client_address: &str) -> Self {
        ThrottleKeys {
            account: format!("account:{normalised_email}"),
            address: format!("address:{client_address}"),
        }
    }
}

/// When the later of the two locks ends, if either is in force.
pub async fn locked_until(
    pool: &PgPool,
    keys: &ThrottleKeys,
    now: OffsetDateTime,
) -> Result<Option<OffsetDateTime>, sqlx::Error> {
    let until = sqlx::query_scalar!(
        "SELECT max(locked_until) FROM login_throttle
         WHERE key IN ($1, $2) AND locked_until > $3",
        keys.account,
        keys.address,
        now,
    )
    .fetch_one(pool)
    .await?;
    Ok(until)
}

/// Counts a failure on both keys; returns the lock it started, if it started one.
pub async fn record_failure(
    pool: &PgPool,
    keys: &ThrottleKeys,
    now: OffsetDateTime,
) -> Result<Option<OffsetDateTime>, sqlx::Error> {
    let account = count_failure(pool, &keys.account, ACCOUNT_FREE_FAILURES, now).await?;
    let address = count_failure(pool, &keys.address, ADDRESS_FREE_FAILURES, now).await?;
    Ok(account.max(address))
}

async fn count_failure(
    pool: &PgPool,
    key: &str,
    free_failures: i32,
    now: OffsetDateTime,
) -> Result<Option<OffsetDateTime>, sqlx::Error> {
    let window_start = now - Duration::from_secs(60 * 60);
    let failures = sqlx::query_scalar!(
        "INSERT INTO login_throttle (key, failures, window_started)
         VALUES ($1, 1, $2)
         ON CONFLICT (key) DO UPDATE SET
             failures = CASE WHEN login_throttle.window_started < $3
                             THEN 1 ELSE login_throttle.failures + 1 END,
             window_started = CASE WHEN login_throttle.window_started < $3
                                   THEN $2 ELSE login_throttle.window_started END
         RETURNING failures",
        key,
        now,
        window_start,
    )
    .fetch_one(pool)
    .await?;
    let Some(lock) = lock_for(failures, free_failures) else {
        return Ok(None);
    };
    let until = now + lock;
    sqlx::query!("UPDATE login_throttle SET locked_until = $2 WHERE key = $1", key, until)
        .execute(pool)
        .await?;
    Ok(Some(until))
}

/// The lock after `failures` failures: none within the allowance, then doubling from a minute.
fn lock_for(failures: i32, free_failures: i32) -> Option<Duration> {
    let beyond = failures - free_failures;
    if beyond < 0 {
        return None;
    }
    let minutes = 1u64.checked_shl(beyond.min(16) as u32).unwrap_or(u64::MAX);
    Some(Duration::from_secs(minutes.saturating_mul(60)).min(MAX_LOCK))
}

/// A successful login clears the account's counter (not the address's: one good login must not
/// reset an attacker's count against everyone else on that address).
pub async fn clear_account(pool: &PgPool, keys: &ThrottleKeys) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM login_throttle WHERE key = $1", keys.account).execute(pool).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_start_after_the_allowance_and_double_up_to_an_hour() {
        assert_eq!(lock_for(4, 5), None);
        assert_eq!(lock_for(5, 5), Some(Duration::from_secs(60)));
        assert_eq!(lock_for(6, 5), Some(Duration::from_secs(120)));
        assert_eq!(lock_for(8, 5), Some(Duration::from_secs(480)));
        assert_eq!(lock_for(12, 5), Some(MAX_LOCK));
        assert_eq!(lock_for(10_000, 5), Some(MAX_LOCK));
    }
}
