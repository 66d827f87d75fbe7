use super::mondays;
use time::macros::date;

#[test]
fn weeks_start_on_the_monday_of_the_first_day() {
    let weeks = mondays(date!(2026 - 11 - 04), date!(2026 - 11 - 18));
    assert_eq!(weeks, [date!(2026 - 11 - 02), date!(2026 - 11 - 09), date!(2026 - 11 - 16)]);
}
