//! Input generators shared by the benchmarks (no committed giant files).
//!
//! Benchmarks live in `benches/benches/`; run them with `cargo bench -p oom-benches`.

/// Labelled synthetic memory series, shared with oom-core's tests.
#[path = "../../oom-core/tests/common/synthetic.rs"]
pub mod synthetic;

/// A deterministic mix of memory quantities as they appear in real manifests.
pub fn sample_quantities(count: usize) -> Vec<String> {
    const FORMS: [&str; 12] = [
        "512Mi",
        "1Gi",
        "256Mi",
        "1500M",
        "2G",
        "0.5Gi",
        "128974848",
        "129e6",
        "123Mi",
        "64Ki",
        "1.5Gi",
        "300Mi",
    ];
    (0..count).map(|i| FORMS[i % FORMS.len()].to_owned()).collect()
}

/// A long-CSV metrics dump of `samples` rows of one leaking container.
pub fn metrics_csv(samples: usize) -> String {
    let generated = synthetic::generate(synthetic::Kind::LeakWithGc, 1, samples);
    let mut out = String::with_capacity(samples * 60);
    out.push_str("timestamp,namespace,pod,container,value\n");
    for sample in &generated.series.samples {
        out.push_str(&format!(
            "{:.0},shop,api-7d9f8c6b5-x2k4p,api,{:.0}\n",
            sample.time, sample.bytes
        ));
    }
    out
}
