//! `analyze --plot`: one SVG per series — samples, fitted trend, onset, events, limit, alert
//! line and the projected crossing; for `diagnose --plot`, also the kills.

use std::path::Path;

use oom_core::leak::{Analysis, Classification};
use oom_core::metrics::{Event, Series};
use plotters::prelude::*;

use super::SeriesResult;

const MIB: f64 = 1_048_576.0;
/// Beyond this many samples the chart draws the bucket floors and peaks instead.
const RAW_POINTS: usize = 5000;

pub fn render(path: &Path, result: &SeriesResult, events: &[Event]) -> Result<(), String> {
    let chart = Chart {
        title: format!("{} — {}", result.series.name(), result.analysis.classification.as_str()),
        series: &result.series,
        analysis: &result.analysis,
        events,
        kills: &[],
    };
    draw_chart(path, &chart)
}

/// What one chart shows: a series, its analysis, events (deploys) and kills (time, reason).
/// `analyze --plot` and `diagnose --plot` draw the same chart.
#[derive(Debug)]
pub struct Chart<'a> {
    pub title: String,
    pub series: &'a Series,
    pub analysis: &'a Analysis,
    pub events: &'a [Event],
    /// Container kills: a vertical marker each, labelled with its reason.
    pub kills: &'a [(f64, String)],
}

pub fn draw_chart(path: &Path, chart: &Chart<'_>) -> Result<(), String> {
    draw(path, chart).map_err(|e| format!("cannot draw the chart: {e}"))
}

/// A file name from a series or container name: ASCII letters, digits, `-`, `_` and `.` kept,
/// everything else (`/`, `{`, spaces, `..` cannot escape: `/` is gone) replaced by `_`.
pub fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .take(80)
        .collect();
    let stem = stem.trim_start_matches('.');
    if stem.is_empty() { "series".into() } else { stem.to_owned() }
}

fn draw(path: &Path, chart_input: &Chart<'_>) -> Result<(), Box<dyn std::error::Error>> {
    let a = chart_input.analysis;
    let samples = &chart_input.series.samples;
    let events = chart_input.events;
    let (Some(first), Some(last)) = (samples.first(), samples.last()) else {
        return Err("no samples".into());
    };
    let origin = first.time;
    let hours = |t: f64| (t - origin) / 3600.0;
    let last_kill = chart_input.kills.iter().map(|(t, _)| *t).fold(last.time, f64::max);
    let mut x_end = hours(last_kill).max(1.0 / 60.0);
    // Show the projected crossing when it is near enough to read.
    let crossing = match (a.classification, a.time_to_oom_hours) {
        (Classification::Leak, Some(h)) if h > 0.0 && h < 2.0 * x_end => Some(x_end + h),
        _ => None,
    };
    if let Some(at) = crossing {
        x_end = at * 1.05;
    }
    let limit_mib = a.limit_bytes.map(|l| l as f64 / MIB);
    let alert_mib = a.recommendation.as_ref().and(a.limit_bytes).map(|l| l as f64 * 0.8 / MIB);
    let highest_limit = a.limits.iter().map(|&(_, b)| b as f64 / MIB).fold(0.0, f64::max);
    let y_max = [a.peak_bytes / MIB, limit_mib.unwrap_or(0.0), highest_limit]
        .into_iter()
        .fold(1.0, f64::max)
        * 1.1;

    let root = SVGBackend::new(path, (1000, 520)).into_drawing_area();
    root.fill(&WHITE)?;
    let title = chart_input.title.clone();
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..x_end, 0.0..y_max)?;
    chart
        .configure_mesh()
        .x_desc(format!("hours since {}", oom_core::metrics::format_time(origin)))
        .y_desc("MiB")
        .y_label_formatter(&|v| format!("{v:.0}"))
        .x_label_formatter(&|v| format!("{v:.0}"))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;

    let sample_color = RGBColor(70, 110, 180);
    if samples.len() <= RAW_POINTS {
        chart
            .draw_series(LineSeries::new(
                samples.iter().map(|s| (hours(s.time), s.bytes / MIB)),
                sample_color.mix(0.6).stroke_width(1),
            ))?
            .label("samples")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], sample_color.mix(0.6))
            });
        // What the trend is fitted to, so a trend along the bottom of the band is explained.
        let floor_color = RGBColor(20, 50, 110);
        chart
            .draw_series(LineSeries::new(
                a.buckets.iter().map(|b| (hours(b.time), b.floor / MIB)),
                floor_color.stroke_width(1),
            ))?
            .label("floor per interval (low 10 %), what the trend is fitted to")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], floor_color));
    } else {
        chart
            .draw_series(LineSeries::new(
                a.buckets.iter().map(|b| (hours(b.time), b.peak / MIB)),
                sample_color.mix(0.5),
            ))?
            .label("peak per interval")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], sample_color.mix(0.5))
            });
        chart
            .draw_series(LineSeries::new(
                a.buckets.iter().map(|b| (hours(b.time), b.floor / MIB)),
                sample_color,
            ))?
            .label("floor per interval (low 10 %), what the trend is fitted to")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], sample_color));
    }
    let trend_color = RGBColor(200, 40, 40);
    for (index, line) in a.trend_lines.iter().enumerate() {
        let start = (hours(line.start), line.start_bytes / MIB);
        let end_hours = hours(line.end);
        let end = (
            end_hours,
            (line.start_bytes + line.slope_bytes_per_hour * (end_hours - start.0)) / MIB,
        );
        let series =
            chart.draw_series(LineSeries::new(vec![start, end], trend_color.stroke_width(2)))?;
        if index == 0 {
            series
                .label(format!("trend of the floor {:+.1} MiB/h", line.slope_bytes_per_hour / MIB))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], trend_color.stroke_width(2))
                });
        }
    }
    if let Some(limit) = limit_mib {
        let steps = limit_steps(&a.limits, limit, x_end, hours);
        chart
            .draw_series(LineSeries::new(steps, RED.stroke_width(2)))?
            .label("limit")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], RED));
    }
    if let (Some(alert), Some(limit)) = (alert_mib, limit_mib) {
        let orange = RGBColor(230, 140, 0);
        // The alert follows the limit in force, as the limit's own line does.
        let ratio = alert / limit;
        let steps = limit_steps(&a.limits, limit, x_end, hours);
        chart
            .draw_series(LineSeries::new(
                steps.into_iter().map(|(x, y)| (x, y * ratio)),
                orange.stroke_width(1),
            ))?
            .label("alert (80% of limit)")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], orange));
    }
    if let Some(onset) = a.leak_start {
        let x = hours(onset);
        chart.draw_series(LineSeries::new(vec![(x, 0.0), (x, y_max)], BLACK.stroke_width(1)))?;
        chart.draw_series(std::iter::once(Text::new(
            "leak starts",
            (x, y_max * 0.97),
            ("sans-serif", 13),
        )))?;
    }
    let purple = RGBColor(120, 60, 160);
    for event in events.iter().filter(|e| (0.0..=x_end).contains(&hours(e.time))) {
        let x = hours(event.time);
        chart.draw_series(LineSeries::new(vec![(x, 0.0), (x, y_max * 0.85)], purple.mix(0.6)))?;
        chart.draw_series(std::iter::once(Text::new(
            event.label.clone(),
            (x, y_max * 0.86),
            ("sans-serif", 12).into_font().color(&purple),
        )))?;
    }
    let kill_color = RGBColor(150, 0, 0);
    for (index, (time, reason)) in
        chart_input.kills.iter().filter(|(t, _)| (0.0..=x_end).contains(&hours(*t))).enumerate()
    {
        let x = hours(*time);
        let marker = chart.draw_series(DashedLineSeries::new(
            vec![(x, 0.0), (x, y_max)],
            5,
            3,
            kill_color.stroke_width(2),
        ))?;
        if index == 0 {
            marker.label("kill").legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], kill_color.stroke_width(2))
            });
        }
        chart.draw_series(std::iter::once(Text::new(
            reason.clone(),
            (x, y_max * 0.93),
            ("sans-serif", 13).into_font().color(&kill_color),
        )))?;
    }
    for &restart in &a.restart_times {
        let x = hours(restart);
        chart.draw_series(std::iter::once(Circle::new((x, 0.0), 4, RED.filled())))?;
    }
    if let (Some(at), Some(limit), Some(hours_left)) = (crossing, limit_mib, a.time_to_oom_hours) {
        // The projection of the peaks (the floor trend plus the usual floor-to-peak gap).
        let now = at - hours_left;
        let from = (now, limit - a.slope_bytes_per_hour / MIB * hours_left);
        chart.draw_series(DashedLineSeries::new(
            vec![from, (at, limit)],
            6,
            4,
            trend_color.stroke_width(2),
        ))?;
        chart.draw_series(std::iter::once(Circle::new((at, limit), 6, trend_color.filled())))?;
        chart.draw_series(std::iter::once(Text::new(
            "projected OOM",
            (at * 0.9, limit * 1.04),
            ("sans-serif", 13),
        )))?;
    }
    chart.configure_series_labels().background_style(WHITE.mix(0.85)).border_style(BLACK).draw()?;
    root.present()?;
    Ok(())
}

/// The limit as a step line from 0 to `x_end` hours: each change (Unix seconds from which it
/// holds, bytes) a vertical step, the first limit also before its first sighting. Without
/// changes, a flat line at `current` MiB.
fn limit_steps(
    limits: &[(f64, u64)],
    current: f64,
    x_end: f64,
    hours: impl Fn(f64) -> f64,
) -> Vec<(f64, f64)> {
    let mut points: Vec<(f64, f64)> = Vec::with_capacity(limits.len() * 2 + 2);
    for &(from, bytes) in limits {
        let mib = bytes as f64 / MIB;
        let x = hours(from).clamp(0.0, x_end);
        match points.last() {
            None => points.push((0.0, mib)),
            Some(&(_, before)) => {
                points.push((x, before));
                points.push((x, mib));
            }
        }
    }
    match points.last() {
        Some(&(_, last)) => points.push((x_end, last)),
        None => points.extend([(0.0, current), (x_end, current)]),
    }
    points
}
