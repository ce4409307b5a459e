//! The thresholds and lists rules and the engine read, set in `.oom-lint.yaml`'s `settings:`.
//! Its own module so that the config reader, the engine and the rules all read it without
//! depending on each other.

/// Thresholds and lists the rules use.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Share of the container limit a runtime heap may take (`jvm-heap-headroom-low`,
    /// `node-heap-exceeds-limit`'s warning).
    pub heap_ratio: f64,
    /// Share of the container limit above which `GOMEMLIMIT` draws a warning.
    pub go_memlimit_ratio: f64,
    /// Environment variables that start scripts pass to the JVM's command line.
    pub jvm_launcher_variables: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            heap_ratio: oom_core::sizing::SizingPolicy::DEFAULT_HEAP_RATIO,
            go_memlimit_ratio: 0.9,
            jvm_launcher_variables: oom_core::runtime::DEFAULT_LAUNCHER_VARIABLES
                .iter()
                .map(|v| (*v).to_owned())
                .collect(),
        }
    }
}

impl Settings {
    /// The sizing policy recommendations follow: the default one, with this heap ratio, so that
    /// the `-Xmx` that `fix` writes is the one `check` accepts.
    pub fn sizing_policy(&self) -> oom_core::sizing::SizingPolicy {
        oom_core::sizing::SizingPolicy {
            heap_ratio: self.heap_ratio,
            ..oom_core::sizing::SizingPolicy::default()
        }
    }
}
