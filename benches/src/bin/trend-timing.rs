//! `trend-timing N CSV [RUNS]`: writes a generated series of N samples to CSV (for the Python
//! baseline in `compare.sh`) and prints the seconds oom-core takes for the trend statistics on
//! it: the Mann–Kendall test with the Hamed–Rao correction and the Theil–Sen slope with Sen's
//! interval from that variance. First field: `sen_trend` (both in one pass, as the analysis
//! runs them); then the two separate calls. Each is the fastest of RUNS runs (default 20), so a
//! busy machine disturbs the figure less.

use std::io::Write;
use std::time::Instant;

use oom_benches::synthetic::{Kind, generate};

fn fastest<T>(runs: usize, mut work: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut result = work();
    for _ in 0..runs {
        let start = Instant::now();
        result = std::hint::black_box(work());
        best = best.min(start.elapsed().as_secs_f64());
    }
    (best, result)
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    // Not the working directory by default: a stray CSV there ends up committed.
    let path = args
        .next()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("oom-lint-trend-series.csv"));
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(20).max(1);
    let series = generate(Kind::LeakWithGc, 7, n).series;
    let (x, y): (Vec<f64>, Vec<f64>) = series
        .samples
        .iter()
        .map(|s| ((s.time - series.samples[0].time) / 3600.0, s.bytes))
        .unzip();
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
    for (a, b) in x.iter().zip(&y) {
        writeln!(file, "{a},{b}")?;
    }
    file.flush()?;
    let (together, trend) = fastest(runs, || oom_core::trend::sen_trend(&x, &y, 100));
    let (separate, _) = fastest(runs, || {
        let test = oom_core::trend::mann_kendall_hamed_rao(&x, &y, 100);
        oom_core::trend::theil_sen_with_variance(&x, &y, test.variance)
    });
    println!(
        "{together:.6} slope={:.3} p={:.3e} (sen_trend; separate calls {separate:.6} s; fastest of {runs})",
        trend.fit.slope, trend.test.p_value
    );
    Ok(())
}
