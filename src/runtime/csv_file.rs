//! Reading an uploaded CSV file: size and row limits, a required header naming the columns (in
//! any order), and each data row with its line number, so every import reports problems by line.
//! Each value is trimmed and loses the `'` that marks a cell against spreadsheet formulas
//! (csv_safety.rs), so a file MarketEdge exported imports back exactly.

use crate::model::admin::{ImportProblem, IMPORT_MAX_BYTES};
use crate::runtime::csv_safety;

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
    let mut lines = Lines { text: text.as_bytes(), counted: 0, line: 1 };
    for (index, record) in reader.records().enumerate() {
        let line = record
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map_or(index + 2, |p| lines.of_record_at(p.byte() as usize));
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
            .map(|at| {
                let cell = at.and_then(|at| record.get(at)).unwrap_or_default();
                csv_safety::unescape(cell).to_owned()
            })
            .collect();
        rows.push((line, values));
    }
    (rows, problems)
}

/// Line numbers as people count them (after `\r\n`, `\r` or `\n`). The csv crate counts only
/// `\n` and places a record where the previous one ended, before the `\n` of a `\r\n` and any
/// blank lines: it would put a CRLF file's first row on the header's line, every row of a
/// CR-only file on line 1, and rows after a blank line one line early.
struct Lines<'a> {
    text: &'a [u8],
    /// Bytes before this offset are counted in `line`.
    counted: usize,
    line: usize,
}

impl Lines<'_> {
    /// The line of a record whose reading started at byte `from`, past the line breaks there.
    fn of_record_at(&mut self, from: usize) -> usize {
        let mut start = from.min(self.text.len());
        while matches!(self.text.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        for at in self.counted..start {
            let byte = self.text[at];
            if byte == b'\n' || (byte == b'\r' && self.text.get(at + 1) != Some(&b'\n')) {
                self.line += 1;
            }
        }
        self.counted = self.counted.max(start);
        self.line
    }
}
