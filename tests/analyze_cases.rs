//! `oom-lint analyze` on the reported cases (testdata/metrics/cases/) and on inputs of the same
//! classes written here (testdata/metrics/cases/own/, from its generate.py): the verdict and
//! values each must give, through the real binary.

mod common;

use common::{oom_lint, testdata};
use serde_json::Value;

const MIB: f64 = 1_048_576.0;

fn analyze(args: &[&str]) -> Vec<Value> {
    let mut full = vec!["analyze", "--format", "json", "--fail-on", "never"];
    full.extend_from_slice(args);
    let report = oom_lint(&full, &testdata("metrics/cases"), None).json();
    report["series"].as_array().cloned().unwrap_or_default()
}

fn one(args: &[&str]) -> Value {
    let series = analyze(args);
    assert_eq!(series.len(), 1, "{series:#?}");
    series[0].clone()
}

fn f(value: &Value) -> f64 {
    value.as_f64().unwrap_or(f64::NAN)
}

/// Non-leaks are sized at the peak × headroom, never below the highest sample.
fn sized_at_or_above_peak(s: &Value) {
    let limit = f(&s["recommendation"]["limit_bytes"]);
    assert!(limit >= f(&s["peak_bytes"]), "{s:#?}");
    assert!(f(&s["recommendation"]["xmx_bytes"]) <= limit);
}

#[test]
fn gc_sawtooth_without_a_limit_is_a_sawtooth_not_a_leak() {
    for file in ["gc-sawtooth-6h-no-limit.csv", "own/gc-sawtooth-3h-no-limit.csv"] {
        let s = one(&[file]);
        assert_eq!(s["classification"], "sawtooth", "{file}: {s:#?}");
        assert!(s["message"].as_str().is_some_and(|m| m.contains("limit")), "{s:#?}");
        assert_eq!(s["inferred_restarts"], s["restarts"], "{file}");
        assert_eq!(s["oom_restarts"], 0);
        assert_eq!(s["limit_reached"], Value::Null);
        sized_at_or_above_peak(&s);
    }
    let s = one(&["gc-sawtooth-6h-no-limit.csv"]);
    assert!((f(&s["restart_period_hours"]) - 6.0).abs() < 0.5, "{s:#?}");
}

#[test]
fn gc_sawtooth_below_a_known_limit_is_not_a_leak_and_not_at_the_limit() {
    for (file, limit) in
        [("gc-sawtooth-6h-no-limit.csv", Some("700Mi")), ("own/gc-sawtooth-2h-limit.csv", None)]
    {
        let mut args = vec![file];
        if let Some(limit) = limit {
            args.extend(["--limit", limit]);
        }
        let s = one(&args);
        assert_eq!(s["classification"], "sawtooth", "{file}: {s:#?}");
        assert_eq!(s["limit_reached"], false);
        assert_eq!(s["time_to_oom_hours"], Value::Null);
        assert_eq!(s["restarts"], 0, "GC drops below the limit are not restarts");
        sized_at_or_above_peak(&s);
    }
}

#[test]
fn noise_makes_no_restart() {
    for file in ["flat-noise.csv", "own/flat-noise-15s.csv"] {
        let s = one(&[file]);
        assert_eq!(s["classification"], "steady", "{file}: {s:#?}");
        assert_eq!(s["restarts"], 0);
        assert_eq!(s["restart_period_hours"], Value::Null);
        sized_at_or_above_peak(&s);
    }
}

#[test]
fn crash_loop_at_the_limit_counts_every_restart_and_is_no_leak() {
    for (file, restarts) in [("oom-crashloop-at-start.json", 11), ("own/crashloop-256mi.csv", 19)] {
        let s = one(&[file]);
        assert_eq!(s["classification"], "sawtooth", "{file}: {s:#?}");
        assert_eq!(s["limit_reached"], true);
        assert_eq!(s["restarts"], restarts, "{file}");
        assert_eq!(s["oom_restarts"], restarts, "{file}");
        assert!(f(&s["restart_period_hours"]) < 0.2, "minutes apart");
        assert_eq!(s["peak_clipped"], true);
        assert!(s["notes"].to_string().contains("true peak is unknown"));
        sized_at_or_above_peak(&s);
    }
}

#[test]
fn short_windows_single_instants_are_insufficient_data_without_sizing() {
    for file in ["short-history-90min.json", "own/short-3h.csv"] {
        let s = one(&[file]);
        assert_eq!(s["classification"], "insufficient-data", "{file}: {s:#?}");
        assert_eq!(s["recommendation"], Value::Null);
        assert!(s["message"].as_str().is_some_and(|m| m.contains("at least 6 h")));
    }
    let all = analyze(&["prometheus-vector.json"]);
    assert_eq!(all.len(), 3);
    for s in all {
        assert_eq!(s["classification"], "insufficient-data");
        assert_eq!(s["recommendation"], Value::Null);
        assert!(s["message"].as_str().is_some_and(|m| m.contains("query_range")));
    }
}

#[test]
fn a_daily_cycle_neither_hides_nor_fakes_a_leak() {
    for (file, rate) in [("leak-plus-daily-cycle.csv", 4.0), ("own/leak-2mib-daily-cycle.csv", 2.0)]
    {
        let s = one(&[file]);
        assert_eq!(s["classification"], "leak", "{file}: {s:#?}");
        let slope = f(&s["slope_bytes_per_hour"]) / MIB;
        assert!((slope - rate).abs() <= 0.1 * rate, "{file}: {slope}");
        assert!(f(&s["seasonal_cycle_bytes"]) > 50.0 * MIB);
    }
    let s = one(&["own/daily-cycle-no-leak.csv"]);
    assert_eq!(s["classification"], "steady", "{s:#?}");
    sized_at_or_above_peak(&s);
}

#[test]
fn a_limit_that_changes_is_followed_and_oom_kills_under_the_first_are_counted() {
    let s = one(&["oom-restarts-then-limit-raised.csv"]);
    assert_eq!(s["classification"], "leak", "{s:#?}");
    assert_eq!(s["oom_restarts"], 4, "four kills at 512Mi");
    assert_eq!(s["restarts"], 5, "and the rollout of the 1Gi limit");
    assert_eq!(s["limit_bytes"], 1u64 << 30);
    assert_eq!(s["limits"].as_array().map(Vec::len), Some(2));
    assert_eq!(s["limits"][0]["bytes"], 512u64 << 20);
    assert_eq!(s["limit_reached"], true);
    let slope = f(&s["slope_bytes_per_hour"]) / MIB;
    assert!((slope - 25.0).abs() < 2.5, "{slope}");

    let s = one(&["own/oom-then-limit-raised.csv"]);
    assert_eq!(s["classification"], "leak", "{s:#?}");
    assert_eq!(s["oom_restarts"], 6, "five at 384Mi, one at 768Mi");
    assert_eq!(s["limits"][1]["bytes"], 768u64 << 20);
    let slope = f(&s["slope_bytes_per_hour"]) / MIB;
    assert!((slope - 40.0).abs() < 4.0, "{slope}");
}

#[test]
fn a_level_shift_after_a_deploy_is_a_step_naming_the_deploy() {
    let s = one(&["own/step-after-deploy.csv", "--events", "own/step-after-deploy-events.csv"]);
    assert_eq!(s["classification"], "step", "{s:#?}");
    assert_eq!(s["event"], "deploy 9c0ffee");
    assert!(s["message"].as_str().is_some_and(|m| m.contains("+150 MiB")));
    sized_at_or_above_peak(&s);
}

#[test]
fn human_report_says_what_would_decide_and_when_nothing_is_sized() {
    let run = oom_lint(
        &["analyze", "gc-sawtooth-6h-no-limit.csv", "short-history-90min.json"],
        &testdata("metrics/cases"),
        None,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("SAWTOOTH"), "{}", run.stdout);
    assert!(run.stdout.contains("(inferred from the shape)"), "{}", run.stdout);
    assert!(run.stdout.contains("INSUFFICIENT DATA"), "{}", run.stdout);
    assert!(run.stdout.contains("1 sawtooth, 1 insufficient data"), "{}", run.stdout);
}

#[test]
fn drops_near_a_limit_but_short_of_it_are_a_sawtooth_whatever_the_period() {
    // An OOM kill happens at the limit: the sample before it is within about a sample's growth
    // of it. Drops from 91–97 % of the limit with no known restart cannot be told from a
    // collector, and are never a leak.
    for args in [
        &["own/qa-saw6h-7d.csv", "--limit", "316Mi"][..],
        &["own/qa-saw6h-7d-limitcol.csv"],
        &["gc-sawtooth-6h-no-limit.csv", "--limit", "310Mi"],
        &["own/qa-saw2h.csv", "--limit", "330Mi"],
        &["own/qa-saw2h.csv"],
    ] {
        let s = one(args);
        assert_eq!(s["classification"], "sawtooth", "{args:?}: {s:#?}");
        assert_eq!(s["oom_restarts"], 0, "{args:?}");
        assert!(s["message"].as_str().is_some_and(|m| m.contains("would decide")), "{s:#?}");
        sized_at_or_above_peak(&s);
    }
    // 91 % of the limit is not the limit reached (the threshold is 95 %).
    let s = one(&["own/qa-saw2h.csv", "--limit", "330Mi"]);
    assert_eq!(s["limit_reached"], false, "{s:#?}");
    assert!(s["message"].as_str().is_some_and(|m| m.contains("container_oom_events_total")));
}

#[test]
fn noise_near_a_limit_is_no_oom_kill() {
    for limit in ["500Mi", "512Mi"] {
        let s = one(&["own/qa-noise30.csv", "--limit", limit]);
        assert_eq!(s["classification"], "steady", "{limit}: {s:#?}");
        assert_eq!(s["restarts"], 0, "{limit}");
        assert_eq!(s["oom_restarts"], 0, "{limit}");
        sized_at_or_above_peak(&s);
    }
}

#[test]
fn restarts_the_cluster_counted_win_over_the_shape() {
    // A flat restart counter: the drops are the runtime freeing memory, never restarts.
    let s = one(&["own/qa-prom-saw-no-restarts.json"]);
    assert_eq!(s["classification"], "sawtooth", "{s:#?}");
    assert_eq!(s["restarts"], 0);
    assert_eq!(s["inferred_restarts"], 0);
    assert!(s["message"].as_str().is_some_and(|m| m.contains("restart count stays flat")));
    sized_at_or_above_peak(&s);
    // A counter stepping at each drop: counted restarts, not inferred ones; OOM kills when OOM
    // events or the last terminated reason say so.
    for (file, oom) in [
        ("own/qa-prom-saw-with-restarts.json", 0),
        ("own/qa-prom-saw-oom-events.json", 11),
        ("own/qa-prom-saw-ksm.json", 11),
    ] {
        let s = one(&[file]);
        assert_eq!(s["restarts"], 11, "{file}: {s:#?}");
        assert_eq!(s["inferred_restarts"], 0, "{file}");
        assert_eq!(s["oom_restarts"], oom, "{file}");
        assert_eq!(s["limit_reached"], Value::Null, "{file}: no limit known");
        assert!(s["notes"].to_string().contains("as the cluster counted them"), "{file}");
    }
}

#[test]
fn limits_are_never_averaged_and_unlimited_is_no_limit() {
    // cAdvisor says 1Gi, kube-state-metrics (the spec) 768Mi: the spec's, with a note.
    let report = oom_lint(
        &[
            "analyze",
            "--format",
            "json",
            "--fail-on",
            "never",
            "own/qa-prom-limit-two-sources.json",
        ],
        &testdata("metrics/cases"),
        None,
    );
    let json = report.json();
    let s = &json["series"][0];
    assert_eq!(s["limit_bytes"], 768u64 << 20, "{s:#?}");
    assert!(json.to_string().contains("the limits disagree"), "{json:#?}");
    // An unlimited cgroup's page-rounded i64::MAX is no limit, like 0.
    let s = one(&["own/qa-prom-limit-maxint.json"]);
    assert_eq!(s["limit_bytes"], Value::Null, "{s:#?}");
    assert_eq!(s["time_to_oom_hours"], Value::Null);
    assert_eq!(s["classification"], "leak", "a 4 MiB/h leak all the same");
}

#[test]
fn replicas_of_an_instant_vector_stay_apart() {
    // api-0, api-1 and api-2 at one instant coexist: not one container restarted twice.
    let all = analyze(&["own/qa-prom-vector-replicas.json"]);
    assert_eq!(all.len(), 3, "{all:#?}");
    let mut pods: Vec<String> =
        all.iter().map(|s| s["labels"]["pod"].as_str().unwrap_or_default().to_owned()).collect();
    pods.sort();
    assert_eq!(pods, ["api-0", "api-1", "api-2"], "{all:#?}");
    for s in &all {
        assert_eq!(s["classification"], "insufficient-data", "{s:#?}");
        assert_eq!(s["recommendation"], Value::Null);
        assert_eq!(s["restarts"], 0, "{s:#?}");
    }
}

#[test]
fn a_fall_from_above_a_given_limit_is_no_oom_kill() {
    // A spike that climbs past the --limit given: that limit was not in force (the report says
    // samples lie above it), so the fall back is no OOM kill, no restart and no level shift.
    for (file, limit) in [
        ("quality/spike-over-given-limit.csv", "512Mi"),
        ("quality/spike-over-given-limit-1m.csv", "1Gi"),
    ] {
        let s = one(&[file, "--limit", limit]);
        assert_eq!(s["classification"], "spike", "{file}: {s:#?}");
        assert_eq!(s["restarts"], 0, "{file}");
        assert_eq!(s["oom_restarts"], 0, "{file}");
        assert_eq!(s["peak_clipped"], false, "{file}");
        assert!(s["notes"].to_string().contains("above the limit in force"), "{file}: {s:#?}");
        sized_at_or_above_peak(&s);
    }
}

#[test]
fn a_crash_loop_of_minutes_without_a_limit_is_inferred_restart_by_restart() {
    // Each start climbs for minutes and drops back to the start-up footprint: every drop is a
    // restart inferred (one fewer than the starts), however short the window, and the verdict
    // says it looks like a crash loop and what would decide.
    for (file, starts, every_minutes) in [
        ("quality/crashloop-18-no-limit.csv", 18, 4.7),
        ("quality/crashloop-25-slow-no-limit.csv", 25, 8.5),
    ] {
        let s = one(&[file]);
        assert_eq!(s["classification"], "sawtooth", "{file}: {s:#?}");
        assert_eq!(s["restarts"], starts - 1, "{file}: {s:#?}");
        assert_eq!(s["inferred_restarts"], starts - 1, "{file}");
        assert_eq!(s["oom_restarts"], 0, "{file}: no limit, no kill known");
        assert_eq!(s["sawtooth_drops"], 0, "{file}: the drops are the restarts, not counted twice");
        assert_eq!(s["limit_reached"], Value::Null, "{file}");
        let period = f(&s["restart_period_hours"]) * 60.0;
        assert!((period - every_minutes).abs() < 1.0, "{file}: every {period} min");
        let message = s["message"].as_str().unwrap_or_default();
        assert!(message.contains("looks like a crash loop"), "{file}: {message}");
        assert!(message.contains("restarts inferred"), "{file}: {message}");
        assert!(message.contains("container_spec_memory_limit_bytes"), "{file}: {message}");
        assert!(message.contains("last state OOMKilled"), "{file}: {message}");
        assert!(s["notes"].to_string().contains("lower bound"), "{file}: {s:#?}");
        sized_at_or_above_peak(&s);
    }
    // Starts over every 8 hours: restarts inferred as before, but no crash loop.
    let s = one(&["quality/restarts-8h-no-limit.csv"]);
    assert_eq!(s["classification"], "sawtooth", "{s:#?}");
    assert_eq!(s["inferred_restarts"], 3, "{s:#?}");
    assert!((f(&s["restart_period_hours"]) - 8.0).abs() < 0.5, "{s:#?}");
    let message = s["message"].as_str().unwrap_or_default();
    assert!(!message.contains("crash loop"), "{message}");
    assert!(message.contains("would decide"), "{message}");
}

#[test]
fn two_stacked_level_shifts_are_a_step_naming_both() {
    // +150 MiB at a deploy, flat, then +150 MiB more at a second deploy: no growth between, so
    // a step (one label), with both shifts and both deploys said; the level shift and the event
    // reported are the latest.
    let s = one(&["quality/two-steps.csv", "--events", "quality/two-steps-events.csv"]);
    assert_eq!(s["classification"], "step", "{s:#?}");
    let message = s["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("two level shifts"), "{message}");
    assert_eq!(message.matches("+150 MiB").count(), 2, "{message}");
    assert!(message.contains("after deploy api 3.1.0"), "{message}");
    assert!(message.contains("after deploy api 3.2.0"), "{message}");
    assert_eq!(s["event"], "deploy api 3.2.0", "{s:#?}");
    // The second shift, 34 h after the start (2026-04-24T03:06:40Z), is the level now.
    assert!(s["level_shift"].as_str().is_some_and(|t| t.starts_with("2026-04-25T13:")), "{s:#?}");
    sized_at_or_above_peak(&s);

    // Different sizes, sampling and spacing, no events.
    let s = one(&["quality/two-steps-1m.csv"]);
    assert_eq!(s["classification"], "step", "{s:#?}");
    let message = s["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("two level shifts"), "{message}");
    assert!(message.contains("+200 MiB"), "{message}");
    assert!(s["level_shift"].as_str().is_some_and(|t| t.starts_with("2026-04-25T01:")), "{s:#?}");
    assert_eq!(s["event"], Value::Null);
    sized_at_or_above_peak(&s);

    // Two small shifts (+20 % each) are no daily cycle to remove, and no growth.
    let s = one(&["quality/two-small-steps.csv"]);
    assert_eq!(s["classification"], "step", "{s:#?}");
    assert_eq!(s["seasonal_cycle_bytes"], Value::Null, "{s:#?}");
    let message = s["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("two level shifts"), "{message}");
    assert_eq!(message.matches("+60 MiB").count(), 2, "{message}");
}

#[test]
fn a_level_shift_under_a_daily_cycle_in_less_than_a_day_is_a_step_not_a_leak() {
    // 16 h: the daily cycle falls before a deploy's +50 MiB and rises after it, so the two
    // together climb like growth from an onset. A shift and the cycle explain it better than any
    // growth; the rise around the shift is the cycle as well as growth, which less than a day
    // cannot tell apart, so it is said — and no leak is.
    let s = one(&[
        "quality/shift-under-daily-cycle.csv",
        "--events",
        "quality/shift-under-daily-cycle-events.csv",
    ]);
    assert_eq!(s["classification"], "step", "{s:#?}");
    let message = s["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("a one-time level shift of +5"), "{message}");
    assert!(message.contains("after deploy api 4.2.0"), "{message}");
    assert_eq!(s["event"], "deploy api 4.2.0", "{s:#?}");
    // The shift at hour 5 (the start is 2026-04-24T03:06:40Z).
    assert!(s["level_shift"].as_str().is_some_and(|t| t.starts_with("2026-04-24T08:")), "{s:#?}");
    let cycle_noted = s["notes"].as_array().is_some_and(|notes| {
        notes.iter().any(|n| n.as_str().is_some_and(|n| n.contains("daily cycle does as well")))
    });
    assert!(cycle_noted, "{s:#?}");
    assert_eq!(s["time_to_oom_hours"], Value::Null, "{s:#?}");
    sized_at_or_above_peak(&s);

    // Another level, cycle, shift and sampling (1 minute, 20 h), no limit and no event.
    let s = one(&["quality/shift-under-daily-cycle-1m.csv"]);
    assert_eq!(s["classification"], "step", "{s:#?}");
    let message = s["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("a one-time level shift of +1"), "{message}");
    assert!(s["level_shift"].as_str().is_some_and(|t| t.starts_with("2026-04-24T09:")), "{s:#?}");
    assert_eq!(s["event"], Value::Null);
    sized_at_or_above_peak(&s);
}

#[test]
fn a_late_rise_towards_the_limit_is_a_warning_beside_the_verdict() {
    // Flat for days, then the last 90 minutes (the last hour) climbing to 88 % (85 %) of the
    // limit: too recent to be a leak, yet the report warns with the rate and the time left.
    for (file, rate_mib, limit_mib) in [
        ("quality/late-rise-steady.csv", (0.88 * 1024.0 - 600.0) / 1.5, 1024.0),
        ("quality/late-rise-steady-1m.csv", 0.85 * 1536.0 - 900.0, 1536.0),
    ] {
        let s = one(&[file]);
        assert_eq!(s["classification"], "steady", "{file}: {s:#?}");
        let rise = &s["late_rise"];
        let rate = f(&rise["slope_bytes_per_hour"]) / MIB;
        assert!((rate - rate_mib).abs() < 0.1 * rate_mib, "{file}: {rate} MiB/h");
        // At that rate, what is left below the limit lasts under an hour.
        let left = (limit_mib * MIB - f(&rise["bytes_now"])) / (rate * MIB);
        assert!(left > 0.0 && left < 1.0, "{file}: {left} h");
        assert!((f(&rise["hours_to_limit"]) - left).abs() < 1e-6, "{file}: {rise:#?}");
        let run = oom_lint(&["analyze", file], &testdata("metrics/cases"), None);
        assert_eq!(run.code, Some(0), "not a leak: {}", run.stdout);
        assert!(
            run.stdout.contains("warning: the latest samples rise towards the limit"),
            "{file}: {}",
            run.stdout
        );
        assert!(run.stdout.contains("if it continues"), "{}", run.stdout);
    }
    // A daily cycle's rising hours (the window ends in them) and a sawtooth's climb back to its
    // usual peak are no warning, however near the limit.
    for (file, limit) in
        [("own/daily-cycle-no-leak.csv", "750Mi"), ("own/gc-sawtooth-2h-limit.csv", "640Mi")]
    {
        let s = one(&[file, "--limit", limit]);
        assert_eq!(s["late_rise"], Value::Null, "{file}: {s:#?}");
    }
}

/// Sparse dumps (a coarse export, a large step): a few dozen samples, or twelve over a week,
/// still show a leak at its rate; a steady series or a daily cycle sampled as sparsely is no
/// leak. Before, under 32 samples were summarised into fewer buckets than a fit needs and any
/// growth was "steady, levels off", and a perfectly straight line lost to a saturation fitted
/// to its rounding error.
#[test]
fn sparse_dumps_show_a_leak_at_its_rate_and_nothing_else() {
    for (file, rate) in [
        ("sparse/leak-24-hourly.csv", 10.0),
        ("sparse/leak-30-every-6h.csv", 1.5),
        ("sparse/leak-12-over-a-week.csv", 1.4),
    ] {
        let s = one(&[file]);
        assert_eq!(s["classification"], "leak", "{file}: {s:#?}");
        let slope = f(&s["slope_bytes_per_hour"]) / MIB;
        assert!((slope - rate).abs() < 0.1 * rate, "{file}: {slope} MiB/h, want {rate}");
        assert!(f(&s["slope_ci"][0]) > 0.0, "{file}: {s:#?}");
    }
    for file in ["sparse/steady-30-every-6h.csv", "sparse/daily-cycle-every-3h.csv"] {
        let s = one(&[file]);
        assert_eq!(s["classification"], "steady", "{file}: {s:#?}");
        sized_at_or_above_peak(&s);
    }
}

/// Long pauses in the samples are said, with where they are; a level shift first seen after
/// one is said to have happened in it. Before, a 5-day hole read as 7 days of data and the
/// shift was dated at the first sample after the hole.
#[test]
fn gaps_in_the_samples_are_said_and_a_shift_across_one_is_placed_in_it() {
    let notes = |s: &Value| -> Vec<String> {
        s["notes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n.as_str().map(str::to_owned))
            .collect()
    };
    let s = one(&["gaps/step-across-a-5-day-gap.csv"]);
    assert_eq!(s["classification"], "step", "{s:#?}");
    let message = s["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("during the 5.0 days without samples, between 24 h and 6.0 days"),
        "{message}"
    );
    assert!(
        notes(&s).iter().any(|n| n.starts_with("no samples for 5.0 days, from 24 h to 6.0 days")),
        "{s:#?}"
    );

    let s = one(&["gaps/flat-across-a-5-day-gap.csv"]);
    assert_eq!(s["classification"], "steady", "{s:#?}");
    assert!(notes(&s).iter().any(|n| n.starts_with("no samples for 5.0 days")), "{s:#?}");

    let s = one(&["gaps/two-holes.csv"]);
    assert!(notes(&s).iter().any(|n| n.contains("the longest of 2 gaps (8 h in all)")), "{s:#?}");
    // Six-hourly samples are sparse, not gapped: no such note.
    let s = one(&["sparse/steady-30-every-6h.csv"]);
    assert!(!notes(&s).iter().any(|n| n.starts_with("no samples")), "{s:#?}");
}

/// A time-to-OOM interval that rounds to one value is not printed as "(6 h–6 h)".
#[test]
fn a_time_to_oom_interval_narrower_than_its_rounding_is_not_printed() {
    let run = oom_lint(
        &["analyze", "oom-restarts-then-limit-raised.csv", "--fail-on", "never"],
        &testdata("metrics/cases"),
        None,
    );
    assert!(run.stdout.contains("limit 1Gi reached in ≈ 6 h"), "{}", run.stdout);
    assert!(!run.stdout.contains("6 h–6 h"), "{}", run.stdout);
}
