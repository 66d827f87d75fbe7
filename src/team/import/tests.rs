use super::*;

fn lines(text: &str) -> Vec<(usize, String)> {
    parse(text).problems.into_iter().map(|p| (p.line, p.message)).collect()
}

#[test]
fn a_valid_file_parses_in_any_column_order() {
    let parsed =
        parse("role,email,name\nanalyst,Ana@Example.com,Ana\nviewer,vic@example.com,Vic\n");
    assert!(parsed.problems.is_empty());
    let emails: Vec<_> = parsed.rows.iter().map(|(line, i)| (*line, i.email.clone())).collect();
    assert_eq!(emails, [(2, "ana@example.com".to_owned()), (3, "vic@example.com".to_owned())]);
}

#[test]
fn every_bad_row_is_reported_by_line() {
    let problems = lines(
        "email,name,role\nok@example.com,Ok,viewer\nnot-an-email,X,viewer\nb@example.com,B,owner\nok@example.com,Again,admin\n",
    );
    assert_eq!(problems.iter().map(|(line, _)| *line).collect::<Vec<_>>(), [3, 4, 5]);
    assert!(problems[1].1.contains("admin, analyst or viewer"));
    assert!(problems[2].1.contains("also on line 2"));
}

#[test]
fn names_marked_against_formulas_are_read_without_the_mark() {
    let parsed = parse(
        "email,name,role\n'+ana@example.com,'=Boss,viewer\nvic@example.com,'t Hooft,viewer\n",
    );
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let rows: Vec<_> =
        parsed.rows.iter().map(|(_, i)| (i.email.as_str(), i.display_name.as_str())).collect();
    assert_eq!(rows, [("+ana@example.com", "=Boss"), ("vic@example.com", "'t Hooft")]);
}

#[test]
fn the_header_is_required_and_rows_are_bounded() {
    assert_eq!(lines("a,b,c\n1,2,3\n")[0].0, 1);
    let mut big = String::from("email,name,role\n");
    for n in 0..=IMPORT_MAX_ROWS {
        big.push_str(&format!("p{n}@example.com,P,viewer\n"));
    }
    let problems = lines(&big);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].0, IMPORT_MAX_ROWS + 2);
}
