//! The diagnosis: for each killed container of the [incident model](crate::incidents), the cause
//! to act on, the evidence it rests on, and the fix. One file per cause, each with its named
//! thresholds; [`join`] gathers what is known about one container (its events, deploys,
//! manifest and memory series, analysed by `oom_core::leak`).
//!
//! A confident wrong answer is the worst outcome: `memory-leak` needs a memory series that
//! grows (the lower end of the slope's interval above zero); when nothing decides, the cause is
//! `unknown` and the fix says what to export.

pub mod join;
pub mod jvm;
pub mod leak;
pub mod limit;
pub mod node;
pub mod not_oom;
pub mod sidecar;
pub mod spike;
pub mod unknown;

use oom_core::leak::Analysis;
use oom_core::quantity::format_bytes;
use oom_core::sizing::friendly_ceil;

use crate::incidents::{Collected, Kill, Origin, Role, Workload};
use crate::settings::Settings;

/// A root cause. The ids are part of the JSON output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cause {
    NodeMemoryPressure,
    SidecarMemory,
    MemoryLeak,
    JvmNativeMemory,
    TrafficSpike,
    LimitTooLow,
    Unknown,
    NotOom,
}

impl Cause {
    /// Every cause, in the order ties are broken (the one to act on first).
    pub const ALL: [Cause; 8] = [
        Self::MemoryLeak,
        Self::TrafficSpike,
        Self::LimitTooLow,
        Self::JvmNativeMemory,
        Self::SidecarMemory,
        Self::NodeMemoryPressure,
        Self::NotOom,
        Self::Unknown,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Self::MemoryLeak => "memory-leak",
            Self::TrafficSpike => "traffic-spike",
            Self::LimitTooLow => "limit-too-low",
            Self::JvmNativeMemory => "jvm-native-memory",
            Self::SidecarMemory => "sidecar-memory",
            Self::NodeMemoryPressure => "node-memory-pressure",
            Self::NotOom => "not-oom",
            Self::Unknown => "unknown",
        }
    }

    /// The cause as people read it, for a container with `runtime`: the id, except for a heap
    /// setting too large for the limit, which names the runtime's setting. The id
    /// `jvm-native-memory` stays the JSON's for every runtime (ids are stable within version
    /// 1; the `runtime` field says which), but a Go service's report must not tell its on-call
    /// to look at a JVM.
    ///
    /// ```
    /// use oom_lint::diagnose::Cause;
    ///
    /// assert_eq!(Cause::JvmNativeMemory.label(Some("go")), "gomemlimit-too-high");
    /// assert_eq!(Cause::JvmNativeMemory.label(Some("jvm")), "jvm-native-memory");
    /// assert_eq!(Cause::MemoryLeak.label(Some("go")), "memory-leak");
    /// ```
    pub fn label(self, runtime: Option<&str>) -> &'static str {
        match (self, runtime) {
            (Self::JvmNativeMemory, Some("node")) => "node-max-old-space-size-too-high",
            (Self::JvmNativeMemory, Some("go")) => "gomemlimit-too-high",
            (Self::JvmNativeMemory, Some("dotnet")) => "dotnet-gcheaphardlimit-too-high",
            _ => self.id(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

/// One fact a decision rests on, and where it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub text: String,
    pub file: String,
    pub line: Option<u32>,
    /// The series it comes from, for evidence from a metric dump.
    pub series: Option<String>,
}

impl Evidence {
    pub fn at(origin: &Origin, text: String) -> Self {
        Self { text, file: origin.file.clone(), line: origin.line, series: None }
    }

    pub fn series(usage: &join::Usage, text: String) -> Self {
        Self { text, file: usage.file.clone(), line: None, series: Some(usage.name.clone()) }
    }

    /// `file:line`, or `series … in file`.
    pub fn source(&self) -> String {
        match (&self.series, self.line) {
            (Some(series), _) => format!("series {series} in {}", self.file),
            (None, Some(line)) => format!("{}:{line}", self.file),
            (None, None) => self.file.clone(),
        }
    }
}

/// What to change.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Fix {
    pub summary: String,
    pub request: Option<String>,
    pub limit: Option<String>,
    pub flags: Vec<String>,
    pub steps: Vec<String>,
}

impl Fix {
    /// The ready-to-paste `resources:` block, when the fix sets memory values.
    pub fn resources(&self) -> Option<String> {
        if self.request.is_none() && self.limit.is_none() {
            return None;
        }
        let mut out = String::from("resources:\n");
        if let Some(request) = &self.request {
            out.push_str(&format!("  requests:\n    memory: {request}\n"));
        }
        if let Some(limit) = &self.limit {
            out.push_str(&format!("  limits:\n    memory: {limit}\n"));
        }
        Some(out)
    }
}

/// A cause that applies, as one cause file found it.
#[derive(Debug, Clone)]
pub struct Finding {
    pub cause: Cause,
    pub confidence: Confidence,
    /// Why, in one sentence (listed under `other_causes` when it is not the first).
    pub why: String,
    pub evidence: Vec<Evidence>,
    pub fix: Fix,
}

/// A cause that also applies, after the first.
#[derive(Debug, Clone, PartialEq)]
pub struct OtherCause {
    pub cause: Cause,
    pub confidence: Confidence,
    pub why: String,
}

/// The analysis of the container's memory series, as reported.
#[derive(Debug, Clone)]
pub struct UsageReport {
    pub file: String,
    pub series: String,
    pub analysis: Analysis,
    /// The whole series as read, for `--plot`.
    pub samples: oom_core::metrics::Series,
}

/// The chart `--plot` wrote for an incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plot {
    NotRequested,
    /// The SVG file written.
    Written(String),
    /// No memory series of the container: nothing to draw.
    NoSeries,
}

impl Incident {
    /// [`Cause::label`] of its cause.
    pub fn label(&self) -> &'static str {
        self.cause.label(self.runtime)
    }
}

/// One killed container, diagnosed.
#[derive(Debug, Clone)]
pub struct Incident {
    pub namespace: Option<String>,
    pub pod: String,
    pub container: String,
    pub workload: Option<Workload>,
    pub role: Role,
    pub kills: Vec<Kill>,
    pub restart_count: Option<u64>,
    pub limit: Option<String>,
    pub cause: Cause,
    pub confidence: Confidence,
    pub why: String,
    pub evidence: Vec<Evidence>,
    pub other_causes: Vec<OtherCause>,
    pub fix: Fix,
    /// The runtime found in its spec (`jvm`, `node`, `go`, `dotnet`).
    pub runtime: Option<&'static str>,
    pub usage: Option<UsageReport>,
    /// The workload's deploys (time and label), for `--plot`.
    pub deploys: Vec<oom_core::metrics::Event>,
    pub plot: Plot,
}

/// Diagnoses every killed container of the input, in the order to act on.
pub fn diagnose(collected: &Collected, settings: &Settings) -> Vec<Incident> {
    let mut incidents: Vec<Incident> = join::cases(collected, settings)
        .into_iter()
        .map(|case| {
            let mut findings: Vec<Finding> = Vec::new();
            if let Some(finding) = not_oom::check(&case) {
                findings.push(finding);
            } else {
                findings.extend(node::check(&case));
                findings.extend(sidecar::check(&case));
                findings.extend(leak::check(&case));
                findings.extend(jvm::check(&case));
                findings.extend(spike::check(&case));
                findings.extend(limit::check(&case));
            }
            findings.sort_by(|a, b| b.confidence.cmp(&a.confidence).then(a.cause.cmp(&b.cause)));
            let mut findings = findings.into_iter();
            let mut first = findings.next().unwrap_or_else(|| unknown::finding(&case));
            let findings: Vec<Finding> = findings.collect();
            // A leak in a runtime whose heap is also mis-sized: the relief limit buys time, and
            // the heap setting must fit the limit once the leak is fixed (it fits the relief
            // limit too, being a share of the smaller one).
            if first.cause == Cause::MemoryLeak
                && let Some(heap) = findings.iter().find(|f| f.cause == Cause::JvmNativeMemory)
                && let Some(flag) = heap.fix.flags.first()
            {
                first.fix.flags.extend(heap.fix.flags.iter().cloned());
                first.fix.steps.push(format!(
                    "Also fit the heap to the limit ({}): set `{flag}`, which fits the relief limit too.",
                    heap.why
                ));
            }
            let mut evidence = case.kill_evidence();
            evidence.extend(first.evidence);
            Incident {
                namespace: case.pod.namespace.clone(),
                pod: case.pod.name.clone(),
                container: case.container.name.clone(),
                workload: case.workload.clone(),
                role: case.container.role,
                kills: case.container.kills.clone(),
                restart_count: case.container.restart_count,
                limit: case.limit.as_ref().map(|l| l.text.clone()),
                cause: first.cause,
                confidence: first.confidence,
                why: first.why,
                evidence,
                other_causes: findings
                    .into_iter()
                    .map(|f| OtherCause { cause: f.cause, confidence: f.confidence, why: f.why })
                    .collect(),
                fix: first.fix,
                runtime: case.manifest.and_then(|m| m.runtime),
                usage: case.usage.as_ref().map(|u| UsageReport {
                    file: u.file.clone(),
                    series: u.name.clone(),
                    analysis: u.analysis.clone(),
                    samples: u.series.clone(),
                }),
                deploys: case
                    .deploys
                    .iter()
                    .filter_map(|d| Some(oom_core::metrics::Event { time: d.time?, label: d.label() }))
                    .collect(),
                plot: Plot::NotRequested,
            }
        })
        .collect();
    incidents.sort_by(|a, b| {
        let rank = |i: &Incident| (i.cause == Cause::NotOom, i.cause == Cause::Unknown);
        rank(a)
            .cmp(&rank(b))
            .then(b.confidence.cmp(&a.confidence))
            .then(b.restart_count.unwrap_or(0).cmp(&a.restart_count.unwrap_or(0)))
            .then((&a.namespace, &a.pod, &a.container).cmp(&(&b.namespace, &b.pod, &b.container)))
    });
    incidents
}

// Shared by the cause files.

/// Headroom over an observed peak for a limit (the `size` command's default).
pub const PEAK_HEADROOM: f64 = 1.25;

/// `bytes × factor`, rounded up to a friendly quantity (`448Mi`).
pub fn friendly(bytes: f64, factor: f64) -> String {
    format_bytes(friendly_ceil((bytes * factor).ceil().max(1.0) as u64))
}

/// `512 MiB`.
pub fn human(bytes: f64) -> String {
    oom_core::quantity::format_human(bytes.max(0.0) as u64)
}

/// `2026-04-24 14:23 UTC`.
pub fn when(seconds: f64) -> String {
    let text = oom_core::metrics::format_time(seconds).replace('T', " ");
    format!("{} UTC", text.trim_end_matches('Z'))
}

/// `15 s`, `12 min`, `7.5 h`, `3.2 days`.
pub fn duration(seconds: f64) -> String {
    if seconds < 120.0 {
        format!("{seconds:.0} s")
    } else if seconds < 7200.0 {
        format!("{:.0} min", seconds / 60.0)
    } else if seconds < 172_800.0 {
        format!("{:.1} h", seconds / 3600.0)
    } else {
        format!("{:.1} days", seconds / 86_400.0)
    }
}

/// A rate such as `+8.0 MiB/h`.
pub fn rate(bytes_per_hour: f64) -> String {
    format!("{:+.1} MiB/h", bytes_per_hour / 1_048_576.0)
}
