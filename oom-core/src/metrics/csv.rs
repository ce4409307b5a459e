//! Long CSV and Grafana CSV: frames separated by blank or `sep=` lines, each with a header, read
//! row by row into the series builder with each broken row's line.

use crate::metrics::assemble::SeriesBuilder;
use crate::metrics::detect::{LIMIT_COLUMNS, TIME_COLUMNS, VALUE_COLUMNS, delimiter_of};
use crate::metrics::labels::parse_label_set;
use crate::metrics::values::{parse_bytes, parse_time};
use crate::metrics::{Labels, MetricsError, RowError, RowErrors};

/// CSV, possibly several frames separated by blank lines, each with its own header.
pub(super) fn csv_blocks(
    text: &str,
    builder: &mut SeriesBuilder,
    errors: &mut RowErrors,
) -> Result<(), MetricsError> {
    let mut delimiter = None;
    let mut found_header = false;
    // A frame is read in place, as a slice of the text between blank (or `sep=`) lines.
    let (mut block_start, mut block_first_line) = (0, 1u64);
    let mut offset = 0;
    for (index, raw) in text.split_inclusive('\n').enumerate() {
        let line = raw.trim_end_matches(['\n', '\r']);
        let sep = line.strip_prefix("sep=");
        if sep.is_some() || line.trim().is_empty() {
            if offset > block_start {
                let block = &text[block_start..offset];
                found_header |= csv_block(block, block_first_line, delimiter, builder, errors);
            }
            if let Some(sep) = sep {
                delimiter = sep.bytes().next();
            }
            block_start = offset + raw.len();
            block_first_line = index as u64 + 2;
        }
        offset += raw.len();
    }
    if text.len() > block_start {
        let block = &text[block_start..];
        found_header |= csv_block(block, block_first_line, delimiter, builder, errors);
    }
    if found_header {
        Ok(())
    } else {
        Err(MetricsError::Layout(
            "no CSV header with a time column (timestamp, time, ts, Time, ...) was found".into(),
        ))
    }
}

/// Line numbers of records' byte offsets, which only move forward. After a CRLF line end the
/// csv crate places the next record at the `\n` (and counts one line short), so a record that
/// starts at a `\n` starts on the line after it.
struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: u64,
}

impl LineCounter<'_> {
    fn line_at(&mut self, byte: u64) -> u64 {
        let mut byte = usize::try_from(byte).unwrap_or(usize::MAX).min(self.text.len());
        if self.text.get(byte) == Some(&b'\n') {
            byte += 1;
        }
        if byte > self.offset {
            self.line +=
                self.text[self.offset..byte].iter().filter(|&&b| b == b'\n').count() as u64;
            self.offset = byte;
        }
        self.line
    }
}

enum Column {
    Time,
    Value,
    Limit,
    Label(String),
    /// A Grafana series column, named by its legend or label set.
    Series(Labels),
}

/// One frame; returns whether it had a usable header.
fn csv_block(
    block: &str,
    first_line: u64,
    delimiter: Option<u8>,
    builder: &mut SeriesBuilder,
    errors: &mut RowErrors,
) -> bool {
    let header_line = block.lines().next().unwrap_or("");
    let delimiter = delimiter.unwrap_or_else(|| delimiter_of(header_line));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(block.as_bytes());
    let mut records = reader.records();
    let Some(Ok(header)) = records.next() else { return false };
    let names: Vec<String> = header.iter().map(|c| c.trim().to_owned()).collect();
    let lower: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    let Some(time_index) = lower.iter().position(|n| TIME_COLUMNS.contains(&n.as_str())) else {
        errors.push(RowError {
            line: Some(first_line),
            message: format!("no time column in header `{}`", header_line.trim()),
        });
        return false;
    };
    let value_index = lower.iter().position(|n| VALUE_COLUMNS.contains(&n.as_str()));
    let columns: Vec<Column> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            if i == time_index {
                Column::Time
            } else if Some(i) == value_index {
                Column::Value
            } else if value_index.is_some() && LIMIT_COLUMNS.contains(&lower[i].as_str()) {
                Column::Limit
            } else if value_index.is_some() {
                Column::Label(name.clone())
            } else {
                Column::Series(parse_label_set(name))
            }
        })
        .collect();
    let mut lines = LineCounter { text: block.as_bytes(), offset: 0, line: first_line };
    let label_columns: Vec<usize> =
        (0..columns.len()).filter(|&i| matches!(columns[i], Column::Label(_))).collect();
    // The label cells of the last row that was added: a dump lists a series' rows one after
    // another, and a row of the same series need not build its label set again.
    let mut previous_cells: Option<Vec<String>> = None;
    // As in the full path below, the last limit column wins.
    let limit_index = columns.iter().rposition(|c| matches!(c, Column::Limit));
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map(|p| lines.line_at(p.byte()));
                errors.push(RowError { line, message: format!("unreadable CSV row: {error}") });
                continue;
            }
        };
        let line = record.position().map_or(first_line, |p| lines.line_at(p.byte()));
        let Some(time_text) = record.get(time_index) else { continue };
        let time = match parse_time(time_text) {
            Ok(time) => time,
            Err(message) => {
                errors.push(RowError { line: Some(line), message });
                continue;
            }
        };
        let same_series = previous_cells.as_ref().is_some_and(|previous| {
            label_columns.iter().zip(previous).all(|(&i, cell)| record.get(i) == Some(cell))
        }) && record.len() >= columns.len();
        if same_series && let Some(value_index) = value_index {
            let limit = limit_index
                .and_then(|i| record.get(i))
                .and_then(|cell| parse_bytes(cell).ok().flatten());
            match record.get(value_index).map(parse_bytes) {
                Some(Ok(Some(bytes))) => builder.push_to_last(time, bytes, limit),
                Some(Err(message)) => errors.push(RowError { line: Some(line), message }),
                Some(Ok(None)) | None => {}
            }
            continue;
        }
        let mut labels = Labels::new();
        let mut value = None;
        let mut limit = None;
        for (cell, column) in record.iter().zip(&columns) {
            match column {
                Column::Time => {}
                Column::Value => value = Some(cell),
                Column::Limit => limit = parse_bytes(cell).ok().flatten(),
                Column::Label(name) => {
                    // Grafana's per-series layout puts the label set in a "Series" column.
                    if cell.trim_start().starts_with('{') || cell.contains("{") {
                        labels.extend(parse_label_set(cell));
                    } else {
                        labels.insert(name.clone(), cell.trim().to_owned());
                    }
                }
                Column::Series(series_labels) => match parse_bytes(cell) {
                    Ok(Some(bytes)) => builder.push(series_labels.clone(), time, bytes, None),
                    Ok(None) => {}
                    Err(message) => errors.push(RowError { line: Some(line), message }),
                },
            }
        }
        if let Some(cell) = value {
            match parse_bytes(cell) {
                Ok(Some(bytes)) => {
                    builder.push(labels, time, bytes, limit);
                    // A short row has fewer labels than its cells suggest: no shortcut from it.
                    previous_cells = (record.len() >= columns.len()).then(|| {
                        let cell = |i: usize| record.get(i).unwrap_or_default().to_owned();
                        label_columns.iter().map(|&i| cell(i)).collect()
                    });
                }
                Ok(None) => {}
                Err(message) => errors.push(RowError { line: Some(line), message }),
            }
        }
    }
    true
}
