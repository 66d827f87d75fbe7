use super::{parse_flag, read};

#[test]
fn a_formula_mark_is_removed_once_and_only_before_a_formula_start() {
    let (rows, problems) = read(
        "competitor,product,price,observed_at,source,promotion_details\n\
         '=Alpha,'-Day pass,12,2026-01-01,''quoted,'t Hoekje\n",
    );
    assert!(problems.is_empty(), "{problems:?}");
    let values = &rows[0].1;
    assert_eq!(
        [&values[0], &values[1], &values[2], &values[5], &values[7]],
        ["=Alpha", "-Day pass", "12", "'quoted", "'t Hoekje"]
    );
}

#[test]
fn promotion_flags_read_like_people_write_them() {
    assert_eq!(parse_flag("Yes"), Some(true));
    assert_eq!(parse_flag(""), Some(false));
    assert_eq!(parse_flag("maybe"), None);
}
