//! Trend statistics and the whole analysis at 10³…10⁶ samples (expect n log n growth).

use divan::{Bencher, black_box};
use oom_benches::synthetic::{Kind, generate};
use oom_core::leak::{AnalysisOptions, analyze};
use oom_core::trend::{kendall_s, sen_trend, theil_sen};

fn main() {
    divan::main();
}

fn series(n: usize) -> (Vec<f64>, Vec<f64>) {
    let generated = generate(Kind::LeakWithGc, 7, n);
    generated.series.samples.iter().map(|s| ((s.time - 1.7e9) / 3600.0, s.bytes)).unzip()
}

#[divan::bench(args = [1_000, 10_000, 100_000, 1_000_000])]
fn mann_kendall_s(bencher: Bencher, n: usize) {
    let (_, y) = series(n);
    bencher.counter(divan::counter::ItemsCount::new(n)).bench(|| kendall_s(black_box(&y)));
}

#[divan::bench(args = [1_000, 10_000, 100_000], sample_count = 10)]
fn theil_sen_with_interval(bencher: Bencher, n: usize) {
    let (x, y) = series(n);
    bencher
        .counter(divan::counter::ItemsCount::new(n))
        .bench(|| theil_sen(black_box(&x), black_box(&y)));
}

/// What the analysis runs on each growing stretch: Hamed–Rao and Sen's slope with its interval.
#[divan::bench(args = [1_000, 10_000, 100_000], sample_count = 10)]
fn sen_trend_hamed_rao(bencher: Bencher, n: usize) {
    let (x, y) = series(n);
    bencher
        .counter(divan::counter::ItemsCount::new(n))
        .bench(|| sen_trend(black_box(&x), black_box(&y), 100));
}

#[divan::bench(args = [10_000, 100_000, 1_000_000], sample_count = 10)]
fn analyze_end_to_end(bencher: Bencher, n: usize) {
    let generated = generate(Kind::LeakWithGc, 7, n);
    let options = AnalysisOptions::default();
    bencher
        .counter(divan::counter::ItemsCount::new(n))
        .bench(|| analyze(black_box(&generated.series), &generated.events, &options));
}

#[divan::bench(args = [10_000, 100_000], sample_count = 10)]
fn parse_long_csv(bencher: Bencher, n: usize) {
    let text = oom_benches::metrics_csv(n);
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| oom_core::metrics::parse(black_box(text.as_bytes()), None));
}
