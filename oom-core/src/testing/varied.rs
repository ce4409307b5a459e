//! The labelled benchmark's generator: series with the variety real dumps have — durations of
//! 1 h to 30 days, samples every 15 s to 5 min, gaps, white, AR(1) and heavy-tailed noise, GC
//! sawtooths of 1 min to 12 h, daily and weekly cycles with a random phase, warm-ups that
//! saturate, level shifts with and without an event, single and repeated spikes, leaks of
//! 0.5–200 MiB/h with onsets anywhere, OOM restarts in place and as new pods, crash loops with
//! and without a known limit, limits that change, and peaks clipped at the limit. Each comes
//! with its true verdict.
//!
//! Not a stable API (see [`crate::testing`]).
//!
//! ```
//! use oom_core::leak::{AnalysisOptions, analyze};
//! use oom_core::testing::varied::{CLASSES, varied};
//!
//! let generated = varied(3);
//! assert!(CLASSES.contains(&generated.truth.classification));
//! let analysis = analyze(&generated.series, &generated.events, &AnalysisOptions::default());
//! assert!(!analysis.classification.as_str().is_empty());
//! ```

use std::f64::consts::TAU;

use crate::metrics::{Event, Sample, Series};
use crate::testing::synthetic::{Generated, HOUR, MIB, Rng, START, Truth};

/// The verdicts the benchmark scores, as [`crate::leak::Classification::as_str`] names them.
pub const CLASSES: [&str; 6] = ["leak", "spike", "step", "sawtooth", "steady", "insufficient-data"];

/// Most samples one series gets (the sampling interval grows for long windows).
const MAX_SAMPLES: f64 = 50_000.0;
/// Windows shorter than this (hours) are truly `insufficient-data` (unless a crash loop):
/// the analysis' default [`crate::leak::Thresholds::min_window_hours`].
const SHORT_HOURS: f64 = 6.0;

/// Uniform in [low, high).
fn between(rng: &mut Rng, low: f64, high: f64) -> f64 {
    low + (high - low) * rng.uniform()
}

/// Log-uniform in [low, high).
fn log_between(rng: &mut Rng, low: f64, high: f64) -> f64 {
    (low.ln() + (high.ln() - low.ln()) * rng.uniform()).exp()
}

/// Draws the variety of real dumps for `seed` (the class first, evenly, then everything else).
pub fn varied(seed: u64) -> Generated {
    let mut rng = Rng::new(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x5EED);
    let class = CLASSES[(seed % CLASSES.len() as u64) as usize];
    let short = class == "insufficient-data";
    let hours = if short {
        between(&mut rng, 1.0, SHORT_HOURS * 0.9)
    } else {
        log_between(&mut rng, 12.0, 720.0)
    };
    let steps: [f64; 5] = [15.0, 30.0, 60.0, 120.0, 300.0];
    let step = steps[(rng.uniform() * steps.len() as f64) as usize % steps.len()]
        .max(hours * HOUR / MAX_SAMPLES);
    let n = (hours * HOUR / step) as usize;
    let mut base = log_between(&mut rng, 100.0, 1500.0) * MIB;
    // Noise: white, AR(1) or heavy-tailed (Student t with 3 degrees of freedom).
    let noise_kind = (rng.uniform() * 3.0) as usize;
    let mut sigma = between(&mut rng, 0.003, 0.015) * base;
    let phi = between(&mut rng, 0.8, 0.97);
    let mut daily = (rng.uniform() < 0.4 && class != "sawtooth")
        .then(|| (between(&mut rng, 0.05, 0.2) * base, rng.uniform() * TAU));
    let mut truth = Truth {
        classification: class,
        slope_bytes_per_hour: None,
        onset: None,
        event: None,
        restarts: None,
    };
    let mut events = Vec::new();
    let mut limits: Vec<(f64, u64)> = Vec::new();
    let window = hours * HOUR;
    // Class-specific parameters.
    let at = between(&mut rng, 0.25, 0.75) * window;
    let shift = between(&mut rng, 0.15, 0.5) * base;
    let spike_len = between(&mut rng, 0.005, 0.03) * window;
    let spike_height = between(&mut rng, 0.4, 1.0) * base;
    let sawtooth_crash_loop = class == "sawtooth" && rng.uniform() < 0.3;
    let period = {
        let low = (4.0 * step).max(60.0);
        let high = (12.0 * HOUR).min(window / 4.0).max(low * 1.01);
        log_between(&mut rng, low, high)
    };
    let amplitude = between(&mut rng, 0.15, 0.5) * base;
    let rate = log_between(&mut rng, 0.5, 200.0) * MIB;
    let onset = between(&mut rng, 0.0, 0.5) * window;
    if class == "leak" {
        // A leak that is material over its span: it grows by 15 % to 300 % of the base.
        let growth = rate * (window - onset) / HOUR;
        let drawn = base;
        base = (growth / between(&mut rng, 0.15, 3.0)).clamp(50.0 * MIB, 4000.0 * MIB);
        // Noise and the daily cycle are shares of the level: they follow the new base.
        sigma *= base / drawn;
        daily = daily.map(|(amplitude, phase)| (amplitude * base / drawn, phase));
        truth.slope_bytes_per_hour = Some(rate);
    }
    let leak_restarts = class == "leak" && rng.uniform() < 0.3;
    let leak_gc = class == "leak" && rng.uniform() < 0.3;
    let raise_at = (leak_restarts && rng.uniform() < 0.4).then_some(0.5 * window);
    let restart_limit = base + (rate * between(&mut rng, 3.0, 12.0)).max(0.2 * base);
    if leak_restarts {
        limits.push((START, restart_limit as u64));
        if let Some(raise) = raise_at {
            limits.push((START + raise, (2.0 * restart_limit) as u64));
        }
    }
    let crash_limit = base * 1.6;
    // A crash loop's limit is not always exported: the restarts must then be inferred.
    if sawtooth_crash_loop && rng.uniform() < 0.6 {
        limits.push((START, crash_limit as u64));
    }
    // Restarts seen as new pods (a Deployment's replacement) rather than in place.
    let new_pods = leak_restarts && rng.uniform() < 0.4;
    // A weekly cycle on long windows, a warm-up that saturates, repeated spikes, a shift with no
    // event to name.
    let weekly = (hours >= 336.0 && class != "sawtooth" && rng.uniform() < 0.3)
        .then(|| (between(&mut rng, 0.05, 0.15) * base, rng.uniform() * TAU));
    let warm_up = (class == "steady" && rng.uniform() < 0.3)
        .then(|| (between(&mut rng, 0.1, 0.4) * base, between(&mut rng, 0.5, 3.0) * HOUR));
    let repeats: Vec<f64> = if class == "spike" && rng.uniform() < 0.3 {
        let count = 1 + (rng.uniform() * 3.0) as usize;
        (0..count)
            .map(|k| window * (0.1 + 0.8 * (k as f64 + rng.uniform()) / count as f64))
            .collect()
    } else {
        Vec::new()
    };
    let silent_step = class == "step" && rng.uniform() < 0.3;
    let mut pod_changes = Vec::new();
    let gaps = rng.uniform() < 0.3;
    let gap_start = between(&mut rng, 0.1, 0.8) * window;
    let gap_len = between(&mut rng, 0.02, 0.1) * window;
    let mut values = Vec::with_capacity(n);
    let mut ar = 0.0;
    let mut cycle_start = 0.0;
    let mut restarts = 0usize;
    for i in 0..n {
        let t = i as f64 * step;
        let z = rng.normal();
        let noise = match noise_kind {
            0 => sigma * z,
            1 => {
                ar = phi * ar + (1.0 - phi * phi).sqrt() * sigma * z;
                ar
            }
            _ => {
                // t(3) = z / sqrt(chi²(3)/3), scaled to unit variance (÷ √3).
                let chi: f64 = (0..3).map(|_| rng.normal().powi(2)).sum();
                sigma * z / (chi / 3.0).max(1e-6).sqrt() / 3f64.sqrt()
            }
        };
        let season =
            daily.map_or(0.0, |(amp, phase)| amp * (TAU * t / (24.0 * HOUR) + phase).sin());
        let season = season
            + weekly.map_or(0.0, |(amp, phase)| amp * (TAU * t / (168.0 * HOUR) + phase).sin())
            + warm_up.map_or(0.0, |(amp, tau)| amp * (1.0 - (-t / tau).exp()));
        let mut value = base + noise + season;
        let spiking = |at: f64| (at..at + spike_len).contains(&t);
        match class {
            "step" if t >= at => value += shift,
            "spike" if spiking(at) || repeats.iter().any(|&r| spiking(r)) => value += spike_height,
            "sawtooth" if sawtooth_crash_loop => {
                // Climbs to the limit within minutes of each start, then is killed.
                let climb = (period / 4.0).clamp(60.0, 20.0 * 60.0);
                let since = t - cycle_start;
                value = 0.3 * base + (crash_limit - 0.3 * base) * (since / climb).min(1.0) + noise;
                if since >= climb {
                    value = crash_limit;
                    cycle_start = t + step;
                    restarts += 1;
                }
                value = value.min(crash_limit);
            }
            "sawtooth" => value += amplitude * ((t % period) / period),
            "leak" => {
                if leak_gc {
                    value += 0.2 * base * ((t % 300.0) / 300.0);
                }
                if leak_restarts {
                    let raised = raise_at.is_some_and(|r| t >= r);
                    let limit = if raised { 2.0 * restart_limit } else { restart_limit };
                    if raise_at.is_some_and(|r| t >= r && t - step < r) {
                        cycle_start = t; // the rollout of the new limit restarts the container
                    }
                    let grown = base + noise + rate * (t - cycle_start) / HOUR;
                    if grown >= limit {
                        cycle_start = t;
                        // A new process, below the limit whatever the noise that killed the old.
                        value = (base + noise).min(0.9 * limit);
                        restarts += 1;
                        if new_pods {
                            pod_changes.push(START + t);
                        }
                    } else {
                        value = grown;
                    }
                } else {
                    value += rate * ((t - onset) / HOUR).max(0.0);
                }
            }
            _ => {}
        }
        if gaps && (gap_start..gap_start + gap_len).contains(&t) {
            continue;
        }
        values.push(Sample { time: START + t, bytes: value.max(MIB) });
    }
    if leak_restarts || sawtooth_crash_loop {
        truth.restarts = Some(restarts);
    }
    if class == "leak" && !leak_restarts && onset > 0.1 * window {
        truth.onset = Some(START + onset);
    }
    // A leak seen rising for less than half a day, in less than a day, by less than doubling:
    // a daily cycle rises as long and as much, so no series can decide — its truth is that the
    // data is insufficient.
    let grown = rate * (window - onset) / HOUR;
    if class == "leak"
        && !leak_restarts
        && window < 24.0 * HOUR
        && window - onset < 12.0 * HOUR
        && grown < base
    {
        truth.classification = "insufficient-data";
        truth.slope_bytes_per_hour = None;
        truth.onset = None;
    }
    if class == "step" && !silent_step {
        events.push(Event { time: START + at - 300.0, label: "deploy 5709e11".into() });
        truth.event = Some("deploy 5709e11");
    }
    // A known limit, above every peak, for most series that have none yet.
    let peak = values.iter().map(|s| s.bytes).fold(0.0, f64::max);
    if limits.is_empty() && rng.uniform() < 0.6 {
        limits.push((START, (peak * between(&mut rng, 1.3, 3.0)) as u64));
    }
    let series = Series {
        labels: [("namespace", "varied"), ("container", class)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        samples: values,
        limits,
        pod_changes,
    };
    Generated { series, events, truth }
}
