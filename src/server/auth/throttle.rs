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
/// parallel cannot all slip past the lock while the slow hash runs: both keys' rows are locked
/// while they are judged and counted, and an attempt refused by either key counts on neither.
/// A successful attempt is taken back by [`succeeded`].
///
/// One transaction of two statements (every login pays for these round trips; the benchmark
/// compares logins with bare hashing).
pub async fn begin_attempt(
    pool: &PgPool,
    keys: &ThrottleKeys,
    now: OffsetDateTime,
) -> Result<Attempt, sqlx::Error> {
    let mut tx = crate::server::db::begin(pool).await?;
    // Creates missing rows and locks both, in key order, so two attempts never deadlock.
    let rows = sqlx::query!(
        r#"INSERT INTO login_throttle (key, failures, window_started)
           SELECT key, 0, $3 FROM unnest(ARRAY[$1, $2]::text[]) AS key ORDER BY key
           ON CONFLICT (key) DO UPDATE SET failures = login_throttle.failures
           RETURNING key AS "key!", failures AS "failures!", window_started AS "window_started!",
                     locked_until"#,
        keys.account,
        keys.address,
        now
    )
    .fetch_all(&mut *tx)
    .await?;
    let row = |key: &str| rows.iter().find(|row| row.key == key);
    let (Some(account), Some(address)) = (row(&keys.account), row(&keys.address)) else {
        return Err(sqlx::Error::RowNotFound);
    };
    let judged = [(account, ACCOUNT_FREE_FAILURES), (address, ADDRESS_FREE_FAILURES)]
        .map(|(row, free)| judge(row.failures, row.window_started, row.locked_until, free, now));
    let [Counted::Allowed(account), Counted::Allowed(address)] = judged else {
        let until = judged.iter().find_map(Counted::locked_until).unwrap_or(now);
        tx.commit().await?;
        return Ok(Attempt::Refused { until });
    };
    sqlx::query!(
        "UPDATE login_throttle t
         SET failures = c.failures, window_started = c.window_started, locked_until = c.lock
         FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::timestamptz[])
              AS c (key, failures, window_started, lock)
         WHERE t.key = c.key",
        &[keys.account.clone(), keys.address.clone()],
        &[account.failures, address.failures],
        &[account.window_started, address.window_started],
        &[account.lock, address.lock] as &[Option<OffsetDateTime>],
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Attempt::Allowed { locks_if_wrong: account.lock.max(address.lock) })
}

/// One key's new state after an allowed attempt.
#[derive(Debug, Clone, Copy)]
struct Count {
    failures: i32,
    window_started: OffsetDateTime,
    /// The lock this attempt reached, if it was the last one allowed.
    lock: Option<OffsetDateTime>,
}

enum Counted {
    Allowed(Count),
    /// The key was locked until then; nothing is counted.
    Locked(OffsetDateTime),
}

impl Counted {
    fn locked_until(&self) -> Option<OffsetDateTime> {
        match self {
            Counted::Locked(until) => Some(*until),
            Counted::Allowed(_) => None,
        }
    }
}

/// Judges one key: a locked key refuses; otherwise the count goes up (a fresh window after a
/// quiet hour) and reaching the allowance sets a growing lock.
fn judge(
    failures: i32,
    window_started: OffsetDateTime,
    locked_until: Option<OffsetDateTime>,
    free_failures: i32,
    now: OffsetDateTime,
) -> Counted {
    if let Some(until) = locked_until.filter(|until| *until > now) {
        return Counted::Locked(until);
    }
    let fresh_window = window_started < now - Duration::from_secs(60 * 60);
    let (failures, window_started) =
        if fresh_window { (1, now) } else { (failures + 1, window_started) };
    let lock = lock_for(failures, free_failures).map(|lock| now + lock);
    Counted::Allowed(Count { failures, window_started, lock })
}

/// A successful sign-in (in the transaction that records it, when there is one): clears the account's counter
/// and takes this attempt back from the address's count (not more: one good login must not
/// reset an attacker's count against everyone else on that address).
pub async fn succeeded<'c, E>(executor: E, keys: &ThrottleKeys) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Postgres>,
{
    sqlx::query!(
        "WITH cleared AS (DELETE FROM login_throttle WHERE key = $1)
         UPDATE login_throttle
         SET failures = greatest(failures - 1, 0),
             locked_until = CASE WHEN failures - 1 < $3 THEN NULL ELSE locked_until END
         WHERE key = $2",
        keys.account,
        keys.address,
        ADDRESS_FREE_FAILURES
    )
    .execute(executor)
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
