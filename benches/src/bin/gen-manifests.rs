//! Prints a generated `helm template`-like stream: `gen-manifests WORKLOADS > stream.yaml`.

fn main() {
    let workloads = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(1000);
    print!("{}", oom_benches::manifest_stream(workloads));
}
