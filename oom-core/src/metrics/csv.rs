//! Long CSV and Grafana CSV: frames separated by blank or `sep=` lines, each with a header,
//! its columns decided from the header and a sample of rows ([`plan_frame`]), then read row by
//! row into the series builder with each broken row's line.

use crate::metrics::detect::{Column, FramePlan, SAMPLE_ROWS, delimiter_of, plan_frame};
use crate::metrics::is_limit_metric;
use crate::metrics::labels::parse_label_set;
use crate::metrics::values::{Value, parse_time_in, parse_value};
use crate::metrics::{Collector, InputFormat, Labels, MetricsError};

/// CSV, possibly several frames separated by blank lines, each with its own header. Returns the
/// layout of the first frame read.
pub(super) fn csv_blocks(
    text: &str,
    collect: &mut Collector<'_>,
) -> Result<Option<InputFormat>, MetricsError> {
    let mut delimiter = None;
    let mut outcome = Frames::default();
    // A frame is read in place, as a slice of the text between blank (or `sep=`) lines.
    let (mut block_start, mut block_first_line) = (0, 1u64);
    let mut offset = 0;
    for (index, raw) in text.split_inclusive('\n').enumerate() {
        let line = raw.trim_end_matches(['\n', '\r']);
        let sep = line.strip_prefix("sep=");
        if sep.is_some() || line.trim().is_empty() {
            if offset > block_start {
                let block = &text[block_start..offset];
                outcome.add(csv_block(block, block_first_line, delimiter, collect));
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
        outcome.add(csv_block(block, block_first_line, delimiter, collect));
    }
    match (outcome.layout, outcome.refusals.into_iter().next()) {
        (Some(layout), _) => Ok(Some(layout)),
        (None, Some((_, message))) => Err(MetricsError::Layout(message)),
        (None, None) => Err(MetricsError::Layout(
            "no CSV header with a time column (timestamp, time, ts, Time, ...) was found".into(),
        )),
    }
}

#[derive(Default)]
struct Frames {
    /// The layout of the first frame read.
    layout: Option<InputFormat>,
    /// Frames refused: their header line and why.
    refusals: Vec<(u64, String)>,
}

impl Frames {
    fn add(&mut self, frame: Result<Option<InputFormat>, (u64, String)>) {
        match frame {
            Ok(Some(layout)) => {
                self.layout.get_or_insert(layout);
            }
            Ok(None) => {}
            Err(refusal) => self.refusals.push(refusal),
        }
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

/// One frame: its layout when read, nothing when it has no rows or no header, or the refusal.
/// A frame whose header is refused is a row error too, so that later frames are still read.
fn csv_block(
    block: &str,
    first_line: u64,
    delimiter: Option<u8>,
    collect: &mut Collector<'_>,
) -> Result<Option<InputFormat>, (u64, String)> {
    let header_line = block.lines().next().unwrap_or("");
    let delimiter = delimiter.unwrap_or_else(|| delimiter_of(header_line));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(block.as_bytes());
    let mut records = reader.records();
    let Some(Ok(header)) = records.next() else { return Ok(None) };
    let names: Vec<String> = header.iter().map(|c| c.trim().to_owned()).collect();
    let mut lines = LineCounter { text: block.as_bytes(), offset: 0, line: first_line };
    // The sample the plan is decided from; its rows are then read like the rest.
    let mut sample = Vec::new();
    for record in records.by_ref().take(SAMPLE_ROWS) {
        sample.push(record);
    }
    let cells: Vec<Vec<String>> = sample
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|r| r.iter().map(str::to_owned).collect())
        .collect();
    let plan = match plan_frame(&names, &cells, collect.metric, delimiter) {
        Ok(plan) => plan,
        Err(message) => {
            collect.error(Some(first_line), message.clone());
            return Err((first_line, message));
        }
    };
    for note in &plan.notes {
        if !collect.notes.contains(note) {
            collect.notes.push(note.clone());
        }
    }
    let mut rows = Rows::new(&plan, &names);
    for record in sample.into_iter().chain(records) {
        rows.read(record, &mut lines, first_line, collect);
    }
    Ok(Some(plan.layout))
}

/// The row reader of one frame.
struct Rows<'p> {
    plan: &'p FramePlan,
    time_index: usize,
    value_index: Option<(usize, f64)>,
    limit_index: Option<(usize, f64)>,
    label_columns: Vec<usize>,
    /// The label cells of the last row that was added: a dump lists a series' rows one after
    /// another, and a row of the same series need not build its label set again.
    previous_cells: Option<Vec<String>>,
    /// The header's fields: a row with more non-empty fields is broken.
    width: usize,
    /// The header's fields up to its last named one: a row with fewer is broken (a trailing
    /// delimiter in the header adds an unnamed field that rows may leave out).
    required: usize,
}

impl<'p> Rows<'p> {
    fn new(plan: &'p FramePlan, names: &[String]) -> Self {
        let columns = &plan.columns;
        let time_index = columns.iter().position(|c| *c == Column::Time).unwrap_or(0);
        let value_index = columns.iter().enumerate().find_map(|(i, c)| match c {
            Column::Value { scale } => Some((i, *scale)),
            _ => None,
        });
        // As in the full path below, the last limit column wins.
        let limit_index = columns.iter().enumerate().rev().find_map(|(i, c)| match c {
            Column::Limit { scale } => Some((i, *scale)),
            _ => None,
        });
        let label_columns =
            (0..columns.len()).filter(|&i| matches!(columns[i], Column::Label(_))).collect();
        let width = names.len();
        let required = names.iter().rposition(|n| !n.is_empty()).map_or(0, |i| i + 1);
        Rows {
            plan,
            time_index,
            value_index,
            limit_index,
            label_columns,
            previous_cells: None,
            width,
            required,
        }
    }

    fn limit(&self, record: &csv::StringRecord) -> Option<f64> {
        let (index, scale) = self.limit_index?;
        match parse_value(record.get(index)?, self.plan.style, scale) {
            Ok(Value::Bytes(bytes)) => Some(bytes),
            _ => None,
        }
    }

    fn read(
        &mut self,
        record: Result<csv::StringRecord, csv::Error>,
        lines: &mut LineCounter<'_>,
        first_line: u64,
        collect: &mut Collector<'_>,
    ) {
        let style = self.plan.style;
        let columns = &self.plan.columns;
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map(|p| lines.line_at(p.byte()));
                collect.error(line, format!("unreadable CSV row: {error}"));
                return;
            }
        };
        let line = record.position().map_or(first_line, |p| lines.line_at(p.byte()));
        // A ragged row's cells cannot be matched to the header's columns: broken, not a gap.
        // Empty fields past the header's end (a trailing delimiter) are no data.
        let extra = record.iter().skip(self.width).any(|cell| !cell.trim().is_empty());
        if record.len() < self.required || extra {
            collect.error(
                Some(line),
                format!(
                    "broken CSV row: {} where the header has {}",
                    crate::text::count(record.len(), "field", "fields"),
                    self.width
                ),
            );
            return;
        }
        let Some(time_text) = record.get(self.time_index) else { return };
        let time = match parse_time_in(time_text, collect.zone) {
            Ok(time) => time,
            Err(message) => {
                collect.error(Some(line), message);
                return;
            }
        };
        if !collect.time_ok(Some(line), "", time) {
            return;
        }
        let same_series = self.previous_cells.as_ref().is_some_and(|previous| {
            self.label_columns.iter().zip(previous).all(|(&i, cell)| record.get(i) == Some(cell))
        }) && record.len() >= columns.len();
        if same_series && let Some((value_index, scale)) = self.value_index {
            let limit = self.limit(&record);
            match record.get(value_index).map(|cell| parse_value(cell, style, scale)) {
                Some(Ok(Value::Bytes(bytes))) => {
                    if collect.sample_ok(
                        Some(line),
                        "",
                        collect.builder.last_is_limit(),
                        time,
                        bytes,
                    ) {
                        collect.builder.push_to_last(time, bytes, limit)
                    }
                }
                Some(Err(message)) => collect.error(Some(line), message),
                Some(Ok(Value::Gap)) | None => collect.gaps += 1,
            }
            return;
        }
        let mut labels = Labels::new();
        let mut value = None;
        let limit = self.limit(&record);
        for (cell, column) in record.iter().zip(columns) {
            match column {
                Column::Time | Column::Limit { .. } | Column::Ignored => {}
                Column::Value { scale } => value = Some((cell, *scale)),
                Column::Label(name) => {
                    // Grafana's per-series layout puts the label set in a "Series" column.
                    if cell.contains('{') {
                        labels.extend(parse_label_set(cell));
                    } else if name.eq_ignore_ascii_case("series") {
                        // A bare legend names the series itself.
                        labels.insert("series".to_owned(), cell.trim().to_owned());
                    } else {
                        labels.insert(name.clone(), cell.trim().to_owned());
                    }
                }
                Column::Series { labels: series_labels, scale } => {
                    match parse_value(cell, style, *scale) {
                        Ok(Value::Bytes(bytes)) => {
                            if collect.sample_ok(
                                Some(line),
                                "",
                                is_limit_metric(series_labels),
                                time,
                                bytes,
                            ) {
                                collect.builder.push(series_labels.clone(), time, bytes, limit)
                            }
                        }
                        Ok(Value::Gap) => collect.gaps += 1,
                        Err(message) => collect.error(Some(line), message),
                    }
                }
            }
        }
        if let Some((cell, scale)) = value {
            match parse_value(cell, style, scale) {
                Ok(Value::Bytes(bytes))
                    if !collect.sample_ok(
                        Some(line),
                        "",
                        is_limit_metric(&labels),
                        time,
                        bytes,
                    ) => {}
                Ok(Value::Bytes(bytes)) => {
                    collect.builder.push(labels, time, bytes, limit);
                    // A short row has fewer labels than its cells suggest: no shortcut from it.
                    self.previous_cells = (record.len() >= columns.len()).then(|| {
                        let cell = |i: usize| record.get(i).unwrap_or_default().to_owned();
                        self.label_columns.iter().map(|&i| cell(i)).collect()
                    });
                }
                Ok(Value::Gap) => collect.gaps += 1,
                Err(message) => collect.error(Some(line), message),
            }
        } else if self.value_index.is_some() {
            // A short row without its value cell.
            collect.gaps += 1;
        }
    }
}
