//! Failed-attempt throttling, stored in PostgreSQL so every app instance counts the same attempts.
//!
//! Each attempt is counted on a few keys ([`KeyKind`]): a stranger's sign-in on the account and on
//! the client's address, a browser that signed in to the account before on its device cookie
//! only (so strangers driving up the account's or the address's count cannot lock its owner out:
//! OWASP "Slow Down Online Guessing Attacks with Device Cookies"), a password change on the
//! signed-in user. After a key's allowance each further failure locks it for a growing time
//! (1, 2, 4 … minutes, at most an hour); a quiet hour starts a fresh window. Nothing locks
//! forever. Unknown emails are counted like known ones, so the lock itself reveals nothing about
//! which accounts exist.
//!
//! The rules are pure functions of the stored counters and an explicit `now` ([`judge`],
//! [`lock_for`], [`decide`]), tested without a database; the two functions that touch PostgreSQL
//! only load, store and take back.

use std::time::Duration;

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

/// A counter's window: failures older than this no longer count.
const WINDOW: Duration = Duration::from_secs(60 * 60);
/// The longest lock.
const MAX_LOCK: Duration = Duration::from_secs(60 * 60);

/// What a counter counts, which decides its name and its allowance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// Sign-ins to one account (by normalised email, known or not) from strangers.
    Account,
    /// Sign-ins from one client address (IPv6: its /64) to any account.
    Address,
    /// Sign-ins from one browser that signed in to the account before (its device cookie).
    Device,
    /// Current-password checks of one signed-in user changing their password.
    PasswordChange,
    /// Password-reset requests for one email (normalised, known or not), from anywhere. Every
    /// request counts: there is no success that takes one back.
    ResetEmail,
    /// Password-reset requests from one client address (IPv6: its /64), for any email.
    ResetAddress,
}

impl KeyKind {
    fn prefix(self) -> &'static str {
        match self {
            KeyKind::Account => "account",
            KeyKind::Address => "address",
            KeyKind::Device => "device",
            KeyKind::PasswordChange => "password-change",
            // The migration that deletes an account's reset counter with the account spells
            // this prefix too (20261129000101_queue_reset_requests.sql).
            KeyKind::ResetEmail => "reset-email",
            KeyKind::ResetAddress => "reset-address",
        }
    }

    /// Failures allowed in a window before the key locks.
    pub fn free_failures(self) -> i32 {
        match self {
            // Offices and mobile carriers share addresses (and behind an untrusted proxy, all
            // users do): the allowance is larger.
            KeyKind::Address => 50,
            KeyKind::Account | KeyKind::Device | KeyKind::PasswordChange => 5,
            // A person asks for a link once or twice; the mail floods an inbox otherwise.
            KeyKind::ResetEmail => 3,
            KeyKind::ResetAddress => 20,
        }
    }

    fn key(self, value: &str) -> String {
        format!("{}:{value}", self.prefix())
    }
}

/// The counters one attempt touches, and the account whose counter success clears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleKeys {
    /// `(kind, stored key)`, in a fixed order.
    counted: Vec<(KeyKind, String)>,
    /// Deleted on success (the account key, counted or not).
    account: String,
}

impl ThrottleKeys {
    /// A sign-in without a device cookie for this account: the account's and the address's
    /// counters.
    pub fn stranger(normalised_email: &str, throttle_address: &str) -> Self {
        ThrottleKeys {
            counted: vec![
                (KeyKind::Account, KeyKind::Account.key(normalised_email)),
                (KeyKind::Address, KeyKind::Address.key(throttle_address)),
            ],
            account: KeyKind::Account.key(normalised_email),
        }
    }

    /// A sign-in from a browser holding this account's device cookie `device`: its own counter,
    /// which strangers cannot drive up.
    pub fn device(normalised_email: &str, device: Uuid) -> Self {
        ThrottleKeys {
            counted: vec![(KeyKind::Device, KeyKind::Device.key(&device.to_string()))],
            account: KeyKind::Account.key(normalised_email),
        }
    }

    /// A signed-in user proving their current password: only they (their sessions) count here.
    pub fn password_change(user_id: Uuid, normalised_email: &str) -> Self {
        ThrottleKeys {
            counted: vec![(
                KeyKind::PasswordChange,
                KeyKind::PasswordChange.key(&user_id.to_string()),
            )],
            account: KeyKind::Account.key(normalised_email),
        }
    }

    /// A password-reset request: the email's and the address's counters. Nothing clears them
    /// (the account key is only there because every set of keys names one).
    pub fn reset_request(normalised_email: &str, throttle_address: &str) -> Self {
        ThrottleKeys {
            counted: vec![
                (KeyKind::ResetEmail, KeyKind::ResetEmail.key(normalised_email)),
                (KeyKind::ResetAddress, KeyKind::ResetAddress.key(throttle_address)),
            ],
            account: KeyKind::Account.key(normalised_email),
        }
    }

    /// The account key alone, for clearing it (a password reset).
    pub fn account(normalised_email: &str) -> Self {
        ThrottleKeys { counted: Vec::new(), account: KeyKind::Account.key(normalised_email) }
    }

    /// The stored key of the counter of `kind`, if this attempt counts on one.
    pub fn key_of(&self, kind: KeyKind) -> Option<&str> {
        self.counted.iter().find(|(k, _)| *k == kind).map(|(_, key)| key.as_str())
    }
}

/// A counter as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    pub failures: i32,
    pub window_started: OffsetDateTime,
    pub locked_until: Option<OffsetDateTime>,
}

impl Counter {
    fn fresh(now: OffsetDateTime) -> Self {
        Counter { failures: 0, window_started: now, locked_until: None }
    }
}

/// The outcome of starting an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// Go ahead and check the password; report the outcome with [`succeeded`] (or leave the
    /// count standing when it was wrong).
    Allowed(Allowed),
    /// Refused without checking the password, until this time (the latest lock among the keys).
    Refused { until: OffsetDateTime },
}

/// An attempt that was counted, with the counters it left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    keys: ThrottleKeys,
    /// Each counted key's new state, in the order of `keys.counted`.
    counted: Vec<Counter>,
}

impl Allowed {
    /// The lock this attempt started (it was the last one allowed on some key): it stands if the
    /// password was wrong. The latest, when several keys locked.
    pub fn locks_if_wrong(&self) -> Option<OffsetDateTime> {
        self.counted.iter().filter_map(|counter| counter.locked_until).max()
    }

    /// The lock this attempt set on the key of `kind`.
    fn lock_on(&self, kind: KeyKind) -> Option<OffsetDateTime> {
        let index = self.keys.counted.iter().position(|(k, _)| *k == kind)?;
        self.counted.get(index)?.locked_until
    }
}

/// Judges one key: a key locked beyond `now` refuses; otherwise the attempt is counted (in a
/// fresh window once the last one is over an hour old) and reaching the allowance sets a
/// growing lock.
pub fn judge(
    stored: Counter,
    free_failures: i32,
    now: OffsetDateTime,
) -> Result<Counter, OffsetDateTime> {
    if let Some(until) = stored.locked_until.filter(|until| *until > now) {
        return Err(until);
    }
    let fresh_window = stored.window_started + WINDOW < now;
    let (failures, window_started) =
        if fresh_window { (1, now) } else { (stored.failures + 1, stored.window_started) };
    let locked_until = lock_for(failures, free_failures).map(|lock| now + lock);
    Ok(Counter { failures, window_started, locked_until })
}

/// Judges every key of an attempt: refused (counting nothing) when any key is locked, reporting
/// the latest lock; otherwise every key counted.
pub fn decide(
    keys: &ThrottleKeys,
    stored: &[Counter],
    now: OffsetDateTime,
) -> Result<Vec<Counter>, OffsetDateTime> {
    let judged: Vec<_> = keys
        .counted
        .iter()
        .zip(stored)
        .map(|((kind, _), counter)| judge(*counter, kind.free_failures(), now))
        .collect();
    match judged.iter().filter_map(|outcome| outcome.err()).max() {
        Some(until) => Err(until),
        None => Ok(judged.into_iter().flatten().collect()),
    }
}

/// The lock after `failures` failures: none within the allowance, then doubling from a minute.
pub fn lock_for(failures: i32, free_failures: i32) -> Option<Duration> {
    let beyond = failures - free_failures;
    if beyond < 0 {
        return None;
    }
    let minutes = 1u64.checked_shl(beyond.min(16) as u32).unwrap_or(u64::MAX);
    Some(Duration::from_secs(minutes.saturating_mul(60)).min(MAX_LOCK))
}

/// Counts an attempt on its keys *before* the password is checked, so that attempts sent in
/// parallel cannot all slip past the lock while the slow hash runs: the keys' rows are locked
/// while they are judged and counted, and an attempt refused by any key counts on none.
///
/// One transaction of two statements (every login pays for these round trips; the benchmark
/// compares logins with bare hashing).
pub async fn begin_attempt(
    pool: &PgPool,
    keys: &ThrottleKeys,
    now: OffsetDateTime,
) -> Result<Attempt, sqlx::Error> {
    let names: Vec<String> = keys.counted.iter().map(|(_, key)| key.clone()).collect();
    let mut tx = crate::runtime::db::begin(pool).await?;
    // Creates missing rows and locks them, in key order, so two attempts never deadlock.
    let rows = sqlx::query!(
        r#"INSERT INTO login_throttle (key, failures, window_started)
           SELECT key, 0, $2 FROM unnest($1::text[]) AS key ORDER BY key
           ON CONFLICT (key) DO UPDATE SET failures = login_throttle.failures
           RETURNING key AS "key!", failures AS "failures!", window_started AS "window_started!",
                     locked_until"#,
        &names,
        now
    )
    .fetch_all(&mut *tx)
    .await?;
    let stored: Vec<Counter> = names
        .iter()
        .map(|name| {
            rows.iter().find(|row| &row.key == name).map_or(Counter::fresh(now), |row| Counter {
                failures: row.failures,
                window_started: row.window_started,
                locked_until: row.locked_until,
            })
        })
        .collect();
    let counted = match decide(keys, &stored, now) {
        Ok(counted) => counted,
        Err(until) => {
            tx.commit().await?;
            return Ok(Attempt::Refused { until });
        }
    };
    sqlx::query!(
        "UPDATE login_throttle t
         SET failures = c.failures, window_started = c.window_started, locked_until = c.lock
         FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::timestamptz[])
              AS c (key, failures, window_started, lock)
         WHERE t.key = c.key",
        &names,
        &counted.iter().map(|counter| counter.failures).collect::<Vec<_>>(),
        &counted.iter().map(|counter| counter.window_started).collect::<Vec<_>>(),
        &counted.iter().map(|counter| counter.locked_until).collect::<Vec<_>>()
            as &[Option<OffsetDateTime>],
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Attempt::Allowed(Allowed { keys: keys.clone(), counted }))
}

/// A successful attempt (in the transaction that records it, when there is one): deletes the
/// account's counter and the attempt's own device or password-change counter; on the address,
/// takes this attempt back and lifts the lock this attempt set (an allowed attempt's lock is its
/// own), but not more: one good sign-in must not reset an attacker's count against everyone else
/// on that address, nor a lock a concurrent attempt set.
pub async fn succeeded<'c, E>(executor: E, attempt: &Allowed) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Postgres>,
{
    let keys = &attempt.keys;
    // The lock this attempt remembers has nanoseconds, the stored one microseconds; they still
    // compare equal because sqlx sends every timestamp as whole microseconds (truncated), the
    // stored lock and this parameter alike.
    let mut cleared = vec![keys.account.clone()];
    cleared.extend(keys.key_of(KeyKind::Device).map(str::to_owned));
    cleared.extend(keys.key_of(KeyKind::PasswordChange).map(str::to_owned));
    sqlx::query!(
        "WITH cleared AS (DELETE FROM login_throttle WHERE key = ANY($1))
         UPDATE login_throttle
         SET failures = greatest(failures - 1, 0),
             locked_until = CASE WHEN locked_until = $3 THEN NULL ELSE locked_until END
         WHERE key = $2",
        &cleared,
        keys.key_of(KeyKind::Address),
        attempt.lock_on(KeyKind::Address)
    )
    .execute(executor)
    .await?;
    Ok(())
}

/// Clears the account's counter and lock (a password reset proves the owner).
pub async fn clear_account(pool: &PgPool, keys: &ThrottleKeys) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM login_throttle WHERE key = $1", keys.account).execute(pool).await?;
    Ok(())
}

#[cfg(test)]
mod tests;
