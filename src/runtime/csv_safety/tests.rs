use super::*;

#[test]
fn formula_starters_are_marked_and_come_back_exactly() {
    for value in ["=1+1", "+31 20", "-5", "@SUM(A1)", "\tx", "\rx", "'t Gym", "''", "'"] {
        let written = escape(value);
        assert_eq!(written, format!("'{value}"));
        assert_eq!(unescape(&written), value);
    }
}

#[test]
fn other_text_is_left_alone_both_ways() {
    for value in ["", "Alpha", " =x", "a=b", "€5", "\u{feff}=x"] {
        assert_eq!(escape(value), value);
        assert_eq!(unescape(value), value);
    }
    // A `'` written by hand in front of ordinary text is part of the value.
    assert_eq!(unescape("'t Sportcentrum"), "'t Sportcentrum");
}

#[test]
fn only_one_mark_is_removed() {
    assert_eq!(unescape("''=x"), "'=x");
    assert_eq!(unescape("'''"), "''");
}
