//! `limit-too-low`: no growth and no spike — normal peaks reach the limit; or a crash loop at
//! the limit from start-up (killed within two minutes of starting, again and again).
//!
//! Bad: a limit below what the container needs on an ordinary day (or to start).
//! Good: request = the steady-state average, limit = peak × 1.25.

use oom_core::text::{count, noun};

use super::join::Case;
use super::{Cause, Confidence, Evidence, Finding, Fix, PEAK_HEADROOM, friendly};

/// Peaks at this share of the limit or above reach it (samples are sparser than the kill).
const PEAK_AT_LIMIT_SHARE: f64 = 0.9;
/// A kill this soon after the start is a kill during start-up, in seconds.
const STARTUP_SECONDS: f64 = 120.0;
/// Restarts from which start-up kills are a crash loop rather than bad luck.
const CRASH_LOOP_RESTARTS: u64 = 3;
/// Without a series, the first step for a start-up kill: this many times the limit.
const STARTUP_RAISE: f64 = 2.0;

pub fn check(case: &Case<'_>) -> Option<Finding> {
    if !case.oom_killed() {
        return None;
    }
    let name = &case.container.name;
    if let Some(usage) = &case.usage {
        let a = &usage.analysis;
        // Only a series that shows neither growth nor a spike; new verdicts of the analysis
        // (not enough data, ...) decide nothing here.
        if !matches!(a.classification.as_str(), "steady" | "sawtooth") {
            return None;
        }
        // The analysis may have been redone without the limit (drops that were not kills).
        let limit = a.limit_bytes.or(case.limit.as_ref().map(|l| l.bytes))? as f64;
        let share = a.peak_bytes / limit;
        if share < PEAK_AT_LIMIT_SHARE {
            return None;
        }
        let mut evidence = vec![Evidence::series(
            usage,
            format!(
                "no sustained growth ({}), peaks at {} = {:.0} % of the {} limit, average {}",
                super::rate(a.slope_bytes_per_hour),
                super::human(a.peak_bytes),
                share * 100.0,
                oom_core::quantity::format_bytes(limit as u64),
                super::human(a.average_bytes)
            ),
        )];
        if let Some((drops, restarts)) = usage.drops_not_kills {
            evidence.push(Evidence::series(
                usage,
                format!(
                    "{} near the limit, but the pod restarted only {} {}: \
                     the others are the runtime freeing memory (garbage collection, caches), not kills",
                    count(drops, "drop", "drops"),
                    restarts,
                    noun(restarts, "time", "times")
                ),
            ));
        }
        let (request, new_limit) = match &a.recommendation {
            Some(rec) => (rec.request.clone(), rec.limit.clone()),
            None => (friendly(a.average_bytes, 1.0), friendly(a.peak_bytes, PEAK_HEADROOM)),
        };
        return Some(Finding {
            cause: Cause::LimitTooLow,
            confidence: Confidence::High,
            why: format!("ordinary peaks reach {:.0} % of the limit", share * 100.0),
            evidence,
            fix: Fix {
                summary: format!(
                    "`{name}` does not leak or burst: its ordinary peaks ({}) reach the limit. Set request {request} (steady-state average) and limit {new_limit} (peak × 1.25).",
                    super::human(a.peak_bytes)
                ),
                request: Some(request),
                limit: Some(new_limit),
                steps: vec!["Alert before the limit: at 80 % of the new limit.".into()],
                ..Fix::default()
            },
        });
    }
    // No series: a crash loop at the limit from start-up.
    let kill = case
        .container
        .kills
        .iter()
        .filter(|k| k.is_oom())
        .find(|k| k.uptime_seconds().is_some_and(|u| u <= STARTUP_SECONDS))?;
    let restarts = case.container.restart_count.unwrap_or(0);
    let looping = restarts >= CRASH_LOOP_RESTARTS
        || case.container.waiting_reason.as_deref() == Some("CrashLoopBackOff");
    if !looping {
        return None;
    }
    let limit = case.limit.as_ref()?;
    let uptime = kill.uptime_seconds().unwrap_or(0.0);
    let new_limit = friendly(limit.bytes as f64, STARTUP_RAISE);
    let evidence = vec![
        Evidence::at(&limit.origin, format!("memory limit {}", limit.text)),
        Evidence::at(
            &kill.origin,
            format!(
                "OOMKilled {} after start, during start-up: no time to leak",
                super::duration(uptime)
            ),
        ),
    ];
    Some(Finding {
        cause: Cause::LimitTooLow,
        confidence: Confidence::Medium,
        why: format!(
            "OOM-killed {} after each start at the {} limit",
            super::duration(uptime),
            limit.text
        ),
        evidence,
        fix: Fix {
            summary: format!(
                "`{name}` is killed {} after starting, {}: it needs more than {} to start. Raise the limit to {new_limit} as a first step, then size it from the measured peak (limit = peak × 1.25).",
                super::duration(uptime),
                count(restarts, "time", "times"),
                limit.text
            ),
            request: case.container.request.as_ref().map(|r| r.text.clone()),
            limit: Some(new_limit),
            steps: vec![super::unknown::export_series_step(case, name)],
            ..Fix::default()
        },
    })
}
