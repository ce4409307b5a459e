//! Which layout a dump is in, the delimiter of a CSV header, and the column names recognised.

use crate::metrics::InputFormat;

/// Names (lower case) of a long CSV's time column.
pub(super) const TIME_COLUMNS: [&str; 8] =
    ["timestamp", "time", "ts", "date", "datetime", "t", "@timestamp", "_time"];
/// Names (lower case) of a long CSV's value column; a header without one is Grafana's layout.
pub(super) const VALUE_COLUMNS: [&str; 10] = [
    "value",
    "bytes",
    "memory",
    "working_set_bytes",
    "container_memory_working_set_bytes",
    "memory_bytes",
    "usage",
    "usage_bytes",
    "rss",
    "_value",
];
/// Names (lower case) of a long CSV's limit column.
pub(super) const LIMIT_COLUMNS: [&str; 4] =
    ["limit", "limit_bytes", "memory_limit", "memory_limit_bytes"];

/// The layout of a dump: JSON is Prometheus; a CSV header with a value column is a long CSV,
/// one without is Grafana's "series joined by time".
pub(super) fn detect(text: &str) -> InputFormat {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return InputFormat::PrometheusJson;
    }
    let header =
        text.lines().find(|l| !l.trim().is_empty() && !l.starts_with("sep=")).unwrap_or("");
    let delimiter = delimiter_of(header);
    let has_value_column = split_header(header, delimiter)
        .iter()
        .any(|c| VALUE_COLUMNS.contains(&c.to_ascii_lowercase().as_str()));
    if has_value_column { InputFormat::LongCsv } else { InputFormat::GrafanaCsv }
}

/// `;` when a header has more unquoted semicolons than commas (Grafana in some locales), else `,`.
pub(super) fn delimiter_of(header: &str) -> u8 {
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

/// The cells of a header line, trimmed.
fn split_header(header: &str, delimiter: u8) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .from_reader(header.as_bytes());
    reader
        .records()
        .next()
        .and_then(Result::ok)
        .map(|r| r.iter().map(|c| c.trim().to_owned()).collect())
        .unwrap_or_default()
}
