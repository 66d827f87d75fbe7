//! Reading an uploaded CSV file: size and row limits, a required header naming the columns (in
//! any order), and each data row with its line number, so every import reports problems by line.

use crate::model::admin::{ImportProblem, IMPORT_MAX_BYTES};

pub fn problem(line: usize, message: impl Into<String>) -> ImportProblem {
    ImportProblem { line, message: message.into() }
}

/// The data rows of `text` as (line, values in the order of `columns` then `optional`; an
/// optional column the file lacks reads as empty); problems of shape (too large, no header,
/// unreadable lines, too many rows) are returned instead of rows.
pub fn rows(
    text: &str,
    columns: &[&str],
    optional: &[&str],
    max_rows: usize,
) -> (Vec<(usize, Vec<String>)>, Vec<ImportProblem>) {
    let mut problems = Vec::new();
    if text.len() > IMPORT_MAX_BYTES {
        problems
            .push(problem(0, format!("The file is larger than {} KiB.", IMPORT_MAX_BYTES / 1024)));
        return (Vec::new(), problems);
    }
    let mut reader =
        csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let header = match reader.headers() {
        Ok(header) => header
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase())
            .collect::<Vec<_>>(),
        Err(_) => Vec::new(),
    };
    let positions: Option<Vec<usize>> =
        columns.iter().map(|name| header.iter().position(|h| h == name)).collect();
    let Some(mut positions) = positions.map(|p| p.into_iter().map(Some).collect::<Vec<_>>()) else {
        problems.push(problem(
            1,
            format!("The first line must be a header naming the columns {}.", columns.join(", ")),
        ));
        return (Vec::new(), problems);
    };
    positions.extend(optional.iter().map(|name| header.iter().position(|h| h == name)));
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = record
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map_or(index + 2, |p| p.line() as usize);
        if index >= max_rows {
            problems.push(problem(line, format!("A file may hold at most {max_rows} rows.")));
            break;
        }
        let Ok(record) = record else {
            problems.push(problem(line, "This line is not valid CSV."));
            continue;
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let values = positions
            .iter()
            .map(|at| at.and_then(|at| record.get(at)).unwrap_or_default().to_owned())
            .collect();
        rows.push((line, values));
    }
    (rows, problems)
}
