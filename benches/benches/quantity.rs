//! Quantity parsing and formatting, and runtime option parsing, throughput.

use divan::{Bencher, black_box};
use oom_core::quantity::{Quantity, format_bytes};
use oom_core::runtime::{JvmOptions, parse_gomemlimit};

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

/// JVM options as `JAVA_TOOL_OPTIONS` and start scripts write them, to the effective heap.
#[divan::bench]
fn jvm_options_to_heap(bencher: Bencher) {
    let options = oom_benches::sample_jvm_options(256);
    bencher.counter(divan::counter::ItemsCount::new(options.len())).bench(|| {
        for text in &options {
            let mut jvm = JvmOptions::default();
            jvm.apply_text(black_box(text), 0);
            black_box(jvm.effective_max_heap(1 << 30));
        }
    });
}

#[divan::bench]
fn gomemlimit(bencher: Bencher) {
    let values = ["900MiB", "1GiB", "off", "1073741824", "512MiB", "2.5GiB"];
    bencher.counter(divan::counter::ItemsCount::new(values.len())).bench(|| {
        for text in values {
            let _ = black_box(parse_gomemlimit(black_box(text)));
        }
    });
}
