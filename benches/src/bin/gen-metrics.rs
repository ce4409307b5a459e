//! Prints a generated metrics dump (long CSV, one leaking container with a GC sawtooth):
//! `gen-metrics SAMPLES > dump.csv`.

fn main() {
    let samples = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(10_000);
    print!("{}", oom_benches::metrics_csv(samples));
}
