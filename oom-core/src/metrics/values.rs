//! Memory values with units (`312 MiB`, `1.2 GB`, `512Mi`), numbers as spreadsheets and
//! locales write them (`1,767,870.212`, `1.767.870,212`, `1 767 870`), gaps (`NaN`, `±Inf`,
//! `null`, empty), and timestamps (RFC 3339, civil times in a given zone, Unix seconds,
//! milliseconds, microseconds or nanoseconds).

use jiff::tz::TimeZone;

use crate::quantity::Quantity;

/// Unix timestamps below this are seconds; up to [`EPOCH_MILLIS_BELOW`], milliseconds; up to
/// [`EPOCH_MICROS_BELOW`], microseconds; beyond, nanoseconds. 10¹¹ s is the year 5138 and
/// 10¹¹ ms is March 1973, so every date a metric dump can hold falls in one band only.
pub const EPOCH_SECONDS_BELOW: f64 = 1e11;
/// See [`EPOCH_SECONDS_BELOW`].
pub const EPOCH_MILLIS_BELOW: f64 = 1e14;
/// See [`EPOCH_SECONDS_BELOW`].
pub const EPOCH_MICROS_BELOW: f64 = 1e17;

/// The largest believable memory value of one container: 1 PiB (2⁵⁰ bytes). The largest
/// machines sold hold tens of TiB; a value beyond this (`1e308`, a sentinel, a counter read as
/// bytes) is a broken row, never a spike.
pub const MAX_PLAUSIBLE_BYTES: f64 = 1_125_899_906_842_624.0;

/// The earliest believable sample time, after the unit of an epoch is decided:
/// 1990-01-01T00:00:00Z. Earlier times are relative seconds, a wrong unit or garbage (`-1e20`).
pub const EARLIEST_PLAUSIBLE_TIME: f64 = 631_152_000.0;

/// The latest believable sample time: 2200-01-01T00:00:00Z (`1e300` is not a time).
pub const LATEST_PLAUSIBLE_TIME: f64 = 7_258_118_400.0;

/// Whether a sample time (Unix seconds) lies between [`EARLIEST_PLAUSIBLE_TIME`] and
/// [`LATEST_PLAUSIBLE_TIME`]; the error says why not.
pub(super) fn check_time(time: f64) -> Result<(), String> {
    if (EARLIEST_PLAUSIBLE_TIME..=LATEST_PLAUSIBLE_TIME).contains(&time) {
        return Ok(());
    }
    Err(format!(
        "time {} is outside 1990..2200: not a date this dump can hold (relative seconds? a \
         wrong unit?); the row is skipped",
        format_time(time)
    ))
}

/// Whether a memory value in bytes is at most [`MAX_PLAUSIBLE_BYTES`].
pub(super) fn check_bytes(bytes: f64) -> Result<(), String> {
    if bytes <= MAX_PLAUSIBLE_BYTES {
        return Ok(());
    }
    Err(format!(
        "memory value {bytes:e} bytes is above 1 PiB, more than any machine's memory: not a byte \
         count; the row is skipped"
    ))
}

/// Parses a time: RFC 3339 / ISO 8601 with or without a zone (no zone = UTC), or a Unix
/// timestamp in seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude
/// (see [`EPOCH_SECONDS_BELOW`]), fractions allowed.
///
/// ```
/// use oom_core::metrics::parse_time;
///
/// assert_eq!(parse_time("2026-04-24T14:23:00Z"), Ok(1_777_040_580.0));
/// assert_eq!(parse_time("2026-04-24 14:23:00"), Ok(1_777_040_580.0));
/// assert_eq!(parse_time("2026-04-24T16:23:00+02:00"), Ok(1_777_040_580.0));
/// assert_eq!(parse_time("1777040580000"), Ok(1_777_040_580.0));
/// assert_eq!(parse_time("1777040580000000"), Ok(1_777_040_580.0));
/// assert_eq!(parse_time("1777040580000000000"), Ok(1_777_040_580.0));
/// assert_eq!(parse_time("1777040580.5"), Ok(1_777_040_580.5));
/// ```
pub fn parse_time(text: &str) -> Result<f64, String> {
    parse_time_in(text, &TimeZone::UTC)
}

/// [`parse_time`], with times written without a zone (Grafana's local `2026-04-24 16:23:00`)
/// read in `zone`.
///
/// ```
/// use oom_core::metrics::parse_time_in;
/// use jiff::tz::{Offset, TimeZone};
///
/// let cest = TimeZone::fixed(Offset::constant(2));
/// assert_eq!(parse_time_in("2026-04-24 16:23:00", &cest), Ok(1_777_040_580.0));
/// // An explicit offset or a Unix timestamp is not affected.
/// assert_eq!(parse_time_in("2026-04-24T14:23:00Z", &cest), Ok(1_777_040_580.0));
/// ```
pub fn parse_time_in(text: &str, zone: &TimeZone) -> Result<f64, String> {
    let text = text.trim();
    if let Some(seconds) = epoch_seconds(text) {
        return seconds;
    }
    if let Ok(timestamp) = text.parse::<jiff::Timestamp>() {
        return Ok(timestamp.as_nanosecond() as f64 / 1e9);
    }
    let civil = text.parse::<jiff::civil::DateTime>().ok().or_else(|| {
        // Grafana and spreadsheets also write `2026/04/24 14:23:00`.
        let dashed = text.replacen('/', "-", 2);
        dashed.parse::<jiff::civil::DateTime>().ok()
    });
    if let Some(datetime) = civil
        && let Ok(timestamp) = zone.to_timestamp(datetime)
    {
        return Ok(timestamp.as_nanosecond() as f64 / 1e9);
    }
    Err(format!(
        "invalid time `{text}`: expected RFC 3339 (2026-04-24T14:23:00Z) or a Unix timestamp"
    ))
}

/// A Unix timestamp in s, ms, µs or ns; `None` when `text` is not a number at all. Integers
/// are divided exactly: a nanosecond timestamp has more digits than an `f64` holds.
fn epoch_seconds(text: &str) -> Option<Result<f64, String>> {
    let invalid = || Err(format!("invalid time `{text}`"));
    if !text.is_empty() && text.len() <= 20 && text.bytes().all(|b| b.is_ascii_digit()) {
        let whole: u64 = text.parse().ok()?;
        let divisor: u64 = match whole as f64 {
            n if n < EPOCH_SECONDS_BELOW => 1,
            n if n < EPOCH_MILLIS_BELOW => 1_000,
            n if n < EPOCH_MICROS_BELOW => 1_000_000,
            _ => 1_000_000_000,
        };
        return Some(Ok((whole / divisor) as f64 + (whole % divisor) as f64 / divisor as f64));
    }
    let number: f64 = text.parse().ok()?;
    if !number.is_finite() || number < 0.0 {
        return Some(invalid());
    }
    Some(Ok(match number {
        n if n < EPOCH_SECONDS_BELOW => n,
        n if n < EPOCH_MILLIS_BELOW => n / 1e3,
        n if n < EPOCH_MICROS_BELOW => n / 1e6,
        n => n / 1e9,
    }))
}

/// Formats Unix seconds as RFC 3339 in UTC, to the second; a time no calendar holds as a
/// short number (`1e300`), never hundreds of digits.
///
/// ```
/// assert_eq!(oom_core::metrics::format_time(1_777_040_580.0), "2026-04-24T14:23:00Z");
/// assert_eq!(oom_core::metrics::format_time(1e300), "1e300");
/// ```
pub fn format_time(seconds: f64) -> String {
    let fits = seconds.is_finite() && seconds.abs() < 1e15;
    fits.then(|| jiff::Timestamp::from_second(seconds.round() as i64).ok())
        .flatten()
        .map(|t| t.to_string())
        .unwrap_or_else(|| format!("{seconds:e}"))
}

/// How a column writes its numbers, decided from a sample of its cells
/// ([`NumberStyle::of_cells`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum NumberStyle {
    /// `.` is the decimal point; `,` groups thousands (`1,767,870.212`).
    #[default]
    DecimalPoint,
    /// `,` is the decimal separator; `.` groups thousands (`1.767.870,212`, `313767870,5`).
    DecimalComma,
}

impl NumberStyle {
    /// The style of a column: a `.` before a `,`, or a single `,` not followed by exactly
    /// three digits, is a decimal comma; a `,` before a `.`, or several `,`, groups thousands.
    /// With no evidence either way (`313,767` only), `;`-separated files use decimal commas
    /// (the locales that write them) and others decimal points.
    pub(super) fn of_cells<'a>(cells: impl Iterator<Item = &'a str>, delimiter: u8) -> Self {
        let (mut comma_decimal, mut point_decimal) = (0, 0);
        for cell in cells {
            // The number before any unit; a cell that is not a number at all says nothing.
            let cell = cell.trim();
            let end = cell
                .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+')))
                .unwrap_or(cell.len());
            if !cell[end..].trim().chars().all(|c| c.is_ascii_alphabetic()) {
                continue;
            }
            let cell = &cell[..end];
            let (comma, point) = (cell.find(','), cell.find('.'));
            let (commas, points) = (cell.matches(',').count(), cell.matches('.').count());
            let digits_after =
                |at: usize| cell[at + 1..].bytes().take_while(|b| b.is_ascii_digit()).count();
            match (comma, point) {
                (Some(c), Some(p)) if p < c => comma_decimal += 1,
                (Some(_), Some(_)) => point_decimal += 1,
                // Several separators of one kind group thousands when their groups are threes.
                (Some(_), None) if commas > 1 => {
                    point_decimal += usize::from(ungroup(cell, ',').is_some())
                }
                (None, Some(_)) if points > 1 => {
                    comma_decimal += usize::from(ungroup(cell, '.').is_some())
                }
                // A single separator not followed by exactly three digits is a decimal one.
                (Some(c), None) => comma_decimal += usize::from(digits_after(c) != 3),
                (None, Some(p)) => point_decimal += usize::from(digits_after(p) != 3),
                (None, None) => {}
            }
        }
        if comma_decimal > point_decimal
            || (comma_decimal == 0 && point_decimal == 0 && delimiter == b';')
        {
            NumberStyle::DecimalComma
        } else {
            NumberStyle::DecimalPoint
        }
    }
}

/// What one value cell holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Value {
    /// Bytes.
    Bytes(f64),
    /// No value: empty, `NaN`, `±Inf`, `null` — a gap, counted.
    Gap,
}

/// Texts that stand for "no value" in some exporter: Prometheus writes `NaN` and `±Inf`,
/// JSON `null`, spreadsheets `-`, `n/a` or `#N/A`.
fn is_gap(lower: &str) -> bool {
    matches!(
        lower,
        "" | "nan"
            | "-nan"
            | "+nan"
            | "null"
            | "none"
            | "-"
            | "n/a"
            | "#n/a"
            | "inf"
            | "+inf"
            | "-inf"
            | "infinity"
            | "+infinity"
            | "-infinity"
            | "undefined"
    )
}

/// Digits grouped by `separator` in threes (`1,767,870`), with the separator removed; `None`
/// when the groups are not threes.
fn ungroup(text: &str, separator: char) -> Option<String> {
    let mut parts = text.split(separator);
    let first = parts.next()?;
    let sign = usize::from(first.starts_with(['-', '+']));
    if first.len() <= sign || first.len() - sign > 3 {
        return None;
    }
    let mut out = first.to_owned();
    for part in parts {
        if part.len() != 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        out.push_str(part);
    }
    Some(out)
}

/// The number part of a cell in plain Rust syntax, or `None` when its separators make no sense.
fn plain_number(number: &str, style: NumberStyle) -> Option<String> {
    // Spaces (and no-break, thin spaces, apostrophes) between digits group thousands.
    let number: String = number.replace(['\u{a0}', '\u{202f}', '\u{2009}', ' ', '\''], "");
    let (thousands, decimal) = match style {
        NumberStyle::DecimalPoint => (',', '.'),
        NumberStyle::DecimalComma => ('.', ','),
    };
    let (whole, fraction) = match number.rfind(decimal) {
        Some(at) => (&number[..at], Some(&number[at + 1..])),
        None => (number.as_str(), None),
    };
    if fraction.is_some_and(|f| f.contains([',', '.'])) {
        return None;
    }
    let whole = if whole.contains(thousands) { ungroup(whole, thousands)? } else { whole.into() };
    Some(match fraction {
        Some(fraction) => format!("{whole}.{fraction}"),
        None => whole,
    })
}

/// The scale of a unit name (`MiB`, `Mi`, `GB`, `bytes`, ...), case as written.
fn unit_scale(unit: &str) -> Option<f64> {
    Some(match unit {
        "" | "B" | "bytes" | "b" | "byte" | "Bytes" => 1.0,
        "KiB" | "Ki" | "kiB" => 1024.0,
        "MiB" | "Mi" => 1048576.0,
        "GiB" | "Gi" => 1073741824.0,
        "TiB" | "Ti" => 1099511627776.0,
        "kB" | "KB" | "k" | "K" => 1e3,
        "MB" | "M" => 1e6,
        "GB" | "G" => 1e9,
        "TB" | "T" => 1e12,
        _ => return None,
    })
}

/// The unit a column header names (`value_mib`, `memory (MiB)`, `usage [MB]`, `rss_kb`,
/// `working_set_bytes`): the header without it, and the unit's scale. Units are read as
/// written: `kb`, `mb`, `gb` are powers of 1000, `kib`, `mib`, `gib` of 1024.
pub(super) fn header_unit(header: &str) -> (String, Option<f64>) {
    let header = header.trim();
    let lower = header.to_ascii_lowercase();
    let scale = |unit: &str, bracketed: bool| -> Option<f64> {
        Some(match unit.trim() {
            // A bare `_b` or `-k` ends many a legend (`cache-b`): only in brackets.
            "b" | "k" if !bracketed => return None,
            "b" | "bytes" | "byte" => 1.0,
            "kib" | "ki" => 1024.0,
            "mib" | "mi" => 1048576.0,
            "gib" | "gi" => 1073741824.0,
            "tib" | "ti" => 1099511627776.0,
            "kb" | "k" => 1e3,
            "mb" => 1e6,
            "gb" => 1e9,
            "tb" => 1e12,
            _ => return None,
        })
    };
    for (open, close) in [('(', ')'), ('[', ']')] {
        if let Some(body) = lower.strip_suffix(close)
            && let Some(at) = body.rfind(open)
            && let Some(scale) = scale(&body[at + 1..], true)
        {
            return (header[..at].trim().to_owned(), Some(scale));
        }
    }
    for separator in ['_', ' '] {
        if let Some(at) = lower.rfind(separator)
            && at > 0
            && let Some(scale) = scale(&lower[at + 1..], false)
        {
            return (header[..at].trim().to_owned(), Some(scale));
        }
    }
    (header.to_owned(), None)
}

/// Reads one value cell: a gap, or bytes. A unit in the cell (`300 MiB`) wins; a bare number
/// is in `unit_scale` (the header's unit; bytes when it names none).
pub(super) fn parse_value(
    text: &str,
    style: NumberStyle,
    header_scale: f64,
) -> Result<Value, String> {
    let text = text.trim();
    // The common case, a plain number (`370344211`, `3.13768e+08`), without allocating.
    if let Ok(number) = text.parse::<f64>() {
        let bytes = number * header_scale;
        // `NaN`, `inf`, `+Infinity` are gaps; `1e400` overflows.
        return if !number.is_finite() && text.contains(['n', 'N']) {
            Ok(Value::Gap)
        } else if !bytes.is_finite() {
            Err(format!("memory value `{text}` is out of range"))
        } else if bytes < 0.0 {
            Err(format!("negative memory value `{text}`"))
        } else {
            Ok(Value::Bytes(bytes))
        };
    }
    if is_gap(&text.to_ascii_lowercase()) {
        return Ok(Value::Gap);
    }
    let split = text
        .find(|c: char| {
            !(c.is_ascii_digit()
                || matches!(c, '.' | ',' | '-' | '+' | 'e' | 'E' | ' ' | '\'')
                || c == '\u{a0}'
                || c == '\u{202f}'
                || c == '\u{2009}')
        })
        .unwrap_or(text.len());
    // `1e9` is a number, but in `512Ei` the `E` belongs to the unit.
    let (number, unit) = match plain_number(text[..split].trim(), style) {
        Some(number) if number.parse::<f64>().is_ok() => (number, text[split..].trim()),
        _ => {
            let digits = text
                .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+')))
                .unwrap_or(text.len());
            let number = plain_number(text[..digits].trim(), style)
                .ok_or_else(|| format!("invalid memory value `{text}`"))?;
            (number, text[digits..].trim())
        }
    };
    let value: f64 = number.parse().map_err(|_| format!("invalid memory value `{text}`"))?;
    let scale = match unit_scale(unit) {
        Some(_) if unit.is_empty() => header_scale,
        Some(scale) => scale,
        None => {
            return Quantity::parse(&format!("{number}{unit}"))
                .map_err(|_| format!("invalid memory value `{text}`: unknown unit `{unit}`"))
                .and_then(|q| {
                    if q.is_negative() {
                        Err(format!("negative memory value `{text}`"))
                    } else {
                        Ok(Value::Bytes(q.magnitude_bytes() as f64))
                    }
                });
        }
    };
    let bytes = value * scale;
    if !bytes.is_finite() {
        return Err(format!("memory value `{text}` is out of range"));
    }
    if bytes < 0.0 {
        return Err(format!("negative memory value `{text}`"));
    }
    Ok(Value::Bytes(bytes))
}

/// Parses a memory value: bytes, or a number with a unit (`312 MiB`, `1.2 GB`, `512Mi`),
/// thousands grouped by `,` or spaces allowed. `Ok(None)` is a gap (empty, `NaN`, `±Inf`,
/// `null`).
///
/// ```
/// use oom_core::metrics::parse_bytes;
///
/// assert_eq!(parse_bytes("312 MiB"), Ok(Some(312.0 * 1048576.0)));
/// assert_eq!(parse_bytes("1.2 GB"), Ok(Some(1.2e9)));
/// assert_eq!(parse_bytes("512Mi"), Ok(Some(536870912.0)));
/// assert_eq!(parse_bytes("1,767,870.5"), Ok(Some(1767870.5)));
/// assert_eq!(parse_bytes("3.13768e+08"), Ok(Some(313768000.0)));
/// assert_eq!(parse_bytes("NaN"), Ok(None));
/// assert_eq!(parse_bytes("+Inf"), Ok(None));
/// assert!(parse_bytes("-5").is_err());
/// ```
pub fn parse_bytes(text: &str) -> Result<Option<f64>, String> {
    match parse_value(text, NumberStyle::DecimalPoint, 1.0)? {
        Value::Bytes(bytes) => Ok(Some(bytes)),
        Value::Gap => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, style: NumberStyle) -> Result<Value, String> {
        parse_value(text, style, 1.0)
    }

    #[test]
    fn values_with_units() {
        assert_eq!(parse_bytes("1e9"), Ok(Some(1e9)));
        assert_eq!(parse_bytes("2 KiB"), Ok(Some(2048.0)));
        assert_eq!(parse_bytes("1Ei"), Ok(Some(1152921504606846976.0)));
        assert!(parse_bytes("12 parsecs").is_err());
        assert!(parse_bytes("abc").is_err());
        assert!(parse_bytes("-1Mi").is_err());
    }

    #[test]
    fn separators_by_style() {
        use NumberStyle::*;
        assert_eq!(read("1,767,870.212", DecimalPoint), Ok(Value::Bytes(1_767_870.212)));
        assert_eq!(read("1.767.870,5", DecimalComma), Ok(Value::Bytes(1_767_870.5)));
        assert_eq!(read("313767870,25", DecimalComma), Ok(Value::Bytes(313_767_870.25)));
        assert_eq!(read("1 767 870", DecimalPoint), Ok(Value::Bytes(1_767_870.0)));
        assert_eq!(read("1\u{a0}767\u{a0}870,5", DecimalComma), Ok(Value::Bytes(1_767_870.5)));
        assert_eq!(read("3,13768e+08", DecimalComma), Ok(Value::Bytes(313_768_000.0)));
        assert_eq!(read("300,5 MiB", DecimalComma), Ok(Value::Bytes(300.5 * 1048576.0)));
        assert!(read("1,76,870", DecimalPoint).is_err());
        assert!(read("1.5.3", DecimalPoint).is_err());
    }

    #[test]
    fn gaps_are_the_same_everywhere() {
        assert!(read("1e400", NumberStyle::DecimalPoint).is_err());
        for gap in ["", "NaN", "+Inf", "-Inf", "Inf", "inf", "+Infinity", "null", "n/a", "#N/A"] {
            assert_eq!(read(gap, NumberStyle::DecimalPoint), Ok(Value::Gap), "{gap}");
        }
    }

    #[test]
    fn styles_from_samples() {
        use NumberStyle::*;
        let of = |cells: &[&str], d| NumberStyle::of_cells(cells.iter().copied(), d);
        assert_eq!(of(&["313,767,870.212", "1,000"], b';'), DecimalPoint);
        assert_eq!(of(&["313767870,212", "313767870,5"], b';'), DecimalComma);
        assert_eq!(of(&["1.767.870,5"], b','), DecimalComma);
        assert_eq!(of(&["313,767"], b';'), DecimalComma);
        assert_eq!(of(&["313,767"], b','), DecimalPoint);
        assert_eq!(of(&["313767870"], b','), DecimalPoint);
    }

    #[test]
    fn header_units() {
        assert_eq!(header_unit("value_mib"), ("value".into(), Some(1048576.0)));
        assert_eq!(header_unit("Memory (MiB)"), ("Memory".into(), Some(1048576.0)));
        assert_eq!(header_unit("cache_b"), ("cache_b".into(), None));
        assert_eq!(header_unit("usage [MB]"), ("usage".into(), Some(1e6)));
        assert_eq!(header_unit("rss_kb"), ("rss".into(), Some(1e3)));
        assert_eq!(header_unit("working_set_bytes"), ("working_set".into(), Some(1.0)));
        assert_eq!(header_unit("value"), ("value".into(), None));
    }

    #[test]
    fn epochs_by_magnitude() {
        assert_eq!(parse_time("1777000000"), Ok(1_777_000_000.0));
        assert_eq!(parse_time("1777000000123"), Ok(1_777_000_000.123));
        assert_eq!(parse_time("1777000000000000"), Ok(1_777_000_000.0));
        assert_eq!(parse_time("1777000060000000000"), Ok(1_777_000_060.0));
        assert_eq!(parse_time("1776902400.000"), Ok(1_776_902_400.0));
        assert!(parse_time("-5").is_err());
        assert!(parse_time("soon").is_err());
    }
}
