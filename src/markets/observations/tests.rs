use super::*;

/// Shares and alert thresholds went through `parse::<Decimal>` too, and took `1e1` and
/// `1_0` (found by tests/fuzz/validation.rs for prices).
#[test]
fn only_plain_decimal_text_is_a_number() {
    assert_eq!(plain_decimal(" 7.5 ").unwrap().to_string(), "7.5");
    for bad in ["1e1", "1_0", "+5", "-5", "1,5", "0x10", "", "."] {
        assert_eq!(plain_decimal(bad), None, "{bad}");
    }
}

#[test]
fn prices_are_exact_positive_and_bounded() {
    assert_eq!(parse_price("p", "12.5").unwrap().to_string(), "12.5");
    for bad in ["0", "-1", "abc", "1000000000", "1.23456", ""] {
        assert!(parse_price("p", bad).is_err(), "{bad}");
    }
}

#[test]
fn observation_times_are_parsed_and_never_in_the_future() {
    let now = time::macros::datetime!(2026-11-28 12:00 UTC);
    assert_eq!(
        parse_observed_at("t", "2026-11-27", now).unwrap(),
        time::macros::datetime!(2026-11-27 0:00 UTC)
    );
    assert_eq!(
        parse_observed_at("t", "2026-11-28T09:30", now).unwrap(),
        time::macros::datetime!(2026-11-28 9:30 UTC)
    );
    assert_eq!(parse_observed_at("t", "", now).unwrap(), now);
    assert_eq!(parse_observed_at("t", "2026-11-29", now).unwrap_err().code, "in_future");
    assert_eq!(parse_observed_at("t", "yesterday", now).unwrap_err().code, "invalid_time");
}

#[test]
fn prices_show_at_least_two_decimals() {
    assert_eq!(trim_zeros("12.5000"), "12.50");
    assert_eq!(trim_zeros("9.9900"), "9.99");
    assert_eq!(trim_zeros("3.1250"), "3.125");
    assert_eq!(trim_zeros("7"), "7.00");
}
