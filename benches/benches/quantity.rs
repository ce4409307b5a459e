//! Quantity parsing and formatting throughput.

use divan::{Bencher, black_box};
use oom_core::quantity::{Quantity, format_bytes};

fn main() {
    divan::main();
}

#[divan::bench]
fn parse_mixed(bencher: Bencher) {
    let inputs = oom_benches::sample_quantities(1024);
    bencher.counter(divan::counter::ItemsCount::new(inputs.len())).bench(|| {
        for text in &inputs {
            let _ = black_box(Quantity::parse(black_box(text)));
        }
    });
}

#[divan::bench]
fn format_shortest(bencher: Bencher) {
    let values: Vec<u64> = (1..=1024u64).map(|i| i * 1_048_576 + (i % 3) * 1000).collect();
    bencher.counter(divan::counter::ItemsCount::new(values.len())).bench(|| {
        for &bytes in &values {
            black_box(format_bytes(black_box(bytes)));
        }
    });
}
