//! Labelled synthetic memory series for tests and benchmarks: deterministic (seeded), realistic
//! shapes with known truth.
//!
//! Not a stable API (see [`crate::testing`]).
//!
//! ```
//! use oom_core::leak::{AnalysisOptions, Classification, analyze};
//! use oom_core::testing::synthetic::{Kind, generate};
//!
//! let generated = generate(Kind::LeakAfterDeploy, 1, 4320);
//! assert_eq!(generated.truth.classification, "leak");
//! let analysis = analyze(&generated.series, &generated.events, &AnalysisOptions::default());
//! assert_eq!(analysis.classification, Classification::Leak);
//! ```

use crate::metrics::{Event, Sample, Series};

/// Bytes in a mebibyte.
pub const MIB: f64 = 1_048_576.0;
/// Seconds in an hour.
pub const HOUR: f64 = 3600.0;
/// Unix time of every series' first sample.
pub const START: f64 = 1_777_000_000.0;

/// A small, fast, seeded generator (SplitMix64) so every run sees the same series.
#[derive(Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator whose sequence depends only on `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(1e-300);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// The shapes [`generate`] draws, each with a known classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Steady: a flat level with independent noise.
    WhiteNoise,
    /// Steady: an AR(1) wander with φ = 0.9.
    Ar1Moderate,
    /// Steady: an AR(1) wander with φ = 0.97, slow enough to look like a trend.
    Ar1Strong,
    /// Sawtooth: a garbage collector's sawtooth (7-minute period) on a flat floor.
    GcSawtooth,
    /// Steady: a daily cycle.
    DailyCycle,
    /// Step: a one-time level shift of 120 MiB.
    Step,
    /// Spike: 400 MiB for 42 minutes, then back.
    Spike,
    /// Leak: flat, then 8 MiB/h from an onset that follows a deploy event by 12 minutes.
    LeakAfterDeploy,
    /// Leak: 1 MiB/h from the start.
    SlowLeak,
    /// Leak: 5 MiB/h from an onset, under a GC sawtooth.
    LeakWithGc,
    /// Leak: 20 MiB/h up to a 768 MiB limit, then a restart, repeatedly.
    LeakWithRestarts,
}

/// Every [`Kind`].
pub const ALL_KINDS: [Kind; 11] = [
    Kind::WhiteNoise,
    Kind::Ar1Moderate,
    Kind::Ar1Strong,
    Kind::GcSawtooth,
    Kind::DailyCycle,
    Kind::Step,
    Kind::Spike,
    Kind::LeakAfterDeploy,
    Kind::SlowLeak,
    Kind::LeakWithGc,
    Kind::LeakWithRestarts,
];

/// What a generated series truly is.
#[derive(Debug, Clone)]
pub struct Truth {
    /// `leak`, `spike` or `steady`, as [`crate::leak::Classification::as_str`] names them.
    pub classification: &'static str,
    /// The true growth rate of a leak, bytes per hour.
    pub slope_bytes_per_hour: Option<f64>,
    /// When a leak truly started, Unix seconds, if inside the data.
    pub onset: Option<f64>,
    /// The label of the event that caused the leak (or the level shift), if any.
    pub event: Option<&'static str>,
    /// OOM kills (and limit rollouts) that truly happened, when the generator counts them.
    pub restarts: Option<usize>,
}

/// A generated series with its events and truth.
#[derive(Debug)]
pub struct Generated {
    /// The series, labelled `namespace=synthetic` and `container=<kind name>`.
    pub series: Series,
    /// Deploy events (one unrelated deploy, plus the cause of a leak after a deploy).
    pub events: Vec<Event>,
    /// What the series truly is.
    pub truth: Truth,
}

/// Three days at one sample a minute (or `samples` samples over the same span).
pub fn generate(kind: Kind, seed: u64, samples: usize) -> Generated {
    let mut rng = Rng::new(seed ^ (kind as u64) << 32);
    let span = 72.0 * HOUR;
    let step = span / samples as f64;
    let base = 400.0 * MIB;
    let mut ar = 0.0;
    let mut level_after_restart = 0.0;
    let mut restart_clock = 0.0;
    let onset = START + 27.0 * HOUR + rng.uniform() * 3.0 * HOUR;
    let mut truth = Truth {
        classification: "steady",
        slope_bytes_per_hour: None,
        onset: None,
        event: None,
        restarts: None,
    };
    let mut events = vec![Event { time: START + 5.0 * HOUR, label: "deploy 1111111".into() }];
    let limit = match kind {
        Kind::LeakWithRestarts => Some(768u64 << 20),
        _ => Some(2u64 << 30),
    };
    let leak_rate = 8.0 * MIB;
    let mut values = Vec::with_capacity(samples);
    for i in 0..samples {
        let t = START + i as f64 * step;
        let hours = (t - START) / HOUR;
        let noise = rng.normal();
        let value = match kind {
            Kind::WhiteNoise => base + 8.0 * MIB * noise,
            Kind::Ar1Moderate | Kind::Ar1Strong => {
                let phi = if kind == Kind::Ar1Moderate { 0.9 } else { 0.97 };
                ar = phi * ar + (1.0f64 - phi * phi).sqrt() * 15.0 * MIB * noise;
                base + ar
            }
            Kind::GcSawtooth => base - 50.0 * MIB + gc(t, 150.0 * MIB) + 2.0 * MIB * noise,
            Kind::DailyCycle => {
                base + 80.0 * MIB * (std::f64::consts::TAU * hours / 24.0 + 1.0).sin()
                    + 5.0 * MIB * noise
            }
            Kind::Step => base + if hours > 31.0 { 120.0 * MIB } else { 0.0 } + 8.0 * MIB * noise,
            Kind::Spike => {
                let inside = (43.0..43.7).contains(&hours);
                base + if inside { 400.0 * MIB } else { 0.0 } + 8.0 * MIB * noise
            }
            Kind::LeakAfterDeploy => {
                base + leak_rate * ((t - onset) / HOUR).max(0.0) + 8.0 * MIB * noise
            }
            Kind::SlowLeak => base + 1.0 * MIB * hours + 5.0 * MIB * noise,
            Kind::LeakWithGc => {
                base - 50.0 * MIB
                    + gc(t, 150.0 * MIB)
                    + 5.0 * MIB * ((t - onset) / HOUR).max(0.0)
                    + 2.0 * MIB * noise
            }
            Kind::LeakWithRestarts => {
                restart_clock += step / HOUR;
                let v = 300.0 * MIB + 20.0 * MIB * restart_clock + 5.0 * MIB * noise;
                if v >= 768.0 * MIB {
                    restart_clock = 0.0;
                    level_after_restart += 1.0;
                    300.0 * MIB + 5.0 * MIB * noise
                } else {
                    v
                }
            }
        };
        values.push(Sample { time: t, bytes: value.max(0.0) });
    }
    match kind {
        Kind::Spike => truth.classification = "spike",
        Kind::GcSawtooth => truth.classification = "sawtooth",
        Kind::Step => truth.classification = "step",
        Kind::LeakAfterDeploy => {
            truth = Truth {
                classification: "leak",
                slope_bytes_per_hour: Some(leak_rate),
                onset: Some(onset),
                event: Some("deploy 3e4f891"),
                restarts: None,
            };
            events.push(Event { time: onset - 12.0 * 60.0, label: "deploy 3e4f891".into() });
        }
        Kind::SlowLeak => {
            truth = Truth {
                classification: "leak",
                slope_bytes_per_hour: Some(MIB),
                onset: None,
                event: None,
                restarts: None,
            }
        }
        Kind::LeakWithGc => {
            truth = Truth {
                classification: "leak",
                slope_bytes_per_hour: Some(5.0 * MIB),
                onset: Some(onset),
                event: None,
                restarts: None,
            }
        }
        Kind::LeakWithRestarts => {
            truth = Truth {
                classification: "leak",
                slope_bytes_per_hour: Some(20.0 * MIB),
                onset: None,
                event: None,
                restarts: None,
            }
        }
        _ => {}
    }
    let _ = level_after_restart;
    let series = Series {
        labels: [("namespace", "synthetic"), ("container", kind_name(kind))]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        samples: values,
        limits: limit.map(|l| vec![(START, l)]).unwrap_or_default(),
        pod_changes: Vec::new(),
    };
    Generated { series, events, truth }
}

/// A garbage collector's sawtooth: allocation ramps up for 7 minutes, then a collection.
fn gc(t: f64, amplitude: f64) -> f64 {
    let period = 7.0 * 60.0;
    amplitude * ((t - START) % period) / period
}

/// A short name of a kind (`leak-after-deploy`), used as the container label.
pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::WhiteNoise => "white-noise",
        Kind::Ar1Moderate => "ar1-0.9",
        Kind::Ar1Strong => "ar1-0.97",
        Kind::GcSawtooth => "gc-sawtooth",
        Kind::DailyCycle => "daily-cycle",
        Kind::Step => "step",
        Kind::Spike => "spike",
        Kind::LeakAfterDeploy => "leak-after-deploy",
        Kind::SlowLeak => "slow-leak",
        Kind::LeakWithGc => "leak-with-gc",
        Kind::LeakWithRestarts => "leak-with-restarts",
    }
}
