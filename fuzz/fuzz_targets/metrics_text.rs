//! Prometheus' text formats (promtool tsdb dump, OpenMetrics, the text exposition), each forced.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oom_core::metrics::{InputFormat, ParseOptions, parse_with};

fuzz_target!(|data: &[u8]| {
    for format in
        [InputFormat::PromtoolDump, InputFormat::OpenMetrics, InputFormat::PrometheusText]
    {
        let options = ParseOptions { format: Some(format), ..ParseOptions::default() };
        let _ = parse_with(data, &options);
    }
});
