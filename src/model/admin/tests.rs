use super::*;

#[test]
fn reasons_are_bounded() {
    assert_eq!(check_reason("reason", "  too short ").map(|e| e.code), Some("too_short".into()));
    assert_eq!(check_reason("reason", "Unpaid invoices since March"), None);
    assert_eq!(check_reason("reason", &"x".repeat(501)).map(|e| e.code), Some("too_long".into()));
}

#[test]
fn names_are_bounded() {
    assert_eq!(check_name("name", " ", 2).map(|e| e.code), Some("required".into()));
    assert_eq!(check_name("name", "A", 2).map(|e| e.code), Some("too_short".into()));
    assert_eq!(check_name("name", "Northwind Cinemas", 2), None);
    assert_eq!(check_name("name", &"n".repeat(121), 2).map(|e| e.code), Some("too_long".into()));
}
