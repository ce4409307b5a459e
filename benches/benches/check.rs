//! `check` throughput against the bare YAML parser on the same stream, measured in one run.

use divan::{Bencher, black_box};
use oom_lint::config::Config;
use oom_lint::engine::source::SourceFile;

// The same allocator as the oom-lint binary, so the figures match what users run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

const WORKLOADS: usize = 4000;

/// The ceiling: saphyr-parser's event iteration alone, one thread.
#[divan::bench]
fn bare_parser_events(bencher: Bencher) {
    let text = oom_benches::manifest_stream(WORKLOADS);
    bencher.counter(divan::counter::BytesCount::new(text.len())).bench(|| {
        let mut parser = saphyr_parser::Parser::new_from_str(black_box(&text));
        let mut events = 0usize;
        while let Some(Ok(_)) = parser.next_event() {
            events += 1;
        }
        events
    });
}

/// YAML → findings, end to end, on one thread: the figure to hold against the bare parser.
#[divan::bench]
fn check_one_thread(bencher: Bencher) {
    check_end_to_end(bencher, 1);
}

/// YAML → findings, end to end, on every core (batches of documents in parallel).
#[divan::bench]
fn check_all_cores(bencher: Bencher) {
    check_end_to_end(bencher, 0);
}

fn check_end_to_end(bencher: Bencher, threads: usize) {
    let text = oom_benches::manifest_stream(WORKLOADS);
    let sources = [SourceFile::new("stream.yaml".into(), text.clone())];
    oom_lint::engine::parallel::set_threads(threads);
    bencher.counter(divan::counter::BytesCount::new(text.len())).bench(|| {
        oom_lint::lint::check(black_box(&sources), &Config::default(), None).findings.len()
    });
    oom_lint::engine::parallel::set_threads(0);
}
