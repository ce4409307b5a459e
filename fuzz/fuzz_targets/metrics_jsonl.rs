//! VictoriaMetrics' JSON-lines export, forced, and with a chosen metric.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oom_core::metrics::{InputFormat, ParseOptions, parse_with};

fuzz_target!(|data: &[u8]| {
    let options =
        ParseOptions { format: Some(InputFormat::VictoriaMetricsJsonl), ..ParseOptions::default() };
    let _ = parse_with(data, &options);
    let chosen = ParseOptions { metric: Some("m".into()), ..options };
    let _ = parse_with(data, &chosen);
});
