//! A fleet scan as a ranked table, one line per container, then a summary and the errors.

use oom_core::quantity::format_human;
use oom_core::text::{count, noun};

use super::{Fleet, Rank, Row};
use crate::report::analyze::duration;

/// What the row is ranked for, in words.
fn finding(row: &Row) -> String {
    match row.rank() {
        Rank::Leak => match (row.time_to_oom_hours, row.time_to_oom_interval) {
            (Some(hours), _) if hours <= 0.0 => "leak; limit already reached".into(),
            (Some(hours), Some((low, Some(high)))) if duration(low) != duration(high) => {
                format!("OOM in ≈ {} ({}–{})", duration(hours), duration(low), duration(high))
            }
            (Some(hours), Some((low, None))) => {
                format!("OOM in ≈ {} (from {})", duration(hours), duration(low))
            }
            (Some(hours), _) => format!("OOM in ≈ {}", duration(hours)),
            (None, _) => "leak; no limit known, no time to OOM".into(),
        },
        Rank::LimitReached if row.oom_restarts > 0 => {
            format!("limit reached, {} OOM kills", row.oom_restarts)
        }
        Rank::LimitReached => "limit reached".into(),
        Rank::Oversized => match row.wasted_bytes() {
            Some(waste) => format!("oversized: wastes {}", format_human(waste)),
            None => "oversized".into(),
        },
        Rank::Other => String::new(),
    }
}

/// The table of the first `top` rows (`0`: all of them), a line saying how many more there
/// are, and the summary of every row.
pub fn render(fleet: &Fleet, top: usize) -> String {
    let mut out = format!(
        "fleet scan of {}, {} to {}: {} listed, {} analysed\n\n",
        fleet.source,
        fleet.start,
        fleet.end,
        count(fleet.listed, "container", "containers"),
        fleet.rows.len()
    );
    let header = ["#", "CONTAINER", "VERDICT", "PEAK", "LIMIT", "FINDING", "RECOMMENDED LIMIT"];
    let shown = if top == 0 { fleet.rows.len() } else { top.min(fleet.rows.len()) };
    let lines: Vec<[String; 7]> = fleet
        .rows
        .iter()
        .take(shown)
        .enumerate()
        .map(|(index, row)| {
            [
                (index + 1).to_string(),
                row.name(),
                row.classification.as_str().to_owned(),
                format_human(row.peak_bytes.max(0.0) as u64),
                row.limit_bytes.map(format_human).unwrap_or_else(|| "-".into()),
                finding(row),
                row.recommended_limit.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for line in &lines {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut push_line = |cells: &[String]| {
        let mut text = String::new();
        for (index, (cell, width)) in cells.iter().zip(widths).enumerate() {
            let pad = width.saturating_sub(cell.chars().count());
            if index == 0 {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            } else {
                text.push_str("  ");
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    push_line(&header.map(str::to_owned));
    for line in &lines {
        push_line(line);
    }
    let hidden = fleet.rows.len() - shown;
    if hidden > 0 {
        out.push_str(&format!(
            "… {hidden} more {}, ranked below these: `--top 0` shows all, `--format json` has \
             every row\n",
            noun(hidden, "container", "containers")
        ));
    }
    out.push('\n');
    for error in &fleet.errors {
        out.push_str(&format!("error: {}: {}\n", error.file, error.message));
    }
    let wasted = fleet.wasted_bytes();
    out.push_str(&format!(
        "{}: {} leak, {} limit reached, {} oversized{}, {} other{}\n",
        count(fleet.rows.len(), "container", "containers"),
        fleet.count(Rank::Leak),
        fleet.count(Rank::LimitReached),
        fleet.count(Rank::Oversized),
        if wasted > 0 { format!(" (wasting {})", format_human(wasted)) } else { String::new() },
        fleet.count(Rank::Other),
        if fleet.errors.is_empty() {
            String::new()
        } else {
            format!("; {}", count(fleet.errors.len(), "error", "errors"))
        }
    ));
    out
}

#[cfg(test)]
mod tests {
    use oom_core::leak::Classification;

    use super::super::{Fleet, Row, Seconds, rank};
    use crate::finding::InputError;

    fn row(pod: &str, classification: Classification, limit: u64, peak_mib: f64) -> Row {
        Row {
            namespace: "shop".into(),
            pod: pod.into(),
            container: "app".into(),
            classification,
            samples: 2_881,
            peak_bytes: peak_mib * 1_048_576.0,
            average_bytes: peak_mib * 0.9 * 1_048_576.0,
            slope_bytes_per_hour: 0.0,
            limit_bytes: Some(limit),
            limit_reached: Some(false),
            time_to_oom_hours: None,
            time_to_oom_interval: None,
            restarts: 0,
            oom_restarts: 0,
            recommended_request_bytes: Some(256 << 20),
            recommended_limit_bytes: Some(512 << 20),
            recommended_limit: Some("512Mi".into()),
            relief_limit_bytes: None,
        }
    }

    #[test]
    fn the_table_in_ranked_order() {
        let mut leak = row("api-1", Classification::Leak, 1 << 30, 900.0);
        leak.time_to_oom_hours = Some(30.0);
        leak.time_to_oom_interval = Some((20.0, Some(50.0)));
        let mut reached = row("cache-1", Classification::Steady, 512 << 20, 500.0);
        reached.limit_reached = Some(true);
        reached.oom_restarts = 2;
        let oversized = row("batch-1", Classification::Steady, 8 << 30, 380.0);
        let steady = row("web-1", Classification::Steady, 1 << 30, 400.0);
        let mut rows = vec![steady, oversized, reached, leak];
        rank(&mut rows);
        let fleet = Fleet {
            source: "http://prometheus:9090".into(),
            start: "2026-04-22T00:00:00Z".into(),
            end: "2026-04-24T00:00:00Z".into(),
            listed: 5,
            rows,
            errors: vec![InputError {
                file: "http://prometheus:9090".into(),
                position: None,
                message: "namespace cart, pods cart-1: not scanned: HTTP 503".into(),
            }],
            seconds: Seconds::default(),
        };
        let text = super::render(&fleet, 0);
        let order: Vec<&str> = text
            .lines()
            .filter_map(|l| l.split_whitespace().nth(1))
            .filter(|name| name.starts_with("shop/"))
            .collect();
        assert_eq!(
            order,
            ["shop/api-1/app", "shop/cache-1/app", "shop/batch-1/app", "shop/web-1/app"]
        );
        assert!(text.contains("OOM in ≈ 30 h (20 h–2.1 days)"), "{text}");
        assert!(text.contains("wastes 7.5 GiB"), "{text}");
        assert!(text.ends_with("1 other; 1 error\n"), "{text}");
        insta::assert_snapshot!(text);
    }

    /// `--top`: the first rows in rank order, a line for the rest, and the summary of all.
    #[test]
    fn the_table_stops_at_top_and_says_how_many_more() {
        let mut rows: Vec<Row> = (0..60)
            .map(|n| row(&format!("web-{n:02}"), Classification::Steady, 1 << 30, 400.0))
            .collect();
        rows[59].classification = Classification::Leak;
        rank(&mut rows);
        let fleet = Fleet {
            source: "http://prometheus:9090".into(),
            start: "2026-04-22T00:00:00Z".into(),
            end: "2026-04-24T00:00:00Z".into(),
            listed: 60,
            rows,
            errors: Vec::new(),
            seconds: Seconds::default(),
        };
        let table_rows = |text: &str| text.lines().filter(|l| l.contains("shop/web-")).count();
        let top = super::render(&fleet, super::super::DEFAULT_TOP_ROWS);
        assert_eq!(table_rows(&top), 50, "{top}");
        let first = top.lines().find(|l| l.contains("shop/web-")).unwrap_or("");
        assert!(first.contains("shop/web-59/app  leak"), "ranked first: {first}");
        assert!(
            top.contains("\n… 10 more containers, ranked below these: `--top 0` shows all, `--format json` has every row\n\n60 containers: 1 leak,"),
            "{top}"
        );
        let one_more = super::render(&fleet, 59);
        assert!(one_more.contains("\n… 1 more container, ranked"), "{one_more}");
        let all = super::render(&fleet, 0);
        assert_eq!(table_rows(&all), 60);
        assert!(!all.contains(" more container"), "{all}");
        assert_eq!(super::render(&fleet, 60), all, "a top above the rows shows them all");
    }

    #[test]
    fn counts_of_one_are_singular() {
        let fleet = Fleet {
            source: "http://prometheus:9090".into(),
            start: "2026-04-22T00:00:00Z".into(),
            end: "2026-04-24T00:00:00Z".into(),
            listed: 1,
            rows: vec![row("web-1", Classification::Steady, 1 << 30, 400.0)],
            errors: Vec::new(),
            seconds: Seconds::default(),
        };
        let text = super::render(&fleet, 0);
        assert!(text.contains(": 1 container listed, 1 analysed"), "{text}");
        assert!(
            text.ends_with("\n1 container: 0 leak, 0 limit reached, 0 oversized, 1 other\n"),
            "{text}"
        );
    }
}
