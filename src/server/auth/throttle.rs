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

/// The outcome of starting a sign-in attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Go ahead and check the password. `locks_if_wrong` is the lock this attempt started (it
    /// was the last one allowed): it stands if the password is wrong, and is cleared on success.
    Allowed { locks_if_wrong: Option<OffsetDateTime> },
    /// Refused without checking the password, until this time.
    Refused { until: OffsetDateTime },
}

/// Counts an attempt on both keys *before* the password is checked, so that attempts sent in
/// parallel cannot all slip past the lock while the slow hash runs: each key's row is locked
/// while it is judged and counted, and a key that is locked refuses without counting. A
/// successful attempt is taken back by [`succeeded`].
pub async fn begin_attempt(
    pool: &PgPool,
    keys: &ThrottleKeys,
    now: OffsetDateTime,
) -> Result<Attempt, sqlx::Error> {
    let account = count(pool, &keys.account, ACCOUNT_FREE_FAILURES, now).await?;
    let Counted::Allowed(account_lock) = account else {
        return Ok(account.refusal(now));
    };
    let address = count(pool, &keys.address, ADDRESS_FREE_FAILURES, now).await?;
    let Counted::Allowed(address_lock) = address else {
        return Ok(address.refusal(now));
    };
    Ok(Attempt::Allowed { locks_if_wrong: account_lock.max(address_lock) })
}

enum Counted {
    /// Counted; `Some` is the lock this attempt reached (it was the last one allowed).
    Allowed(Option<OffsetDateTime>),
    /// The key was locked until then; nothing was counted.
    Locked(OffsetDateTime),
}

impl Counted {
    fn refusal(&self, now: OffsetDateTime) -> Attempt {
        match self {
            Counted::Locked(until) => Attempt::Refused { until: *until },
            Counted::Allowed(_) => Attempt::Refused { until: now },
        }
    }
}

/// Judges and counts one key under a row lock: a locked key refuses; otherwise the count goes up
/// (a fresh window after a quiet hour) and reaching the allowance sets a growing lock.
async fn count(
    pool: &PgPool,
    key: &str,
    free_failures: i32,
    now: OffsetDateTime,
) -> Result<Counted, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "INSERT INTO login_throttle (key, failures, window_started) VALUES ($1, 0, $2)
         ON CONFLICT (key) DO NOTHING",
        key,
        now
    )
    .execute(&mut *tx)
    .await?;
    let row = sqlx::query!(
        "SELECT failures, window_started, locked_until FROM login_throttle WHERE key = $1 FOR UPDATE",
        key
    )
    .fetch_one(&mut *tx)
    .await?;
    if let Some(until) = row.locked_until.filter(|until| *until > now) {
        tx.commit().await?;
        return Ok(Counted::Locked(until));
    }
    let fresh_window = row.window_started < now - Duration::from_secs(60 * 60);
    let (failures, window_started) =
        if fresh_window { (1, now) } else { (row.failures + 1, row.window_started) };
    let lock = lock_for(failures, free_failures).map(|lock| now + lock);
    sqlx::query!(
        "UPDATE login_throttle SET failures = $2, window_started = $3, locked_until = $4
         WHERE key = $1",
        key,
        failures,
        window_started,
        lock
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Counted::Allowed(lock))
}

/// A successful sign-in: clears the account's counter and takes this attempt back from the
/// address's count (not more: one good login must not reset an attacker's count against
/// everyone else on that address).
pub async fn succeeded(pool: &PgPool, keys: &ThrottleKeys) -> Result<(), sqlx::Error> {
    clear_account(pool, keys).await?;
    sqlx::query!(
        "UPDATE login_throttle
         SET failures = greatest(failures - 1, 0),
             locked_until = CASE WHEN failures - 1 < $2 THEN NULL ELSE locked_until END
         WHERE key = $1",
        keys.address,
        ADDRESS_FREE_FAILURES
    )
    .execute(pool)
    .await?;
    Ok(())
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

/// Clears the account's counter and lock (a successful sign-in or password reset).
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
