//! Fuzz targets (proptest) for the validation rules: every check takes any Unicode without
//! panicking, and each rule accepts exactly what the documentation promises (docs/api.md,
//! docs/errors.md). Cases: `PROPTEST_CASES` (256 by default; `make fault` runs many more).

use std::str::FromStr;

use marketedge::account::policy::check_password_policy;
use marketedge::markets::competitors::check_website;
use marketedge::markets::observations::{parse_observed_at, parse_price};
use marketedge::markets::prices::check_currency;
use marketedge::model::admin::{check_name, check_reason};
use marketedge::model::validation::{
    check_email, check_new_password, check_present, normalise_email, EMAIL_MAX_CHARS,
    PASSWORD_MAX_BYTES, PASSWORD_MIN_CHARS,
};
use proptest::prelude::*;
use rust_decimal::Decimal;
use time::macros::datetime;
use time::OffsetDateTime;

/// The clock every time check runs against.
const NOW: OffsetDateTime = datetime!(2026-11-28 12:00 UTC);

/// Any Unicode text, biased towards the characters the rules care about.
fn any_text(max: usize) -> impl Strategy<Value = String> {
    let interesting = prop_oneof![
        4 => any::<char>(),
        2 => prop::sample::select(vec![
            '@', '.', ' ', '\t', '\n', '\u{a0}', '\u{3000}', '\u{feff}', 'İ', 'Σ', 'ß', 'e', 'E',
            '_', '-', '+', '0', '9', ':', '/', 'T', 'Z',
        ]),
    ];
    prop::collection::vec(interesting, 0..max).prop_map(|chars| chars.into_iter().collect())
}

fn code(error: Option<marketedge::error::FieldError>) -> Option<String> {
    error.map(|error| error.code)
}

// ---- email ----

/// A well-formed address in mixed case with whitespace around it, as people paste them.
fn written_email() -> impl Strategy<Value = String> {
    (
        "[ \t]{0,2}",
        "[A-Za-z0-9._%+-]{1,30}",
        "[A-Za-z0-9-]{1,20}(\\.[A-Za-z0-9-]{1,10}){1,3}",
        "[ \t]{0,2}",
    )
        .prop_map(|(before, local, domain, after)| format!("{before}{local}@{domain}{after}"))
}

proptest! {
    #[test]
    fn a_normalised_email_normalises_to_itself(raw in any_text(80)) {
        let once = normalise_email(&raw);
        prop_assert_eq!(normalise_email(&once), once.clone());
        prop_assert_eq!(once.trim(), once.as_str());
    }

    #[test]
    fn an_accepted_email_has_the_documented_shape(raw in any_text(300)) {
        let email = normalise_email(&raw);
        if let Some(error) = check_email("email", &email) {
            prop_assert_eq!(error.field, "email");
            prop_assert!(["required", "too_long", "invalid_email"].contains(&error.code.as_str()));
        } else {
            let (local, domain) = email.split_once('@').expect("one @");
            prop_assert!(!local.is_empty() && !domain.contains('@'));
            prop_assert!(domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'));
            prop_assert!(!email.chars().any(char::is_whitespace));
            prop_assert!(email.chars().count() <= EMAIL_MAX_CHARS);
        }
    }

    #[test]
    fn a_well_formed_email_is_accepted_lower_cased(raw in written_email()) {
        let email = normalise_email(&raw);
        prop_assert_eq!(&email, &raw.trim().to_ascii_lowercase());
        prop_assert_eq!(check_email("email", &email), None);
    }
}

// ---- passwords ----

/// Passwords around both bounds: mostly ASCII, some multi-byte characters (so characters and
/// bytes differ), some whitespace (kept as typed).
fn password() -> impl Strategy<Value = String> {
    let char = prop_oneof![
        6 => prop::char::range('!', '~'),
        1 => Just(' '),
        2 => any::<char>(),
    ];
    prop_oneof![
        prop::collection::vec(char.clone(), 0..20),
        prop::collection::vec(char.clone(), 60..130),
        prop::collection::vec(char, 240..270),
    ]
    .prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #[test]
    fn a_password_is_accepted_exactly_within_its_bounds(password in password()) {
        let chars = password.chars().count();
        let verdict = code(check_new_password("password", &password));
        let expected = if password.is_empty() {
            Some("required")
        } else if chars < PASSWORD_MIN_CHARS {
            Some("too_short")
        } else if password.len() > PASSWORD_MAX_BYTES {
            Some("too_long")
        } else {
            None
        };
        prop_assert_eq!(verdict.as_deref(), expected, "{} chars, {} bytes", chars, password.len());
    }

    #[test]
    fn a_password_shorter_than_the_minimum_is_always_refused(
        password in prop::collection::vec(any::<char>(), 0..PASSWORD_MIN_CHARS)
            .prop_map(|chars| chars.into_iter().collect::<String>())
    ) {
        prop_assert!(check_new_password("password", &password).is_some());
        prop_assert!(check_password_policy("password", &password, &[]).is_some());
    }

    #[test]
    fn a_password_over_the_byte_limit_is_always_refused(
        password in prop::collection::vec(any::<char>(), PASSWORD_MAX_BYTES / 4..PASSWORD_MAX_BYTES + 40)
            .prop_map(|chars| chars.into_iter().collect::<String>())
            .prop_filter("over the byte limit", |p| p.len() > PASSWORD_MAX_BYTES)
    ) {
        prop_assert!(check_new_password("password", &password).is_some());
        prop_assert!(check_password_policy("password", &password, &[]).is_some());
    }

    /// The server's policy (zxcvbn) runs on whatever arrives and never loosens the length rules.
    /// Short passwords only: zxcvbn is slow unoptimised, and its matchers see every character
    /// class at this length already.
    #[test]
    fn the_password_policy_takes_any_unicode(
        password in prop::collection::vec(
            prop_oneof![3 => prop::char::range('!', '~'), 1 => any::<char>()],
            0..32,
        )
        .prop_map(|chars| chars.into_iter().collect::<String>()),
        personal in prop::collection::vec(any_text(16), 0..3),
    ) {
        let personal: Vec<&str> = personal.iter().map(String::as_str).collect();
        let policy = check_password_policy("password", &password, &personal);
        if let Some(length) = check_new_password("password", &password) {
            prop_assert_eq!(policy, Some(length));
        } else if let Some(problem) = policy {
            prop_assert_eq!(problem.code, "too_common");
        }
    }

    #[test]
    fn presence_means_not_empty(value in any_text(10)) {
        prop_assert_eq!(check_present("current_password", &value, "it").is_some(), value.is_empty());
    }
}

// ---- names and reasons ----

proptest! {
    #[test]
    fn a_name_is_accepted_exactly_within_its_bounds(name in any_text(140), min in 1usize..4) {
        let length = name.trim().chars().count();
        let verdict = code(check_name("name", &name, min));
        let expected = if length == 0 {
            Some("required")
        } else if length < min {
            Some("too_short")
        } else if length > 120 {
            Some("too_long")
        } else {
            None
        };
        prop_assert_eq!(verdict.as_deref(), expected);
    }

    #[test]
    fn a_reason_is_accepted_exactly_within_its_bounds(reason in any_text(520)) {
        let length = reason.trim().chars().count();
        let accepted = check_reason("reason", &reason).is_none();
        prop_assert_eq!(accepted, (10..=500).contains(&length));
    }

    #[test]
    fn a_website_is_empty_or_an_http_address(
        website in prop_oneof![
            any_text(60),
            ("(https?|javascript|data|ftp|HTTP)", "(:|://)", "[a-z0-9.:@/-]{0,40}")
                .prop_map(|(scheme, sep, rest)| format!("{scheme}{sep}{rest}")),
        ]
    ) {
        if check_website("website", &website).is_none() {
            let trimmed = website.trim();
            if !trimmed.is_empty() {
                let url = url::Url::parse(trimmed).expect("an accepted website parses");
                prop_assert!(matches!(url.scheme(), "http" | "https"), "{}", trimmed);
                prop_assert!(url.host_str().is_some_and(|host| !host.is_empty()));
                prop_assert!(trimmed.len() <= 500);
            }
        }
    }
}

// ---- currencies ----

/// A sample of ISO 4217 codes (the crate's list is not iterable without an extra feature).
const CURRENCIES: &[&str] =
    &["EUR", "USD", "GBP", "JPY", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "AUD", "CAD", "INR"];

fn mixed_case(text: &str, upper: &[bool]) -> String {
    text.chars()
        .zip(upper.iter().cycle())
        .map(|(c, &up)| if up { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
        .collect()
}

proptest! {
    #[test]
    fn an_accepted_currency_is_its_own_upper_case_code(raw in any_text(8)) {
        if let Ok(code) = check_currency("currency", &raw) {
            prop_assert_eq!(code.len(), 3);
            prop_assert!(code.bytes().all(|b| b.is_ascii_uppercase()), "{}", code);
            prop_assert_eq!(&code, &raw.trim().to_ascii_uppercase());
            prop_assert_eq!(check_currency("currency", &code), Ok(code.clone()));
        }
    }

    #[test]
    fn every_iso_code_is_accepted_in_any_case(
        code in prop::sample::select(CURRENCIES),
        upper in prop::collection::vec(any::<bool>(), 3),
        pad in "[ \t]{0,2}",
    ) {
        let written = format!("{pad}{}{pad}", mixed_case(code, &upper));
        prop_assert_eq!(check_currency("currency", &written), Ok(code.to_owned()));
    }
}

// ---- prices ----

/// Decimal text built from parts, with what the documentation says of it: `None` when it must
/// be refused, else the exact value (mantissa, scale) it must be read as.
fn price_text() -> impl Strategy<Value = (String, Option<(i128, u32)>)> {
    (
        "[ \t]{0,1}",
        prop::sample::select(vec!["", "", "", "-", "+"]),
        "0{0,3}",
        prop_oneof![Just(String::new()), "[0-9]{1,3}", "[1-9][0-9]{6,10}"],
        prop::option::of("[0-9]{0,6}"),
        "[ \t]{0,1}",
    )
        .prop_map(|(before, sign, zeros, whole, fraction, after)| {
            let text = match &fraction {
                Some(fraction) => format!("{before}{sign}{zeros}{whole}.{fraction}{after}"),
                None => format!("{before}{sign}{zeros}{whole}{after}"),
            };
            let fraction = fraction.unwrap_or_default();
            let digits = format!("{zeros}{whole}{fraction}");
            let expected = if digits.is_empty() || !sign.is_empty() || fraction.len() > 4 {
                None
            } else {
                let mantissa: i128 = digits.parse().expect("digits");
                let scale = fraction.len() as u32;
                let value = Decimal::from_i128_with_scale(mantissa, scale);
                (value > Decimal::ZERO && value < Decimal::from(1_000_000_000))
                    .then_some((mantissa, scale))
            };
            (text, expected)
        })
}

proptest! {
    #[test]
    fn a_price_is_read_exactly_within_the_documented_bounds((text, expected) in price_text()) {
        let parsed = parse_price("price", &text);
        match expected {
            Some((mantissa, scale)) => {
                let price = parsed.expect("a documented price is accepted");
                prop_assert_eq!(price, Decimal::from_i128_with_scale(mantissa, scale));
                // Exact: the decimals written are kept (12.50 stays 12.50).
                prop_assert_eq!(price.scale(), scale);
            }
            None => prop_assert!(parsed.is_err(), "{:?} accepted as {:?}", text, parsed),
        }
    }

    /// A character that is not part of decimal text, put inside an otherwise valid price.
    #[test]
    fn a_price_with_anything_but_digits_and_a_point_is_refused(
        (text, _) in price_text().prop_filter("valid", |(_, expected)| expected.is_some()),
        intruder in prop::sample::select(vec!['e', 'E', '_', ',', '\'', ' ', '+', '-', 'x', '٣', '\u{a0}']),
        at in any::<prop::sample::Index>(),
    ) {
        let trimmed = text.trim();
        prop_assume!(trimmed.len() >= 2);
        let at = 1 + at.index(trimmed.len() - 1);
        let written = format!("{}{intruder}{}", &trimmed[..at], &trimmed[at..]);
        let parsed = parse_price("price", &written);
        prop_assert!(parsed.is_err(), "{:?} accepted as {:?}", written, parsed);
    }

    #[test]
    fn any_accepted_price_is_plain_bounded_decimal_text(text in any_text(40)) {
        if let Ok(price) = parse_price("price", &text) {
            prop_assert!(price > Decimal::ZERO && price < Decimal::from(1_000_000_000));
            prop_assert!(price.scale() <= 4);
            prop_assert!(text.trim().bytes().all(|b| b.is_ascii_digit() || b == b'.'), "{:?}", text);
        }
    }
}

/// Shrunk by the price properties (`0_1`, `+.1`): rust_decimal also reads signs, exponents and
/// digit separators, so `1e5` was a price of 100,000 and `1.23456e4` passed the 4-decimal rule.
#[test]
fn regression_exponents_and_separators_are_not_prices() {
    for text in ["0_1", "+.1", "1e5", "1E5", "1.23456e4", "1_000", "+5"] {
        assert!(parse_price("price", text).is_err(), "{text}");
    }
    assert_eq!(parse_price("price", " 0012.50 ").unwrap(), Decimal::from_str("12.50").unwrap());
    assert_eq!(parse_price("price", ".5").unwrap(), Decimal::from_str("0.5").unwrap());
}

// ---- observation times ----

/// An instant from 2000 to a little after [`NOW`], at minute precision (what every format
/// carries).
fn instant(latest: OffsetDateTime) -> impl Strategy<Value = OffsetDateTime> {
    let first = datetime!(2000-01-02 0:00 UTC).unix_timestamp() / 60;
    let last = latest.unix_timestamp() / 60;
    (first..=last).prop_map(|minute| OffsetDateTime::from_unix_timestamp(minute * 60).unwrap())
}

/// RFC 3339-like text with any year, offset and field values, valid or not.
fn timestamp_like() -> impl Strategy<Value = String> {
    (
        0u32..10_000,
        0u32..14,
        0u32..33,
        0u32..25,
        0u32..61,
        0u32..62,
        prop::sample::select(vec!["Z", "z", "+23:59", "-23:59", "+00:00", "+24:00", "", "+5"]),
        prop::sample::select(vec!["T", "t", " ", ""]),
        prop::option::of("[0-9]{1,12}"),
    )
        .prop_map(|(y, mo, d, h, mi, s, offset, sep, fraction)| {
            let fraction = fraction.map(|f| format!(".{f}")).unwrap_or_default();
            format!("{y:04}-{mo:02}-{d:02}{sep}{h:02}:{mi:02}:{s:02}{fraction}{offset}")
        })
}

proptest! {
    #[test]
    fn an_accepted_observation_time_is_never_in_the_future_nor_before_2000(
        text in prop_oneof![any_text(40), timestamp_like()]
    ) {
        match parse_observed_at("observed_at", &text, NOW) {
            Ok(at) => {
                prop_assert!(at <= NOW + time::Duration::minutes(1), "{:?} read as {}", text, at);
                prop_assert!(at.year() >= 2000, "{:?} read as {}", text, at);
            }
            Err(error) => {
                prop_assert_eq!(error.field, "observed_at");
                prop_assert!(["invalid_time", "in_future"].contains(&error.code.as_str()));
            }
        }
    }

    #[test]
    fn an_observation_time_reads_back_in_every_documented_format(
        at in instant(NOW),
        offset_minutes in -(23 * 60 + 59)..=(23 * 60 + 59i32),
    ) {
        let day = at.date();
        let date = format!("{:04}-{:02}-{:02}", day.year(), day.month() as u8, day.day());
        let minute = format!("{date}T{:02}:{:02}", at.hour(), at.minute());
        let offset = time::UtcOffset::from_whole_seconds(offset_minutes * 60).unwrap();
        let rfc3339 = at
            .to_offset(offset)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        prop_assert_eq!(parse_observed_at("t", &date, NOW).unwrap(), day.midnight().assume_utc());
        prop_assert_eq!(parse_observed_at("t", &minute, NOW).unwrap(), at);
        prop_assert_eq!(parse_observed_at("t", &format!(" {rfc3339} "), NOW).unwrap(), at);
    }

    #[test]
    fn an_observation_time_after_now_is_refused(
        at in instant(datetime!(2100-01-01 0:00 UTC))
            .prop_filter("after now", |at| *at > NOW + time::Duration::minutes(1))
    ) {
        let text = at.format(&time::format_description::well_known::Rfc3339).unwrap();
        prop_assert_eq!(parse_observed_at("t", &text, NOW).unwrap_err().code, "in_future");
    }
}
