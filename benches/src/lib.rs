//! Input generators shared by the benchmarks.
//!
//! Benchmarks live in `benches/benches/`; run them with `cargo bench -p oom-benches`.

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
