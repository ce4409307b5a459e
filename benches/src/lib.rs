//! Input generators shared by the benchmarks (no committed giant files).
//!
//! Benchmarks live in `benches/benches/`; run them with `cargo bench -p oom-benches`.

pub mod eval;

/// Labelled synthetic memory series, shared with oom-core's tests.
pub use oom_core::testing::synthetic;

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

/// `count` JVM option strings, each as an environment variable would hold it.
pub fn sample_jvm_options(count: usize) -> Vec<String> {
    const FORMS: [&str; 6] = [
        "-XX:+UseG1GC -Xmx600m",
        "-Xms512m -Xmx900m -XX:MaxMetaspaceSize=256m -XX:+ExitOnOutOfMemoryError",
        "-XX:MaxRAMPercentage=75.0 -XX:InitialRAMPercentage=50.0 -Djava.security.egd=file:/dev/./urandom",
        "-XX:+UseContainerSupport -XX:MaxRAMPercentage=80 -Dspring.profiles.active='prod eu'",
        "-Xss512k -XX:MaxDirectMemorySize=128m -XX:MaxHeapSize=1g \"-Dapp.name=order service\"",
        "-XX:MaxRAM=2g -XX:MaxRAMFraction=2 -verbose:gc",
    ];
    (0..count).map(|i| FORMS[i % FORMS.len()].to_owned()).collect()
}

/// A long-CSV metrics dump of `samples` rows of one leaking container (timestamps to the
/// millisecond, so that no two samples share one).
pub fn metrics_csv(samples: usize) -> String {
    let generated = synthetic::generate(synthetic::Kind::LeakWithGc, 1, samples);
    let mut out = String::with_capacity(samples * 60);
    out.push_str("timestamp,namespace,pod,container,value\n");
    for sample in &generated.series.samples {
        out.push_str(&format!(
            "{:.3},shop,api-7d9f8c6b5-x2k4p,api,{:.0}\n",
            sample.time, sample.bytes
        ));
    }
    out
}

/// A `helm template`-like stream of `workloads` workloads: Deployments (some with sidecars and
/// JVM options), StatefulSets with init containers, CronJobs, ConfigMaps and Services, each
/// document after a `# Source:` comment. Some containers lack limits, so rules fire.
pub fn manifest_stream(workloads: usize) -> String {
    let mut out = String::with_capacity(workloads * 1300);
    for i in 0..workloads {
        let name = format!("svc-{i:05}");
        match i % 4 {
            0 => {
                out.push_str(&format!(
                    "---\n# Source: platform/templates/{name}/configmap.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-jvm\n  namespace: team-{team}\ndata:\n  JAVA_TOOL_OPTIONS: \"-XX:+UseG1GC -Xmx{heap}m\"\n",
                    team = i % 7,
                    heap = 600 + (i % 5) * 100
                ));
                out.push_str(&format!(
                    "---\n# Source: platform/templates/{name}/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: team-{team}\n  labels:\n    app.kubernetes.io/name: {name}\nspec:\n  replicas: 3\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {name}\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: {name}\n    spec:\n      containers:\n        - name: app\n          image: registry.example.com/{name}:1.{i}.0\n          envFrom:\n            - configMapRef:\n                name: {name}-jvm\n          ports:\n            - containerPort: 8080\n          resources:\n            requests:\n              cpu: 100m\n              memory: 512Mi\n            limits:\n              memory: 1Gi\n        - name: istio-proxy\n          image: istio/proxyv2:1.22.0\n          resources:\n            requests:\n              memory: 64Mi\n",
                    team = i % 7
                ));
            }
            1 => out.push_str(&format!(
                "---\n# Source: platform/templates/{name}/statefulset.yaml\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {name}\n  namespace: data\nspec:\n  serviceName: {name}\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      initContainers:\n        - name: init-perms\n          image: busybox:1.36\n          command: [\"sh\", \"-c\", \"chown -R 1000 /data\"]\n      containers:\n        - name: db\n          image: postgres:16.2\n          resources:\n            requests: {{memory: 2Gi}}\n            limits: {{memory: 2Gi}}\n          volumeMounts:\n            - {{name: data, mountPath: /data}}\n"
            )),
            2 => out.push_str(&format!(
                "---\n# Source: platform/templates/{name}/cronjob.yaml\napiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: {name}\nspec:\n  schedule: \"*/15 * * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n          containers:\n            - name: job\n              image: registry.example.com/{name}-job:2.0\n              env:\n                - name: NODE_OPTIONS\n                  value: --max-old-space-size=900\n              resources:\n                limits:\n                  memory: 1Gi\n"
            )),
            _ => out.push_str(&format!(
                "---\n# Source: platform/templates/{name}/service.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector:\n    app.kubernetes.io/name: {name}\n  ports:\n    - port: 80\n      targetPort: 8080\n"
            )),
        }
    }
    out
}
