//! The events CSV (`--events`): deploys and other changes, to name a leak's cause.

use std::io::Read;

use crate::metrics::values::parse_time;
use crate::metrics::{Event, RowError};

/// Reads an events CSV: `timestamp,event` rows, with or without a header.
///
/// ```
/// use oom_core::metrics::parse_events;
///
/// let (events, errors) = parse_events("timestamp,event\n2026-04-24T14:23:00Z,deploy 3e4f891\n".as_bytes())?;
/// assert_eq!(events[0].label, "deploy 3e4f891");
/// assert!(errors.is_empty());
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn parse_events(mut reader: impl Read) -> Result<(Vec<Event>, Vec<RowError>), std::io::Error> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes);
    let mut csv =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let (mut events, mut errors) = (Vec::new(), Vec::new());
    for (index, record) in csv.records().enumerate() {
        let line = Some(index as u64 + 1);
        let Ok(record) = record else {
            errors.push(RowError { line, message: "unreadable CSV row".into() });
            continue;
        };
        let time_text = record.get(0).unwrap_or("").trim();
        let label = record.iter().skip(1).collect::<Vec<_>>().join(",").trim().to_owned();
        if time_text.is_empty() {
            continue;
        }
        match parse_time(time_text) {
            Ok(time) => events.push(Event { time, label }),
            Err(_) if index == 0 => {} // a header
            Err(message) => errors.push(RowError { line, message }),
        }
    }
    events.sort_by(|a, b| a.time.total_cmp(&b.time));
    Ok((events, errors))
}
