//! Metric dumps (CSV, Grafana CSV, Prometheus JSON) and the analysis of what they hold.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oom_core::leak::{AnalysisOptions, analyze};

fuzz_target!(|data: &[u8]| {
    let Ok(dump) = oom_core::metrics::parse(data, None) else { return };
    for series in &dump.series {
        let _ = analyze(series, &[], &AnalysisOptions::default());
    }
    let _ = oom_core::metrics::parse_events(data);
});
