//! `trend-timing N CSV`: writes a generated series of N samples to CSV (for the Python
//! baseline) and prints the seconds oom-core's Theil–Sen (with interval) and Mann–Kendall
//! (Hamed–Rao) take on it.

use std::io::Write;
use std::time::Instant;

use oom_benches::synthetic::{Kind, generate};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let path = args.next().unwrap_or_else(|| "series.csv".to_owned());
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
    let start = Instant::now();
    let test = oom_core::trend::mann_kendall_hamed_rao(&x, &y, 100);
    let fit = oom_core::trend::theil_sen_with_variance(&x, &y, test.variance);
    let seconds = start.elapsed().as_secs_f64();
    println!("{seconds:.6} slope={:.3} p={:.3e}", fit.slope, test.p_value);
    Ok(())
}
