use super::*;

fn code(error: Option<FieldError>) -> Option<String> {
    error.map(|error| error.code)
}

#[test]
fn emails_are_normalised_before_comparison() {
    assert_eq!(normalise_email("  Nora.Admin@NorthWind.Example "), "nora.admin@northwind.example");
}

#[test]
fn email_rules() {
    assert_eq!(code(check_email("email", "nora@northwind.example")), None);
    assert_eq!(code(check_email("email", "")), Some("required".into()));
    for bad in [
        "nora",
        "nora@",
        "@northwind.example",
        "nora@localhost",
        "no ra@x.example",
        "a@b@c.example",
    ] {
        assert_eq!(code(check_email("email", bad)), Some("invalid_email".into()), "{bad}");
    }
    let long = format!("{}@example.com", "a".repeat(250));
    assert_eq!(code(check_email("email", &long)), Some("too_long".into()));
}

#[test]
fn password_length_counts_characters_not_bytes() {
    // Twelve characters of three bytes each: long enough, well under the byte bound.
    assert_eq!(code(check_new_password("password", "ääääääääääää")), None);
    assert_eq!(code(check_new_password("password", "ääääääääääá")), Some("too_short".into()));
}

#[test]
fn password_bounds() {
    assert_eq!(code(check_new_password("password", "")), Some("required".into()));
    assert_eq!(code(check_new_password("password", "short")), Some("too_short".into()));
    assert_eq!(code(check_new_password("password", &"x".repeat(PASSWORD_MAX_BYTES))), None);
    assert_eq!(
        code(check_new_password("password", &"x".repeat(PASSWORD_MAX_BYTES + 1))),
        Some("too_long".into())
    );
    // Spaces and case are kept as typed.
    assert_eq!(code(check_new_password("password", "  Leading spaces ok  ")), None);
}
