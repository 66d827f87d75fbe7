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
    assert_eq!(counted, Counter { failures: 4, window_started: NOW - MINUTE, locked_until: None });
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
    let locked = Counter { locked_until: Some(NOW + Duration::from_micros(1)), ..stored(5, NOW) };
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
