use super::*;

#[test]
fn severity_grows_with_the_change_against_the_threshold() {
    assert_eq!(Severity::of_change(5.0, 5.0), Severity::Low);
    assert_eq!(Severity::of_change(-10.0, 5.0), Severity::Medium);
    assert_eq!(Severity::of_change(20.0, 5.0), Severity::High);
}

#[test]
fn small_moves_are_flat() {
    assert_eq!(Direction::of(0.5), Direction::Flat);
    assert_eq!(Direction::of(3.0), Direction::Rising);
    assert_eq!(Direction::of(-3.0), Direction::Falling);
}
