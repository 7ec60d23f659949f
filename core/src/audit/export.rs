//! The audit trail's export formats, shared by the API and the command line: CSV for
//! spreadsheets and JSON Lines for scripts, one event per row or line, written row by row
//! so an export of any length streams.
//!
//! CSV cells a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab
//! or a carriage return) are written with a leading `'`: an actor or a tag value is text
//! from users, and opening an export must never execute it.
use super::AuditEvent;
use crate::error::{Error, Result};
use crate::time::format_rfc3339_millis;
use std::fmt::Write as _;
use std::str::FromStr;

/// What an export is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Jsonl,
}

impl ExportFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Jsonl => "application/x-ndjson",
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Jsonl => "jsonl",
        }
    }
    /// What goes before the first event: the CSV header row, nothing for JSON Lines.
    pub fn preamble(self) -> String {
        match self {
            ExportFormat::Csv => format!("{}\r\n", CSV_COLUMNS.join(",")),
            ExportFormat::Jsonl => String::new(),
        }
    }
    /// One event as a CSV row or a JSON line, with its line end.
    #[cfg(feature = "server")]
    pub fn write(self, e: &AuditEvent, out: &mut String) {
        match self {
            ExportFormat::Csv => csv_row(e, out),
            ExportFormat::Jsonl => {
                // An event is strings and integers: serialising it cannot fail.
                out.push_str(&serde_json::to_string(e).unwrap_or_default());
                out.push('\n');
            }
        }
    }
}

impl FromStr for ExportFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<ExportFormat> {
        match s {
            "csv" => Ok(ExportFormat::Csv),
            "jsonl" => Ok(ExportFormat::Jsonl),
            _ => Err(Error::invalid(format!(
                "Unknown export format '{s}': use csv or jsonl"
            ))),
        }
    }
}

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 9] = [
    "seq",
    "at",
    "actor",
    "action",
    "subject",
    "before",
    "after",
    "prev_hash",
    "hash",
];

/// One event as a CSV row (RFC 4180: CRLF line ends, fields quoted when they hold a
/// comma, a quote or a line break, quotes doubled).
pub fn csv_row(e: &AuditEvent, out: &mut String) {
    let seq = e.seq.to_string();
    let at = format_rfc3339_millis(e.at);
    let cells = [
        seq.as_str(),
        at.as_str(),
        &e.actor,
        &e.action,
        &e.subject,
        &e.before,
        &e.after,
        &e.prev_hash,
        &e.hash,
    ];
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_cell(cell, out);
    }
    out.push_str("\r\n");
}

/// One CSV cell: made inert if a spreadsheet would read it as a formula, then quoted if
/// it needs to be.
pub fn csv_cell(cell: &str, out: &mut String) {
    let inert = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = cell.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
    }
    if inert {
        out.push('\'');
    }
    if quote {
        for c in cell.chars() {
            if c == '"' {
                out.push('"');
            }
            out.push(c);
        }
        out.push('"');
    } else {
        let _ = write!(out, "{cell}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(s: &str) -> String {
        let mut out = String::new();
        csv_cell(s, &mut out);
        out
    }

    #[test]
    fn cells_are_quoted_and_formulas_made_inert() {
        assert_eq!(cell("alice"), "alice");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("\rx"), "\"'\rx\"");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(cell("{\"k\":\"v\"}"), "\"{\"\"k\"\":\"\"v\"\"}\"");
        assert_eq!(cell("x=1"), "x=1");
        assert_eq!(cell(""), "");
    }

    #[test]
    fn formats_read_their_names() {
        assert_eq!("csv".parse::<ExportFormat>().unwrap(), ExportFormat::Csv);
        assert_eq!(
            "jsonl".parse::<ExportFormat>().unwrap(),
            ExportFormat::Jsonl
        );
        assert!("CSV".parse::<ExportFormat>().is_err());
        assert_eq!(
            ExportFormat::Csv.preamble(),
            "seq,at,actor,action,subject,before,after,prev_hash,hash\r\n"
        );
    }
}
