//! Scoring the analysis on the varied labelled series (see the `eval` binary).

use oom_core::leak::{AnalysisOptions, analyze};
use oom_core::testing::varied::{CLASSES, varied};

/// What the benchmark measures.
#[derive(Debug, Default)]
pub struct Scores {
    /// `confusion[truth][predicted]`, both indices into [`CLASSES`].
    pub confusion: [[usize; 6]; 6],
    /// Non-leaks called leaks, and non-leaks seen (with a known limit / without).
    pub false_leaks_with_limit: (usize, usize),
    /// The same without a known limit.
    pub false_leaks_without_limit: (usize, usize),
    /// Relative slope errors of true leaks called leaks.
    pub slope_errors: Vec<f64>,
    /// Absolute restart count errors, where the truth counts them and a limit or pod changes
    /// show them.
    pub restart_errors: Vec<usize>,
    /// Absolute errors of restarts plus sawtooth drops, for restarts without a limit or pod
    /// changes (which the analysis reports as drops).
    pub drop_errors: Vec<usize>,
    /// Sized non-leaks whose recommended limit is at least the highest sample, and all sized.
    pub safe_limits: (usize, usize),
    /// Insufficient-data truths given no sizing, and all of them.
    pub unsized_short: (usize, usize),
    /// Each series given the wrong verdict: seed, truth, verdict and the verdict's message.
    pub misses: Vec<Miss>,
}

/// One series given the wrong verdict.
#[derive(Debug)]
pub struct Miss {
    /// The generator's seed (`oom_core::testing::varied::varied(seed)` rebuilds the series).
    pub seed: u64,
    /// The true class.
    pub truth: &'static str,
    /// The verdict given.
    pub got: &'static str,
    /// Hours the series spans, and whether a limit is known.
    pub hours: f64,
    /// Whether the series carries a limit.
    pub limited: bool,
    /// The analysis' one-sentence message.
    pub message: String,
}

fn index(class: &str) -> usize {
    CLASSES.iter().position(|c| *c == class).unwrap_or(CLASSES.len() - 1)
}

/// Analyses `count` varied series from `seed` on and scores them.
pub fn evaluate(count: u64, seed: u64) -> Scores {
    let mut scores = Scores::default();
    for s in seed..seed + count {
        let generated = varied(s);
        let analysis = analyze(&generated.series, &generated.events, &AnalysisOptions::default());
        let truth = generated.truth.classification;
        let got = analysis.classification.as_str();
        scores.confusion[index(truth)][index(got)] += 1;
        if truth != got {
            let samples = &generated.series.samples;
            let hours = match (samples.first(), samples.last()) {
                (Some(a), Some(b)) => (b.time - a.time) / 3600.0,
                _ => 0.0,
            };
            scores.misses.push(Miss {
                seed: s,
                truth,
                got,
                hours,
                limited: !generated.series.limits.is_empty(),
                message: analysis.message.clone(),
            });
        }
        if truth != "leak" {
            let tally = if generated.series.limits.is_empty() {
                &mut scores.false_leaks_without_limit
            } else {
                &mut scores.false_leaks_with_limit
            };
            tally.1 += 1;
            tally.0 += usize::from(got == "leak");
        }
        if let (Some(rate), "leak") = (generated.truth.slope_bytes_per_hour, got)
            && truth == "leak"
        {
            scores.slope_errors.push((analysis.slope_bytes_per_hour - rate).abs() / rate);
        }
        if let Some(restarts) = generated.truth.restarts {
            if generated.series.limits.is_empty() && generated.series.pod_changes.is_empty() {
                // Without a limit or pods, restarts are drops that a collector could make too.
                let seen = analysis.restarts + analysis.sawtooth_drops;
                scores.drop_errors.push(seen.abs_diff(restarts));
            } else {
                scores.restart_errors.push(analysis.restarts.abs_diff(restarts));
            }
        }
        let samples = &generated.series.samples;
        let window =
            samples.last().map_or(0.0, |s| s.time) - samples.first().map_or(0.0, |s| s.time);
        if truth == "insufficient-data" && window < 6.0 * 3600.0 {
            scores.unsized_short.1 += 1;
            scores.unsized_short.0 += usize::from(analysis.recommendation.is_none());
        } else if got != "leak"
            && let Some(rec) = &analysis.recommendation
        {
            scores.safe_limits.1 += 1;
            scores.safe_limits.0 += usize::from(rec.limit_bytes as f64 >= analysis.peak_bytes);
        }
    }
    scores
}

/// The `q` quantile (nearest rank) of `values`; 0 when empty.
fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(((sorted.len().max(1) - 1) as f64 * q).round() as usize).copied().unwrap_or(0.0)
}

impl Scores {
    /// Recall of each class (share of its truths given its verdict).
    pub fn recall(&self) -> [f64; 6] {
        let mut out = [0.0; 6];
        for (i, row) in self.confusion.iter().enumerate() {
            let total: usize = row.iter().sum();
            out[i] = if total == 0 { 1.0 } else { row[i] as f64 / total as f64 };
        }
        out
    }

    /// Median and 90th percentile of the relative slope error.
    pub fn slope_error(&self) -> (f64, f64) {
        (quantile(&self.slope_errors, 0.5), quantile(&self.slope_errors, 0.9))
    }

    /// One line per series given the wrong verdict.
    pub fn misses_report(&self) -> String {
        let mut out = String::new();
        for m in &self.misses {
            out.push_str(&format!(
                "seed {:>5} {:>17} -> {:<17} {:>6.1} h {} | {}\n",
                m.seed,
                m.truth,
                m.got,
                m.hours,
                if m.limited { "limit   " } else { "no limit" },
                m.message
            ));
        }
        out
    }

    /// The printed report.
    pub fn report(&self) -> String {
        let mut out = String::from("confusion (rows: truth, columns: verdict)\n");
        out.push_str(&format!("{:>18}", ""));
        for c in CLASSES {
            out.push_str(&format!("{:>18}", c));
        }
        out.push_str(&format!("{:>9}\n", "recall"));
        let recall = self.recall();
        for (i, row) in self.confusion.iter().enumerate() {
            out.push_str(&format!("{:>18}", CLASSES[i]));
            for n in row {
                out.push_str(&format!("{n:>18}"));
            }
            out.push_str(&format!("{:>8.1}%\n", 100.0 * recall[i]));
        }
        let rate = |(bad, all): (usize, usize)| {
            format!("{bad}/{all} ({:.1} %)", 100.0 * bad as f64 / all.max(1) as f64)
        };
        out.push_str(&format!(
            "false leaks: with a known limit {}, without {}\n",
            rate(self.false_leaks_with_limit),
            rate(self.false_leaks_without_limit)
        ));
        let (median, p90) = self.slope_error();
        out.push_str(&format!(
            "slope error of detected leaks (n = {}): median {:.1} %, p90 {:.1} %\n",
            self.slope_errors.len(),
            100.0 * median,
            100.0 * p90
        ));
        for (what, list) in [
            ("restart count error with a limit or pods", &self.restart_errors),
            ("restarts + drops error without either", &self.drop_errors),
        ] {
            let exact = list.iter().filter(|e| **e == 0).count();
            let within_one = list.iter().filter(|e| **e <= 1).count();
            let errors: Vec<f64> = list.iter().map(|e| *e as f64).collect();
            out.push_str(&format!(
                "{what} (n = {}): exact {exact}, within 1 {within_one}, median {:.0}, p90 {:.0}\n",
                list.len(),
                quantile(&errors, 0.5),
                quantile(&errors, 0.9)
            ));
        }
        out.push_str(&format!(
            "recommendation safety: non-leak limits ≥ the highest sample {}/{}; short windows left unsized {}/{}\n",
            self.safe_limits.0, self.safe_limits.1, self.unsized_short.0, self.unsized_short.1
        ));
        out
    }
}
