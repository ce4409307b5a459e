//! The labelled benchmark: `cargo run -p oom-benches --release --bin eval [-- COUNT [SEED]]`.
//!
//! Generates COUNT (default 600) varied series with known truth
//! (`oom_core::testing::varied`), analyses each, and prints a confusion matrix per class, the
//! false-leak rate, the slope error of detected leaks, the restart count error and how safe the
//! recommendations are. `--misses` also lists every series given the wrong verdict.

use oom_benches::eval::{Scores, evaluate};

fn main() {
    let misses = std::env::args().any(|a| a == "--misses");
    let mut args = std::env::args().skip(1).filter(|a| a != "--misses");
    let count = args.next().and_then(|a| a.parse().ok()).unwrap_or(600);
    let seed = args.next().and_then(|a| a.parse().ok()).unwrap_or(0);
    let scores: Scores = evaluate(count, seed);
    print!("{}", scores.report());
    if misses {
        print!("{}", scores.misses_report());
    }
}
