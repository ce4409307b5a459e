//! Memory values with units (`312 MiB`, `1.2 GB`, `512Mi`) and timestamps (RFC 3339, Unix
//! seconds, milliseconds, microseconds).

use crate::quantity::Quantity;

/// Parses a time: RFC 3339 / ISO 8601 with or without a zone (no zone = UTC), or Unix seconds,
/// milliseconds or microseconds (told apart by magnitude), fractions allowed.
///
/// ```
/// use oom_core::metrics::parse_time;
///
/// assert_eq!(parse_time("2026-04-24T14:23:00Z"), Ok(1_777_040_580.0));
/// assert_eq!(parse_time("2026-04-24 14:23:00"), Ok(1_777_040_580.0));
/// assert_eq!(parse_time("2026-04-24T16:23:00+02:00"), Ok(1_777_040_580.0));
/// assert_eq!(parse_time("1777040580000"), Ok(1_777_040_580.0));
/// assert_eq!(parse_time("1777040580.5"), Ok(1_777_040_580.5));
/// ```
pub fn parse_time(text: &str) -> Result<f64, String> {
    let text = text.trim();
    if let Ok(number) = text.parse::<f64>() {
        if !number.is_finite() || number < 0.0 {
            return Err(format!("invalid time `{text}`"));
        }
        return Ok(if number > 1e14 {
            number / 1e6
        } else if number > 1e11 {
            number / 1e3
        } else {
            number
        });
    }
    if let Ok(timestamp) = text.parse::<jiff::Timestamp>() {
        return Ok(timestamp.as_nanosecond() as f64 / 1e9);
    }
    if let Ok(datetime) = text.parse::<jiff::civil::DateTime>()
        && let Ok(timestamp) = jiff::tz::TimeZone::UTC.to_timestamp(datetime)
    {
        return Ok(timestamp.as_nanosecond() as f64 / 1e9);
    }
    Err(format!("invalid time `{text}`: expected RFC 3339 (2026-04-24T14:23:00Z) or Unix seconds"))
}

/// Formats Unix seconds as RFC 3339 in UTC, to the second.
///
/// ```
/// assert_eq!(oom_core::metrics::format_time(1_777_040_580.0), "2026-04-24T14:23:00Z");
/// ```
pub fn format_time(seconds: f64) -> String {
    jiff::Timestamp::from_second(seconds.round() as i64)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| format!("{seconds}"))
}

/// Parses a memory value: bytes, or a number with a unit (`312 MiB`, `1.2 GB`, `512Mi`).
/// `Ok(None)` is a gap (empty, `NaN`, `null`).
///
/// ```
/// use oom_core::metrics::parse_bytes;
///
/// assert_eq!(parse_bytes("312 MiB"), Ok(Some(312.0 * 1048576.0)));
/// assert_eq!(parse_bytes("1.2 GB"), Ok(Some(1.2e9)));
/// assert_eq!(parse_bytes("512Mi"), Ok(Some(536870912.0)));
/// assert_eq!(parse_bytes("NaN"), Ok(None));
/// assert!(parse_bytes("-5").is_err());
/// ```
pub fn parse_bytes(text: &str) -> Result<Option<f64>, String> {
    let text = text.trim();
    if text.is_empty()
        || matches!(text.to_ascii_lowercase().as_str(), "nan" | "null" | "none" | "-" | "n/a")
    {
        return Ok(None);
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
        .unwrap_or(text.len());
    // `1e9` is a number, but in `512Ei` the `E` belongs to the unit.
    let (number, unit) = match text[..split].parse::<f64>() {
        Ok(_) => (&text[..split], text[split..].trim()),
        Err(_) => {
            let digits =
                text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
            (&text[..digits], text[digits..].trim())
        }
    };
    let value: f64 = number.parse().map_err(|_| format!("invalid memory value `{text}`"))?;
    let scale = match unit {
        "" | "B" | "bytes" | "b" => 1.0,
        "KiB" | "Ki" => 1024.0,
        "MiB" | "Mi" => 1048576.0,
        "GiB" | "Gi" => 1073741824.0,
        "TiB" | "Ti" => 1099511627776.0,
        "kB" | "KB" | "k" | "K" => 1e3,
        "MB" | "M" => 1e6,
        "GB" | "G" => 1e9,
        "TB" | "T" => 1e12,
        other => {
            return Quantity::parse(&format!("{number}{other}"))
                .map(|q| Some(q.magnitude_bytes() as f64))
                .map_err(|_| format!("invalid memory value `{text}`: unknown unit `{other}`"));
        }
    };
    let bytes = value * scale;
    if !bytes.is_finite() {
        return Ok(None);
    }
    if bytes < 0.0 {
        return Err(format!("negative memory value `{text}`"));
    }
    Ok(Some(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_with_units() {
        assert_eq!(parse_bytes("1e9"), Ok(Some(1e9)));
        assert_eq!(parse_bytes("2 KiB"), Ok(Some(2048.0)));
        assert_eq!(parse_bytes("1Ei"), Ok(Some(1152921504606846976.0)));
        assert!(parse_bytes("12 parsecs").is_err());
        assert!(parse_bytes("abc").is_err());
    }
}
