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
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-29 12:00 UTC);
    const MINUTE: Duration = Duration::from_secs(60);

    fn stored(failures: i32, window_started: OffsetDateTime) -> Counter {
        Counter { failures, window_started, locked_until: None }
    }

    #[test]
    fn locks_start_after_the_allowance_and_double_up_to_an_hour() {
        assert_eq!(lock_for(4, 5), None);
        assert_eq!(lock_for(5, 5), Some(MINUTE));
        assert_eq!(lock_for(6, 5), Some(2 * MINUTE));
        assert_eq!(lock_for(8, 5), Some(8 * MINUTE));
        assert_eq!(lock_for(11, 5), Some(MAX_LOCK), "64 minutes are capped");
        assert_eq!(lock_for(10, 5), Some(32 * MINUTE));
        assert_eq!(lock_for(10_000, 5), Some(MAX_LOCK));
        assert_eq!(MAX_LOCK, 60 * MINUTE);
    }

    #[test]
    fn each_kind_has_its_allowance() {
        assert_eq!(KeyKind::Account.free_failures(), 5);
        assert_eq!(KeyKind::Address.free_failures(), 50);
        assert_eq!(KeyKind::Device.free_failures(), 5);
        assert_eq!(KeyKind::PasswordChange.free_failures(), 5);
        assert_eq!(KeyKind::ResetEmail.free_failures(), 3);
        assert_eq!(KeyKind::ResetAddress.free_failures(), 20);
    }

    #[test]
    fn a_reset_request_counts_on_the_email_and_the_address_only() {
        let keys = ThrottleKeys::reset_request("ana@gym.example", "203.0.113.9");
        assert_eq!(keys.key_of(KeyKind::ResetEmail), Some("reset-email:ana@gym.example"));
        assert_eq!(keys.key_of(KeyKind::ResetAddress), Some("reset-address:203.0.113.9"));
        assert_eq!(keys.key_of(KeyKind::Account), None, "sign-in counters are not touched");
        assert_eq!(keys.key_of(KeyKind::Address), None);
        // The third request to one email sets the lock; the address has room for twenty.
        let counted = decide(&keys, &[stored(2, NOW), stored(2, NOW)], NOW).unwrap();
        assert_eq!((counted[0].locked_until, counted[1].locked_until), (Some(NOW + MINUTE), None));
        let counted = decide(&keys, &[stored(0, NOW), stored(19, NOW)], NOW).unwrap();
        assert_eq!((counted[0].locked_until, counted[1].locked_until), (None, Some(NOW + MINUTE)));
    }

    #[test]
    fn an_attempt_is_counted_and_the_last_allowed_one_sets_the_lock() {
        let counted = judge(stored(3, NOW - MINUTE), 5, NOW).unwrap();
        assert_eq!(
            counted,
            Counter { failures: 4, window_started: NOW - MINUTE, locked_until: None }
        );
        let last = judge(stored(4, NOW - MINUTE), 5, NOW).unwrap();
        assert_eq!(last.failures, 5);
        assert_eq!(last.locked_until, Some(NOW + MINUTE));
    }

    #[test]
    fn the_window_is_one_hour_inclusive() {
        // Started exactly an hour ago: still the same window.
        let same = judge(stored(3, NOW - WINDOW), 5, NOW).unwrap();
        assert_eq!((same.failures, same.window_started), (4, NOW - WINDOW));
        // A microsecond more: a fresh window starting now.
        let older = NOW - WINDOW - Duration::from_micros(1);
        let fresh = judge(stored(30, older), 5, NOW).unwrap();
        assert_eq!(fresh, Counter { failures: 1, window_started: NOW, locked_until: None });
        assert_eq!(WINDOW, 60 * MINUTE);
    }

    #[test]
    fn a_lock_refuses_until_it_ends_and_not_at_its_end() {
        let locked =
            Counter { locked_until: Some(NOW + Duration::from_micros(1)), ..stored(5, NOW) };
        assert_eq!(judge(locked, 5, NOW), Err(NOW + Duration::from_micros(1)));
        // A lock ending exactly now is over: the attempt is counted (and, beyond the allowance,
        // locks again for twice as long).
        let ended = Counter { locked_until: Some(NOW), ..stored(5, NOW - MINUTE) };
        let counted = judge(ended, 5, NOW).unwrap();
        assert_eq!(counted.failures, 6);
        assert_eq!(counted.locked_until, Some(NOW + 2 * MINUTE));
    }

    #[test]
    fn any_locked_key_refuses_the_attempt_with_the_latest_lock() {
        let keys = ThrottleKeys::stranger("ana@gym.example", "203.0.113.9");
        let early = Counter { locked_until: Some(NOW + MINUTE), ..stored(5, NOW) };
        let late = Counter { locked_until: Some(NOW + 8 * MINUTE), ..stored(60, NOW) };
        assert_eq!(decide(&keys, &[early, late], NOW), Err(NOW + 8 * MINUTE));
        assert_eq!(decide(&keys, &[late, early], NOW), Err(NOW + 8 * MINUTE));
        assert_eq!(decide(&keys, &[stored(0, NOW), early], NOW), Err(NOW + MINUTE));
    }

    #[test]
    fn the_account_and_the_address_keep_their_own_allowances() {
        let keys = ThrottleKeys::stranger("ana@gym.example", "203.0.113.9");
        assert_eq!(keys.key_of(KeyKind::Account), Some("account:ana@gym.example"));
        assert_eq!(keys.key_of(KeyKind::Address), Some("address:203.0.113.9"));
        // The sixth failure on the account locks it; the address has room for fifty.
        let counted = decide(&keys, &[stored(4, NOW), stored(4, NOW)], NOW).unwrap();
        assert_eq!(counted[0].locked_until, Some(NOW + MINUTE), "the account locks");
        assert_eq!(counted[1].locked_until, None, "the address does not");
        let counted = decide(&keys, &[stored(0, NOW), stored(49, NOW)], NOW).unwrap();
        assert_eq!((counted[0].locked_until, counted[1].locked_until), (None, Some(NOW + MINUTE)));
        let attempt = Allowed { keys, counted };
        assert_eq!(attempt.lock_on(KeyKind::Address), Some(NOW + MINUTE));
        assert_eq!(attempt.lock_on(KeyKind::Account), None);
        assert_eq!(attempt.locks_if_wrong(), Some(NOW + MINUTE));
    }

    #[test]
    fn a_device_counts_on_its_own_key_only() {
        let device = Uuid::from_u128(7);
        let keys = ThrottleKeys::device("ana@gym.example", device);
        assert_eq!(keys.key_of(KeyKind::Device), Some(format!("device:{device}").as_str()));
        assert_eq!(keys.key_of(KeyKind::Account), None);
        assert_eq!(keys.key_of(KeyKind::Address), None);
        assert_eq!(keys.account, "account:ana@gym.example", "success still clears the account");
        let user = Uuid::from_u128(9);
        let change = ThrottleKeys::password_change(user, "ana@gym.example");
        assert_eq!(
            change.key_of(KeyKind::PasswordChange),
            Some(format!("password-change:{user}").as_str())
        );
        assert_eq!(change.key_of(KeyKind::Account), None);
    }

    #[test]
    fn the_latest_lock_is_the_one_reported_when_several_keys_lock() {
        let keys = ThrottleKeys::stranger("ana@gym.example", "203.0.113.9");
        let counted = decide(&keys, &[stored(6, NOW), stored(49, NOW)], NOW).unwrap();
        let attempt = Allowed { keys, counted };
        assert_eq!(attempt.lock_on(KeyKind::Account), Some(NOW + 4 * MINUTE));
        assert_eq!(attempt.locks_if_wrong(), Some(NOW + 4 * MINUTE));
    }
}
