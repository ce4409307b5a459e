//! Rendering `oom-lint analyze` results: a readable verdict per series, or JSON.

use oom_core::leak::{Analysis, Classification};
use oom_core::metrics::{LeftOut, Series, format_time};
use oom_core::quantity::{format_bytes, format_human};
use oom_core::text::count;
use serde_json::{Value, json};

pub mod svg;

use crate::finding::InputError;

const MIB: f64 = 1_048_576.0;
const GIB: f64 = 1_073_741_824.0;

/// One analysed series and where it came from.
#[derive(Debug)]
pub struct SeriesResult {
    pub file: String,
    pub series: Series,
    pub analysis: Analysis,
}

/// How one input file was read: its layout, and what was skipped or left out on purpose.
#[derive(Debug)]
pub struct InputSummary {
    pub file: String,
    /// The layout detected (or forced), as `--input-format` names it.
    pub layout: &'static str,
    /// The memory metric read, when the dump names its metrics.
    pub metric: Option<String>,
    pub series: usize,
    /// Series read but not sized (reported as input errors).
    pub refused: usize,
    /// `NaN`, `±Inf`, `null` and empty values skipped.
    pub gaps: usize,
    pub left_out: LeftOut,
    pub notes: Vec<String>,
}

/// `FILE: read as LAYOUT (metric); …`, once per file, then its notes.
fn input_lines(input: &InputSummary) -> String {
    let mut line = format!("{}: read as {}", input.file, input.layout);
    if let Some(metric) = &input.metric {
        line.push_str(&format!(" ({metric})"));
    }
    line.push_str(&format!(", {}", count(input.series, "series", "series")));
    if input.refused > 0 {
        line.push_str(&format!(", {} not sized", input.refused));
    }
    if input.gaps > 0 {
        line.push_str(&format!(
            "; {} (NaN, ±Inf, null, empty) skipped",
            count(input.gaps, "gap", "gaps")
        ));
    }
    let left = input.left_out;
    let mut left_out = Vec::new();
    if left.pause_containers > 0 {
        left_out.push(count(
            left.pause_containers,
            "pause container (POD)",
            "pause containers (POD)",
        ));
    }
    if left.pod_cgroups > 0 {
        left_out.push(count(left.pod_cgroups, "pod-level cgroup", "pod-level cgroups"));
    }
    if left.other_metrics > 0 {
        left_out.push(count(
            left.other_metrics,
            "series of another metric",
            "series of other metrics",
        ));
    }
    if !left_out.is_empty() {
        line.push_str(&format!("; left out {}", left_out.join(", ")));
    }
    line.push('\n');
    for note in &input.notes {
        line.push_str(&format!("  note: {note}\n"));
    }
    line
}

/// `2026-04-24 14:23` (UTC, to the minute).
fn when(seconds: f64) -> String {
    let text = format_time((seconds / 60.0).round() * 60.0).replace('T', " ");
    text.get(..16).unwrap_or(&text).to_owned()
}

/// A slope and its interval in one unit, the one that suits the largest of them: a slow
/// leak of a few KiB an hour must not read `+0.0 MiB/h`.
fn rates(slope: f64, low: f64, high: f64) -> (String, String, String) {
    let largest = slope.abs().max(low.abs()).max(high.abs());
    let (divisor, unit) = [(GIB, "GiB/h"), (MIB, "MiB/h"), (1024.0, "KiB/h")]
        .into_iter()
        .find(|(divisor, _)| largest >= *divisor)
        .unwrap_or((1.0, "B/h"));
    let show = |value: f64| format!("{:+.1}", value / divisor);
    (format!("{} {unit}", show(slope)), show(low), show(high))
}

pub(crate) fn duration(hours: f64) -> String {
    if hours < 2.0 {
        format!("{:.0} min", hours * 60.0)
    } else if hours < 48.0 {
        format!("{hours:.0} h")
    } else if hours < 2.0 * HOURS_PER_YEAR {
        format!("{:.1} days", hours / 24.0)
    } else {
        format!("{:.1} years", hours / HOURS_PER_YEAR)
    }
}

const HOURS_PER_YEAR: f64 = 365.25 * 24.0;

pub fn human(results: &[SeriesResult], inputs: &[InputSummary], errors: &[InputError]) -> String {
    let mut out = String::new();
    for result in results {
        let a = &result.analysis;
        let samples = &result.series.samples;
        let name = result.series.name();
        let verdict = match a.classification {
            Classification::Leak => {
                let (slope, low, high) = rates(a.slope_bytes_per_hour, a.slope_ci.0, a.slope_ci.1);
                let mut line =
                    format!("LEAK  {slope} (95% CI {low} to {high}, R² {:.2})", a.r_squared);
                match (a.leak_start, &a.event) {
                    (Some(start), Some(event)) => line.push_str(&format!(
                        ", started {} after {} at {}",
                        when(start),
                        event.label,
                        when(event.time).rsplit(' ').next().unwrap_or_default()
                    )),
                    (Some(start), None) => line.push_str(&format!(", started {}", when(start))),
                    (None, _) => line.push_str(", growing since the start of the data"),
                }
                if let (Some(limit), Some(hours)) = (a.limit_bytes, a.time_to_oom_hours) {
                    if hours <= 0.0 {
                        line.push_str(&format!("; limit {} already reached", format_bytes(limit)));
                    } else {
                        let range = match a.time_to_oom_interval {
                            // An interval narrower than the rounding says nothing more.
                            Some((low, Some(high))) if duration(low) == duration(high) => {
                                String::new()
                            }
                            Some((low, Some(high))) => {
                                format!(" ({}–{})", duration(low), duration(high))
                            }
                            Some((low, None)) => format!(" (from {})", duration(low)),
                            None => String::new(),
                        };
                        line.push_str(&format!(
                            "; limit {} reached in ≈ {}{range}",
                            format_bytes(limit),
                            duration(hours)
                        ));
                    }
                }
                line
            }
            Classification::Spike => match a.spike {
                Some(spike) => format!(
                    "SPIKE to {} at {} for {}, then back to baseline",
                    format_human(spike.peak_bytes as u64),
                    when(spike.start),
                    duration(((spike.end - spike.start) / 3600.0).max(1.0 / 60.0))
                ),
                None => "SPIKE".to_owned(),
            },
            Classification::Steady => {
                let (slope, low, high) = rates(a.slope_bytes_per_hour, a.slope_ci.0, a.slope_ci.1);
                format!(
                    "STEADY  {} ({slope}, 95% CI {low} to {high}, p {:.2})",
                    a.message, a.p_value
                )
            }
            Classification::Step => match a.level_shift {
                Some(at) => format!("STEP  at {}: {}", when(at), a.message),
                None => format!("STEP  {}", a.message),
            },
            Classification::Sawtooth => format!("SAWTOOTH  {}", a.message),
            Classification::InsufficientData => {
                format!("INSUFFICIENT DATA  {}; no sizing", a.message)
            }
        };
        let verdict = match a.limit_reached {
            Some(true) if a.classification != Classification::Leak => {
                format!("{verdict}; limit reached")
            }
            _ => verdict,
        };
        out.push_str(&format!("{name}  {verdict}\n"));
        let span_hours = match (samples.first(), samples.last()) {
            (Some(first), Some(last)) => (last.time - first.time) / 3600.0,
            _ => 0.0,
        };
        out.push_str(&format!(
            "  {}: peak {}, average {} over {} ({})",
            result.file,
            format_human(a.peak_bytes as u64),
            format_human(a.average_bytes as u64),
            duration(span_hours),
            count(samples.len(), "sample", "samples")
        ));
        if a.restarts > 0 {
            out.push_str(&format!("; {}", count(a.restarts, "restart", "restarts")));
            if a.oom_restarts > 0 && a.limit_bytes.is_none() {
                out.push_str(&format!(" ({})", count(a.oom_restarts, "OOM kill", "OOM kills")));
            } else if a.oom_restarts > 0 {
                out.push_str(&format!(" ({} at the limit)", a.oom_restarts));
            } else if a.inferred_restarts == a.restarts {
                out.push_str(" (inferred from the shape)");
            }
            if let Some(period) = a.restart_period_hours {
                out.push_str(&format!(", every ≈ {}", duration(period)));
            }
        }
        out.push('\n');
        if let (Some(shift), false) = (a.level_shift, a.classification == Classification::Step) {
            out.push_str(&format!("  a one-time level shift at {} (not a leak)\n", when(shift)));
        }
        if let (Some(rise), Some(limit)) = (a.late_rise, a.limit_bytes) {
            let eta = if rise.hours_to_limit > 0.0 {
                format!(
                    "the limit {} in ≈ {} if it continues",
                    format_bytes(limit),
                    duration(rise.hours_to_limit)
                )
            } else {
                format!("already at the limit {}", format_bytes(limit))
            };
            out.push_str(&format!(
                "  warning: the latest samples rise towards the limit: {} since {}, now {} ({:.0} % of it); {eta} — too recent to call a leak, watch it\n",
                rates(rise.slope_bytes_per_hour, 0.0, 0.0).0,
                when(rise.since),
                format_human(rise.bytes_now as u64),
                100.0 * rise.bytes_now / limit as f64
            ));
        }
        for note in &a.notes {
            out.push_str(&format!("  note: {note}\n"));
        }
        if let Some(rec) = &a.recommendation {
            let leak = a.classification == Classification::Leak;
            let basis = if leak { " once the leak is fixed (sized from before it)" } else { "" };
            out.push_str(&format!(
                "  recommendation{basis}: request {}, limit {}, {}, alert at {}\n",
                rec.request,
                rec.limit,
                rec.jvm_heap.flag,
                format_human(rec.alert.threshold_bytes)
            ));
            if let Some(relief) = a.relief_limit_bytes {
                out.push_str(&format!(
                    "  relief until then: a limit of {} lasts about a day at the worst-case rate; the real fix is in the code (heap dump, allocation profile)\n",
                    format_bytes(relief)
                ));
                out.push_str(&format!(
                    "  resources now (relief):\n    requests:\n      memory: {}\n    limits:\n      memory: {}\n",
                    rec.request,
                    format_bytes(relief)
                ));
            }
            out.push_str(&format!(
                "  resources{}:\n    requests:\n      memory: {}\n    limits:\n      memory: {}\n",
                if leak { " once the leak is fixed" } else { "" },
                rec.request,
                rec.limit
            ));
        }
        out.push('\n');
    }
    for input in inputs {
        out.push_str(&input_lines(input));
    }
    for error in errors {
        match error.position {
            Some(p) => {
                out.push_str(&format!("error: {}:{}: {}\n", error.file, p.line, error.message))
            }
            None => out.push_str(&format!("error: {}: {}\n", error.file, error.message)),
        }
    }
    let of = |c: Classification| results.iter().filter(|r| r.analysis.classification == c).count();
    let others = [
        (Classification::Step, "step"),
        (Classification::Sawtooth, "sawtooth"),
        (Classification::InsufficientData, "insufficient data"),
    ]
    .into_iter()
    .filter(|(c, _)| of(*c) > 0)
    .map(|(c, name)| format!(", {} {name}", of(c)))
    .collect::<String>();
    out.push_str(&format!(
        "{} series: {} leak, {} spike, {} steady{others}{}\n",
        results.len(),
        of(Classification::Leak),
        of(Classification::Spike),
        of(Classification::Steady),
        if errors.is_empty() {
            String::new()
        } else {
            format!("; {}", count(errors.len(), "input error", "input errors"))
        }
    ));
    out
}

pub fn json(results: &[SeriesResult], inputs: &[InputSummary], errors: &[InputError]) -> String {
    let series: Vec<Value> = results
        .iter()
        .map(|result| {
            let a = &result.analysis;
            json!({
                "file": result.file,
                "labels": result.series.labels,
                "samples": result.series.samples.len(),
                "classification": a.classification.as_str(),
                "message": a.message,
                "slope_bytes_per_hour": a.slope_bytes_per_hour,
                "slope_ci": [a.slope_ci.0, a.slope_ci.1],
                "r_squared": a.r_squared,
                "p_value": a.p_value,
                "leak_start": a.leak_start.map(format_time),
                "event": a.event.as_ref().map(|e| e.label.clone()),
                "event_time": a.event.as_ref().map(|e| format_time(e.time)),
                "limit_bytes": a.limit_bytes,
                "limits": a.limits.iter().map(|(t, b)| json!({"from": format_time(*t), "bytes": b})).collect::<Vec<_>>(),
                "limit_reached": a.limit_reached,
                "peak_clipped": a.peak_clipped,
                "time_to_oom_hours": a.time_to_oom_hours,
                "time_to_oom_interval_hours": a.time_to_oom_interval.map(|(low, high)| json!([low, high])),
                "restarts": a.restarts,
                "restart_times": a.restart_times.iter().map(|t| format_time(*t)).collect::<Vec<_>>(),
                "restart_period_hours": a.restart_period_hours,
                "oom_restarts": a.oom_restarts,
                "inferred_restarts": a.inferred_restarts,
                "sawtooth_drops": a.sawtooth_drops,
                "seasonal_cycle_bytes": a.seasonal_cycle_bytes,
                "peak_bytes": a.peak_bytes,
                "average_bytes": a.average_bytes,
                "level_shift": a.level_shift.map(format_time),
                "spike": a.spike.map(|s| json!({"start": format_time(s.start), "end": format_time(s.end), "peak_bytes": s.peak_bytes})),
                "late_rise": a.late_rise.map(|r| json!({"since": format_time(r.since), "slope_bytes_per_hour": r.slope_bytes_per_hour, "bytes_now": r.bytes_now, "hours_to_limit": r.hours_to_limit})),
                "recommendation": a.recommendation.as_ref().map(|r| json!({
                    "request_bytes": r.request_bytes,
                    "limit_bytes": r.limit_bytes,
                    "request": r.request,
                    "limit": r.limit,
                    "xmx": r.jvm_heap.flag,
                    "xmx_bytes": r.jvm_heap.max_heap_bytes,
                    "alert_bytes": r.alert.threshold_bytes,
                    "relief_limit_bytes": a.relief_limit_bytes,
                })),
                "notes": a.notes,
            })
        })
        .collect();
    let errors: Vec<Value> = errors
        .iter()
        .map(|e| json!({"file": e.file, "line": e.position.map(|p| p.line), "message": e.message}))
        .collect();
    let inputs: Vec<Value> = inputs
        .iter()
        .map(|i| {
            json!({
                "file": i.file,
                "layout": i.layout,
                "metric": i.metric,
                "series": i.series,
                "refused": i.refused,
                "gaps": i.gaps,
                "left_out": {
                    "pause_containers": i.left_out.pause_containers,
                    "pod_cgroups": i.left_out.pod_cgroups,
                    "other_metrics": i.left_out.other_metrics,
                },
                "notes": i.notes,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(
        &json!({"version": 1, "inputs": inputs, "series": series, "errors": errors}),
    )
    .unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::{GIB, MIB, rates};

    #[test]
    fn rates_take_the_unit_of_their_largest_value() {
        let kib = 1024.0;
        let text = |(a, b, c): (String, String, String)| format!("{a} [{b}, {c}]");
        assert_eq!(text(rates(12.0 * kib, 11.0 * kib, 13.5 * kib)), "+12.0 KiB/h [+11.0, +13.5]");
        assert_eq!(text(rates(0.5 * MIB, -0.2 * MIB, 1.2 * MIB)), "+0.5 MiB/h [-0.2, +1.2]");
        assert_eq!(text(rates(3.0 * GIB, 2.0 * GIB, 4.0 * GIB)), "+3.0 GiB/h [+2.0, +4.0]");
        assert_eq!(text(rates(-40.0, -90.0, 10.0)), "-40.0 B/h [-90.0, +10.0]");
    }

    #[test]
    fn durations_from_minutes_to_years() {
        assert_eq!(super::duration(0.5), "30 min");
        assert_eq!(super::duration(30.0), "30 h");
        assert_eq!(super::duration(240.0), "10.0 days");
        assert_eq!(super::duration(2384.3 * 24.0), "6.5 years");
    }
}
