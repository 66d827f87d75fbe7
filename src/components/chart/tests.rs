use super::ticks;

#[test]
fn ticks_are_round_and_cover_the_range() {
    assert_eq!(ticks(0.0, 10.0, 5), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
    let t = ticks(7.3, 14.8, 5);
    assert!(t[0] <= 7.3 && *t.last().unwrap() >= 14.8 - 2.0, "{t:?}");
}
