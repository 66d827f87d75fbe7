use super::*;

fn code(password: &str) -> Option<String> {
    check_password_policy("password", password, &["nora@northwind.example", "Nora Admin"])
        .map(|problem| problem.code)
}

#[test]
fn common_passwords_are_refused_even_when_long_enough() {
    for common in ["password1234", "123456789012", "qwertyuiopas", "iloveyou1234", "Password1234"] {
        assert_eq!(code(common), Some("too_common".into()), "{common}");
    }
}

#[test]
fn the_account_s_own_words_count_against_it() {
    assert_eq!(code("northwindnora"), Some("too_common".into()));
}

#[test]
fn unusual_passphrases_pass() {
    for good in ["velvet tractor orbits lemon", "demo-admin-2026!", "Kx9!vQ2#mLp7&Zr"] {
        assert_eq!(code(good), None, "{good}");
    }
}

#[test]
fn length_rules_come_first() {
    assert_eq!(code("short"), Some("too_short".into()));
}
