//! Runtime heap settings — JVM, Node.js, Go and .NET — read the way each runtime reads them.
//!
//! Every parsed setting keeps its flag text and an `origin`: an index the caller chooses (say,
//! into its list of environment variables and command-line entries), so a finding can point at
//! the line the flag came from.
//!
//! # JVM option sources, in order of precedence (later wins)
//!
//! 1. `JAVA_TOOL_OPTIONS` (read by the JVM itself, any launcher);
//! 2. `JDK_JAVA_OPTIONS` (read by the `java` launcher, JDK 9+);
//! 3. the command line — including what start scripts splice into it from launcher variables
//!    (`JAVA_OPTS`, `CATALINA_OPTS`, `JVM_OPTS`, `ES_JAVA_OPTS`, `KAFKA_HEAP_OPTS`, ...; see
//!    [`DEFAULT_LAUNCHER_VARIABLES`]), then the container's own `command` and `args`;
//! 4. `_JAVA_OPTIONS` (read by the JVM after the command line, so it overrides everything).
//!
//! Within the combined list the last occurrence of a flag wins, as in HotSpot.
//!
//! ```
//! use oom_core::runtime::JvmOptions;
//!
//! let mut jvm = JvmOptions::default();
//! jvm.apply_text("-Xms512m -Xmx2G", 0);          // JAVA_TOOL_OPTIONS
//! jvm.apply_text("-Xmx1536m", 1);                // the command line
//! let heap = jvm.effective_max_heap(2 << 30).expect("container support is on");
//! assert_eq!(heap.bytes, 1536 << 20);
//! assert_eq!(heap.flag.as_deref(), Some("-Xmx1536m"));
//! assert_eq!(heap.origin, Some(1));
//! ```

use std::fmt;

/// Launcher variables that common start scripts pass to the JVM on its command line.
pub const DEFAULT_LAUNCHER_VARIABLES: [&str; 12] = [
    "JAVA_OPTS",
    "JAVA_OPTIONS",
    "CATALINA_OPTS",
    "JVM_OPTS",
    "ES_JAVA_OPTS",
    "OPENSEARCH_JAVA_OPTS",
    "KAFKA_HEAP_OPTS",
    "KAFKA_OPTS",
    "HADOOP_OPTS",
    "SPARK_DRIVER_MEMORY_OPTS",
    "MAVEN_OPTS",
    "JENKINS_JAVA_OPTIONS",
];

/// A parsed setting: its value, the flag as written, and where the caller found it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Setting<T> {
    /// The value in the unit documented on the field that holds it.
    pub value: T,
    /// The flag as written (`-Xmx2g`, `GOMEMLIMIT=900MiB`).
    pub flag: String,
    /// The caller's index of the source the flag came from.
    pub origin: usize,
}

/// Why a runtime value could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuntimeError {
    /// A size that the runtime would refuse to start with.
    #[error("`{text}` is not a valid size: {reason}")]
    InvalidSize {
        /// The value as written.
        text: String,
        /// What the runtime expects.
        reason: &'static str,
    },
}

/// Splits text into words as a POSIX shell would: whitespace separates, `'…'` and `"…"` quote,
/// a backslash escapes the next character (inside double quotes only before `"`, `\`, `$`, `` ` ``).
/// A backslash-newline (a line continuation) is removed before words are split, outside single
/// quotes: it neither separates nor starts a word. An unterminated quote runs to the end of the
/// text.
///
/// ```
/// use oom_core::runtime::split_shell_words;
///
/// assert_eq!(
///     split_shell_words(r#"-Xmx2g "-Dgreeting=hello world" -Dpath='a b'\ c"#),
///     ["-Xmx2g", "-Dgreeting=hello world", "-Dpath=a b c"]
/// );
/// ```
pub fn split_shell_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    word.push(q);
                }
            }
            '"' => {
                in_word = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' if matches!(chars.peek(), Some('"' | '\\' | '$' | '`')) => {
                            word.extend(chars.next());
                        }
                        '\\' if chars.peek() == Some(&'\n') => {
                            chars.next();
                        }
                        _ => word.push(q),
                    }
                }
            }
            '\\' => match chars.next() {
                // A line continuation: removed, as if never written.
                Some('\n') => {}
                next => {
                    in_word = true;
                    word.extend(next);
                }
            },
            _ => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// Parses a JVM size (`-Xmx` and friends): digits with an optional `k`, `m`, `g` or `t` in
/// either case; no suffix means bytes.
///
/// ```
/// use oom_core::runtime::parse_jvm_size;
///
/// assert_eq!(parse_jvm_size("2G"), Ok(2 << 30));
/// assert_eq!(parse_jvm_size("2048M"), Ok(2 << 30));
/// assert_eq!(parse_jvm_size("2097152k"), Ok(2 << 30));
/// assert!(parse_jvm_size("2GB").is_err());
/// ```
pub fn parse_jvm_size(text: &str) -> Result<u64, RuntimeError> {
    let invalid = |reason| RuntimeError::InvalidSize { text: text.to_owned(), reason };
    let (digits, shift) = match text.as_bytes().last() {
        Some(b'k' | b'K') => (&text[..text.len() - 1], 10),
        Some(b'm' | b'M') => (&text[..text.len() - 1], 20),
        Some(b'g' | b'G') => (&text[..text.len() - 1], 30),
        Some(b't' | b'T') => (&text[..text.len() - 1], 40),
        _ => (text, 0),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("expected digits with an optional k, m, g or t suffix, e.g. 768m"));
    }
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .ok_or_else(|| invalid("too large"))
}

/// JVM memory options, as the last occurrence of each flag leaves them.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct JvmOptions {
    /// `-Xmx` / `-XX:MaxHeapSize=`, bytes.
    pub max_heap: Option<Setting<u64>>,
    /// `-Xms` / `-XX:InitialHeapSize=`, bytes.
    pub initial_heap: Option<Setting<u64>>,
    /// `-XX:MinHeapSize=`, bytes; `-Xms` sets it too (HotSpot stores `-Xms` in both
    /// `MinHeapSize` and `InitialHeapSize`).
    pub min_heap: Option<Setting<u64>>,
    /// `-Xss`, bytes per thread.
    pub thread_stack: Option<Setting<u64>>,
    /// `-XX:MaxRAM=`, bytes: the memory the JVM sizes itself against instead of the container's.
    pub max_ram: Option<Setting<u64>>,
    /// `-XX:MaxRAMPercentage=`, percent.
    pub max_ram_percentage: Option<Setting<f64>>,
    /// `-XX:InitialRAMPercentage=`, percent.
    pub initial_ram_percentage: Option<Setting<f64>>,
    /// `-XX:MinRAMPercentage=`, percent (the heap share on small machines).
    pub min_ram_percentage: Option<Setting<f64>>,
    /// `-XX:MaxRAMFraction=` (deprecated): heap = memory / fraction.
    pub max_ram_fraction: Option<Setting<u64>>,
    /// `-XX:+UseContainerSupport` / `-XX:-UseContainerSupport`.
    pub container_support: Option<Setting<bool>>,
    /// `-XX:MaxDirectMemorySize=`, bytes.
    pub max_direct_memory: Option<Setting<u64>>,
    /// `-XX:MaxMetaspaceSize=`, bytes.
    pub max_metaspace: Option<Setting<u64>>,
    /// Memory flags whose values the JVM would reject; `value` says why.
    pub invalid: Vec<Setting<String>>,
    /// Whether HotSpot counts [`initial_heap`](Self::initial_heap) as set on the command line:
    /// `-Xms` always is (HotSpot stores it with `FLAG_SET_CMDLINE` wherever it is written), and so
    /// is `-XX:InitialHeapSize=` on the command line; `-XX:InitialHeapSize=` in
    /// `JAVA_TOOL_OPTIONS` or `_JAVA_OPTIONS` is not. It decides what an initial heap above the
    /// max heap does (see [`JvmOptions::start_failure`]).
    pub initial_heap_on_command_line: bool,
    /// The same for [`max_heap`](Self::max_heap): `-Xmx` always counts as the command line,
    /// `-XX:MaxHeapSize=` only when written there.
    pub max_heap_on_command_line: bool,
    /// The same for [`min_heap`](Self::min_heap): `-Xms` always counts as the command line,
    /// `-XX:MinHeapSize=` only when written there.
    pub min_heap_on_command_line: bool,
    /// HotSpot flag names (`MaxHeapSize`, `MaxRAMPercentage`, ...) whose value cannot be known
    /// offline: the option was built from a Secret, a field reference or a shell variable. The
    /// last occurrence wins, as for known values: a later known flag clears its name here.
    pub unknown: Vec<&'static str>,
}

/// Where a JVM option was written, which changes how HotSpot treats a few of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OptionSource {
    /// The `java` command line, including what the launcher adds from `JDK_JAVA_OPTIONS`.
    #[default]
    CommandLine,
    /// `JAVA_TOOL_OPTIONS` or `_JAVA_OPTIONS`, which the JVM itself reads.
    EnvironmentVariable,
}

/// The memory flags whose values [`JvmOptions`] models, by HotSpot name.
const MEMORY_FLAGS: [&str; 12] = [
    "MaxHeapSize",
    "InitialHeapSize",
    "MinHeapSize",
    "ThreadStackSize",
    "MaxRAM",
    "MaxRAMPercentage",
    "InitialRAMPercentage",
    "MinRAMPercentage",
    "MaxRAMFraction",
    "UseContainerSupport",
    "MaxDirectMemorySize",
    "MaxMetaspaceSize",
];

/// The flags that decide the max heap when `-Xmx` is not set.
const ERGONOMIC_HEAP_FLAGS: [&str; 6] = [
    "InitialHeapSize",
    "MaxRAM",
    "MaxRAMPercentage",
    "MinRAMPercentage",
    "MaxRAMFraction",
    "UseContainerSupport",
];

/// Why HotSpot exits during initialisation because of its heap sizes.
#[derive(Debug, Clone, PartialEq)]
pub enum StartFailure {
    /// `-Xms` (or `-XX:InitialHeapSize` on the command line) above `-Xmx`: HotSpot exits with
    /// "Initial heap size set to a larger value than the maximum heap size".
    InitialAboveMax {
        /// The initial heap setting.
        initial: Setting<u64>,
        /// The max heap setting.
        max: Setting<u64>,
    },
    /// A minimum heap (`-XX:MinHeapSize`, or `-Xms`) above the max heap, both set on the command
    /// line: HotSpot exits with "Incompatible minimum and maximum heap sizes specified".
    MinAboveMax {
        /// The minimum heap setting.
        min: Setting<u64>,
        /// The max heap setting.
        max: Setting<u64>,
    },
    /// An initial heap below the minimum heap, both set on the command line
    /// (`-Xms512m -XX:MinHeapSize=1g`): HotSpot exits with "Incompatible minimum and initial heap
    /// sizes specified".
    InitialBelowMin {
        /// The initial heap setting.
        initial: Setting<u64>,
        /// The minimum heap setting.
        min: Setting<u64>,
    },
    /// A max, initial or minimum heap under 1 MiB (`-Xmx1024` is 1024 bytes): HotSpot exits with "Too
    /// small maximum heap" or "Too small initial heap".
    HeapTooSmall {
        /// The setting that is too small.
        setting: Setting<u64>,
    },
}

/// How the JVM arrived at its maximum heap.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum HeapBasis {
    /// `-Xmx` or `-XX:MaxHeapSize`.
    Explicit,
    /// `MaxRAMPercentage` (or `100 / MaxRAMFraction`) of the memory it sees.
    RamPercentage {
        /// The percentage applied.
        percent: f64,
        /// Whether a flag set it (else it is the default 25 %).
        explicit: bool,
    },
    /// `MinRAMPercentage` of the memory it sees, which HotSpot uses when memory is small
    /// (under about 250 MB with the defaults).
    SmallMemory {
        /// The percentage applied.
        percent: f64,
        /// Whether a flag set it (else it is the default 50 %).
        explicit: bool,
    },
    /// HotSpot's floor for the default heap, about 125 MB.
    DefaultFloor,
    /// Raised to the initial heap (`-Xms` above what the max heap would otherwise be): HotSpot
    /// never runs with a max heap below the initial one.
    RaisedToInitial,
}

/// The maximum heap the JVM will use under a given container limit.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EffectiveHeap {
    /// The maximum heap in bytes.
    pub bytes: u64,
    /// How it was derived.
    pub basis: HeapBasis,
    /// The flag that decided it, when one did.
    pub flag: Option<String>,
    /// That flag's origin.
    pub origin: Option<usize>,
    /// The memory it was derived from: `MaxRAM` when set, else the container limit.
    pub memory_bytes: u64,
}

/// HotSpot's `MaxHeapSize` default on 64-bit: `ScaleForWordSize(96M)`.
const DEFAULT_MAX_HEAP_FLOOR: u64 = 96 * (1 << 20) * 13 / 10 / 8 * 8;
/// HotSpot's `MaxRAM` default on 64-bit.
const DEFAULT_MAX_RAM: u64 = 128 << 30;

impl JvmOptions {
    /// Applies options written as one shell-quoted string (an environment variable's value) on
    /// the command line.
    ///
    /// ```
    /// use oom_core::runtime::JvmOptions;
    ///
    /// let mut jvm = JvmOptions::default();
    /// jvm.apply_text("-Xms512m -Xmx900m '-Dapp.name=order service'", 0);
    /// assert_eq!(jvm.max_heap.map(|s| s.value), Some(900 << 20));
    /// assert_eq!(jvm.initial_heap.map(|s| s.value), Some(512 << 20));
    /// ```
    pub fn apply_text(&mut self, text: &str, origin: usize) {
        self.apply_text_from(text, origin, OptionSource::CommandLine);
    }

    /// Applies options written as one shell-quoted string, read from `source`.
    pub fn apply_text_from(&mut self, text: &str, origin: usize, source: OptionSource) {
        for word in split_shell_words(text) {
            self.apply_from(&word, origin, source);
        }
    }

    /// Applies one command-line option; options that are not about memory are ignored.
    ///
    /// ```
    /// use oom_core::runtime::JvmOptions;
    ///
    /// let mut jvm = JvmOptions::default();
    /// jvm.apply("-XX:MaxRAMPercentage=75.0", 0);
    /// jvm.apply("-XX:-UseContainerSupport", 1);
    /// assert_eq!(jvm.max_ram_percentage.map(|s| s.value), Some(75.0));
    /// assert_eq!(jvm.container_support.map(|s| s.value), Some(false));
    /// ```
    pub fn apply(&mut self, option: &str, origin: usize) {
        self.apply_from(option, origin, OptionSource::CommandLine);
    }

    /// Applies one option read from `source`.
    ///
    /// ```
    /// use oom_core::runtime::{JvmOptions, OptionSource};
    ///
    /// let mut jvm = JvmOptions::default();
    /// jvm.apply_from("-XX:InitialHeapSize=1g", 0, OptionSource::EnvironmentVariable);
    /// assert!(!jvm.initial_heap_on_command_line);
    /// jvm.apply_from("-Xms1g", 1, OptionSource::EnvironmentVariable);
    /// assert!(jvm.initial_heap_on_command_line); // -Xms always counts as the command line
    /// ```
    pub fn apply_from(&mut self, option: &str, origin: usize, source: OptionSource) {
        let setting = |value| Setting { value, flag: option.to_owned(), origin };
        let text_setting = |value: String| Setting { value, flag: option.to_owned(), origin };
        let (name, value) = if let Some(rest) = option.strip_prefix("-XX:") {
            match rest {
                "+UseContainerSupport" | "-UseContainerSupport" => {
                    let enabled = rest.starts_with('+');
                    self.container_support =
                        Some(Setting { value: enabled, flag: option.to_owned(), origin });
                    self.forget_unknown("UseContainerSupport");
                    return;
                }
                _ => match rest.split_once('=') {
                    Some(pair) => pair,
                    None => return,
                },
            }
        } else if let Some(value) = option.strip_prefix("-Xmx") {
            ("MaxHeapSize", value)
        } else if let Some(value) = option.strip_prefix("-Xms") {
            ("InitialHeapSize", value)
        } else if let Some(value) = option.strip_prefix("-Xss") {
            ("ThreadStackSize", value)
        } else {
            return;
        };
        if let Some(known) = MEMORY_FLAGS.iter().find(|flag| **flag == name) {
            self.forget_unknown(known);
        }
        // `-Xms` sets `MinHeapSize` as well as `InitialHeapSize` (`Arguments::
        // parse_each_vm_init_arg`), always as the command line.
        if option.starts_with("-Xms") {
            self.forget_unknown("MinHeapSize");
            match parse_jvm_size(value) {
                Ok(bytes) => self.min_heap = Some(setting(bytes)),
                Err(_) => self.min_heap = None,
            }
            self.min_heap_on_command_line = true;
        }
        let size_slot = match name {
            "MaxHeapSize" => Some(&mut self.max_heap),
            "InitialHeapSize" => Some(&mut self.initial_heap),
            "MinHeapSize" => Some(&mut self.min_heap),
            // `-Xss` is bytes; the -XX:ThreadStackSize spelling is KiB and rarely used.
            "ThreadStackSize" if option.starts_with("-Xss") => Some(&mut self.thread_stack),
            "MaxRAM" => Some(&mut self.max_ram),
            "MaxDirectMemorySize" => Some(&mut self.max_direct_memory),
            "MaxMetaspaceSize" => Some(&mut self.max_metaspace),
            _ => None,
        };
        if let Some(slot) = size_slot {
            match parse_jvm_size(value) {
                Ok(bytes) => *slot = Some(setting(bytes)),
                Err(error) => self.invalid.push(text_setting(error.to_string())),
            }
            // HotSpot's `FLAG_IS_CMDLINE`: `-X` options are stored with `FLAG_SET_CMDLINE`
            // wherever they are written; `-XX:` ones from `JAVA_TOOL_OPTIONS` or `_JAVA_OPTIONS`
            // get the environment variable's origin.
            let on_command_line = option.starts_with("-X") && !option.starts_with("-XX:")
                || source == OptionSource::CommandLine;
            match name {
                "InitialHeapSize" => self.initial_heap_on_command_line = on_command_line,
                "MaxHeapSize" => self.max_heap_on_command_line = on_command_line,
                "MinHeapSize" => self.min_heap_on_command_line = on_command_line,
                _ => {}
            }
            return;
        }
        let percent_slot = match name {
            "MaxRAMPercentage" => Some(&mut self.max_ram_percentage),
            "InitialRAMPercentage" => Some(&mut self.initial_ram_percentage),
            "MinRAMPercentage" => Some(&mut self.min_ram_percentage),
            _ => None,
        };
        if let Some(slot) = percent_slot {
            match value.parse::<f64>() {
                Ok(percent) if (0.0..=100.0).contains(&percent) => {
                    *slot = Some(Setting { value: percent, flag: option.to_owned(), origin })
                }
                _ => self
                    .invalid
                    .push(text_setting(format!("`{value}` is not a percentage between 0 and 100"))),
            }
            return;
        }
        if name == "MaxRAMFraction" {
            match value.parse::<u64>() {
                Ok(fraction) if fraction > 0 => self.max_ram_fraction = Some(setting(fraction)),
                _ => self.invalid.push(text_setting(
                    "MaxRAMFraction must be a whole number of at least 1".to_owned(),
                )),
            }
        }
    }

    /// Records an option whose text is only partly known: `known_prefix` is what precedes the
    /// first value that cannot be known offline (`-Xmx` for `-Xmx$(HEAP)` with `HEAP` from a
    /// Secret; empty when the whole option is unknown). The flag it names becomes unknown; a
    /// prefix that could still become any memory flag (`-X`, `-XX:`, nothing) makes them all
    /// unknown; a prefix that names another option (`-Dpassword=`) changes nothing.
    ///
    /// ```
    /// use oom_core::runtime::JvmOptions;
    ///
    /// let mut jvm = JvmOptions::default();
    /// jvm.apply("-Xmx4g", 0);
    /// jvm.apply_unknown("-Xmx");
    /// assert_eq!(jvm.effective_max_heap(1 << 30), None); // the later -Xmx decides
    /// jvm.apply("-Xmx512m", 2);
    /// assert_eq!(jvm.effective_max_heap(1 << 30).map(|h| h.bytes), Some(512 << 20));
    /// ```
    pub fn apply_unknown(&mut self, known_prefix: &str) {
        let candidates: Vec<&'static str> = if let Some(rest) = known_prefix.strip_prefix("-XX:") {
            match rest.split_once('=') {
                Some((name, _)) => MEMORY_FLAGS.iter().filter(|f| **f == name).copied().collect(),
                // A name still being written: every flag it could become.
                None => {
                    let name = rest.trim_start_matches(['+', '-']);
                    MEMORY_FLAGS.iter().filter(|f| f.starts_with(name)).copied().collect()
                }
            }
        } else if known_prefix.starts_with("-Xmx") {
            vec!["MaxHeapSize"]
        } else if known_prefix.starts_with("-Xms") {
            vec!["InitialHeapSize", "MinHeapSize"]
        } else if known_prefix.starts_with("-Xss") {
            vec!["ThreadStackSize"]
        } else if ["-Xmx", "-Xms", "-Xss", "-XX:"].iter().any(|s| s.starts_with(known_prefix)) {
            MEMORY_FLAGS.to_vec()
        } else {
            Vec::new()
        };
        for flag in candidates {
            self.mark_unknown(flag);
        }
    }

    fn mark_unknown(&mut self, flag: &'static str) {
        if !self.unknown.contains(&flag) {
            self.unknown.push(flag);
        }
    }

    fn forget_unknown(&mut self, flag: &str) {
        self.unknown.retain(|f| *f != flag);
    }

    /// Whether the value of a HotSpot flag (`MaxHeapSize`, ...) cannot be known offline.
    pub fn is_unknown(&self, flag: &str) -> bool {
        self.unknown.contains(&flag)
    }

    /// Whether no memory-related option was seen.
    ///
    /// ```
    /// use oom_core::runtime::JvmOptions;
    ///
    /// let mut jvm = JvmOptions::default();
    /// jvm.apply("-verbose:gc", 0);
    /// assert!(jvm.is_empty());
    /// jvm.apply("-XX:-UseContainerSupport", 1);
    /// assert!(!jvm.is_empty() && jvm.container_support_disabled());
    /// ```
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Whether `-XX:-UseContainerSupport` is in effect: the JVM then ignores the container limit
    /// and sizes its heap from the node's memory.
    pub fn container_support_disabled(&self) -> bool {
        self.container_support.as_ref().is_some_and(|s| !s.value)
    }

    /// Why HotSpot would exit at start-up because of its heap sizes (`GCArguments::
    /// initialize_heap_flags_and_sizes` in HotSpot's `gcArguments.cpp`), if it would:
    ///
    /// - an initial heap above an explicit max heap, when both count as set on the command
    ///   line (`-Xmx512m -Xms1g`, `-XX:MaxHeapSize=512m -XX:InitialHeapSize=1g`): "Initial heap
    ///   size set to a larger value than the maximum heap size". When either comes from
    ///   `-XX:` in `JAVA_TOOL_OPTIONS` the max heap is raised instead (see
    ///   [`effective_max_heap`](Self::effective_max_heap));
    /// - a minimum heap (`-XX:MinHeapSize=`) above the max heap, both on the command line:
    ///   "Incompatible minimum and maximum heap sizes specified";
    /// - a max, initial or minimum heap under 1 MiB (`-Xmx1024` means 1024 bytes): "Too small
    ///   maximum heap" / "Too small initial heap". `-Xms0` means "choose for me" and is fine;
    /// - an initial heap below the minimum heap, both on the command line: "Incompatible minimum
    ///   and initial heap sizes specified".
    ///
    /// A comparison with a flag whose value cannot be known offline is never made.
    ///
    /// ```
    /// use oom_core::runtime::{JvmOptions, StartFailure};
    ///
    /// let mut jvm = JvmOptions::default();
    /// jvm.apply_text("-Xmx512m -Xms1024m", 0);
    /// assert!(matches!(jvm.start_failure(), Some(StartFailure::InitialAboveMax { .. })));
    /// ```
    pub fn start_failure(&self) -> Option<StartFailure> {
        const MIB: u64 = 1 << 20;
        fn known<'s>(
            jvm: &JvmOptions,
            setting: &'s Option<Setting<u64>>,
            flag: &str,
        ) -> Option<&'s Setting<u64>> {
            setting.as_ref().filter(|_| !jvm.is_unknown(flag))
        }
        let max = known(self, &self.max_heap, "MaxHeapSize");
        let initial = known(self, &self.initial_heap, "InitialHeapSize");
        let min = known(self, &self.min_heap, "MinHeapSize");
        // In HotSpot's order (`GCArguments::initialize_heap_flags_and_sizes`).
        if let Some(max) = max.filter(|_| self.max_heap_on_command_line) {
            if let Some(initial) =
                initial.filter(|i| self.initial_heap_on_command_line && i.value > max.value)
            {
                return Some(StartFailure::InitialAboveMax {
                    initial: initial.clone(),
                    max: max.clone(),
                });
            }
            if let Some(min) = min.filter(|m| self.min_heap_on_command_line && m.value > max.value)
            {
                return Some(StartFailure::MinAboveMax { min: min.clone(), max: max.clone() });
            }
        }
        if let Some(max) = max.filter(|m| m.value < MIB) {
            return Some(StartFailure::HeapTooSmall { setting: max.clone() });
        }
        for setting in [initial, min].into_iter().flatten() {
            if setting.value > 0 && setting.value < MIB {
                return Some(StartFailure::HeapTooSmall { setting: setting.clone() });
            }
        }
        match (initial, min) {
            (Some(initial), Some(min))
                if self.initial_heap_on_command_line
                    && self.min_heap_on_command_line
                    && initial.value > 0
                    && initial.value < min.value =>
            {
                Some(StartFailure::InitialBelowMin { initial: initial.clone(), min: min.clone() })
            }
            _ => None,
        }
    }

    /// The maximum heap HotSpot picks under `container_limit` bytes, following its ergonomics
    /// (`GCArguments::set_heap_size` and `initialize_heap_flags_and_sizes`, formerly
    /// `Arguments::set_heap_size`): an explicit `-Xmx` wins; otherwise the memory it sees is
    /// `MaxRAM` when set, else the container limit (capped at the 128 GiB `MaxRAM` default); on
    /// small memory it takes `MinRAMPercentage` (default 50 %) of it, otherwise
    /// `MaxRAMPercentage` (default 25 %, or `100 / MaxRAMFraction`) but at least ~125 MB. An
    /// initial heap (`-Xms`) above that raises the max heap to it.
    ///
    /// `None` when the heap cannot be known: container support is disabled and neither `-Xmx`
    /// nor `MaxRAM` is set (the heap then depends on the node), a flag that decides it has a
    /// value that cannot be known offline (see [`apply_unknown`](Self::apply_unknown)), or the
    /// JVM would not start at all (see [`start_failure`](Self::start_failure)).
    ///
    /// ```
    /// use oom_core::runtime::{HeapBasis, JvmOptions};
    ///
    /// let mut jvm = JvmOptions::default();
    /// jvm.apply("-XX:MaxRAMPercentage=90", 0);
    /// let heap = jvm.effective_max_heap(1 << 30).expect("known");
    /// assert_eq!(heap.bytes, 966_367_641);
    /// assert_eq!(heap.basis, HeapBasis::RamPercentage { percent: 90.0, explicit: true });
    ///
    /// // With no flags, a 200Mi container gets half of it: HotSpot's small-memory rule.
    /// let small = JvmOptions::default().effective_max_heap(200 << 20).expect("known");
    /// assert_eq!(small.bytes, 100 << 20);
    ///
    /// // -Xms alone above the default max heap raises the max heap with it.
    /// let mut jvm = JvmOptions::default();
    /// jvm.apply("-Xms1g", 0);
    /// let heap = jvm.effective_max_heap(1 << 30).expect("known");
    /// assert_eq!((heap.bytes, heap.basis), (1 << 30, HeapBasis::RaisedToInitial));
    /// ```
    pub fn effective_max_heap(&self, container_limit: u64) -> Option<EffectiveHeap> {
        if self.start_failure().is_some() || self.is_unknown("MaxHeapSize") {
            return None;
        }
        let raised = |heap: EffectiveHeap| match &self.initial_heap {
            Some(initial) if initial.value > heap.bytes => EffectiveHeap {
                bytes: initial.value,
                basis: HeapBasis::RaisedToInitial,
                flag: Some(initial.flag.clone()),
                origin: Some(initial.origin),
                memory_bytes: heap.memory_bytes,
            },
            _ => heap,
        };
        if let Some(max_heap) = &self.max_heap {
            return Some(raised(EffectiveHeap {
                bytes: max_heap.value,
                basis: HeapBasis::Explicit,
                flag: Some(max_heap.flag.clone()),
                origin: Some(max_heap.origin),
                memory_bytes: container_limit,
            }));
        }
        if ERGONOMIC_HEAP_FLAGS.iter().any(|flag| self.is_unknown(flag)) {
            return None;
        }
        let memory_bytes = match &self.max_ram {
            Some(max_ram) => max_ram.value,
            None if self.container_support_disabled() => return None,
            None => container_limit.min(DEFAULT_MAX_RAM),
        };
        let (max_percent, max_source) = match (&self.max_ram_percentage, &self.max_ram_fraction) {
            (Some(percentage), _) => (percentage.value, Some(percentage)),
            (None, Some(fraction)) => (100.0 / fraction.value as f64, None),
            (None, None) => (25.0, None),
        };
        let fraction_source = self.max_ram_fraction.as_ref().filter(|_| max_source.is_none());
        let min_percent = self.min_ram_percentage.as_ref().map_or(50.0, |s| s.value);
        let share = |percent: f64| (memory_bytes as f64 * percent / 100.0) as u64;
        let reasonable_min = share(min_percent);
        let (bytes, basis, flag, origin) = if reasonable_min < DEFAULT_MAX_HEAP_FLOOR {
            let source = self.min_ram_percentage.as_ref();
            (
                reasonable_min,
                HeapBasis::SmallMemory { percent: min_percent, explicit: source.is_some() },
                source.map(|s| s.flag.clone()),
                source.map(|s| s.origin),
            )
        } else if share(max_percent) >= DEFAULT_MAX_HEAP_FLOOR {
            let explicit = max_source.is_some() || fraction_source.is_some();
            (
                share(max_percent),
                HeapBasis::RamPercentage { percent: max_percent, explicit },
                max_source.map(|s| s.flag.clone()).or(fraction_source.map(|s| s.flag.clone())),
                max_source.map(|s| s.origin).or(fraction_source.map(|s| s.origin)),
            )
        } else {
            (DEFAULT_MAX_HEAP_FLOOR, HeapBasis::DefaultFloor, None, None)
        };
        Some(raised(EffectiveHeap { bytes, basis, flag, origin, memory_bytes }))
    }

    /// The initial heap HotSpot commits at start-up: `-Xms`, else `InitialRAMPercentage`
    /// (default 1.5625 %) of the memory it sees, never above the max heap. It never raises the
    /// max heap by itself; `None` when the max heap is unknown.
    ///
    /// ```
    /// use oom_core::runtime::JvmOptions;
    ///
    /// let mut jvm = JvmOptions::default();
    /// jvm.apply_text("-Xmx512m -XX:InitialRAMPercentage=90", 0);
    /// assert_eq!(jvm.initial_heap_bytes(1 << 30), Some(512 << 20)); // capped at the max heap
    /// ```
    pub fn initial_heap_bytes(&self, container_limit: u64) -> Option<u64> {
        let max = self.effective_max_heap(container_limit)?;
        if self.is_unknown("InitialHeapSize") || self.is_unknown("InitialRAMPercentage") {
            return None;
        }
        let initial = match self.initial_heap.as_ref().filter(|i| i.value > 0) {
            Some(initial) => initial.value,
            None => {
                let percent = self.initial_ram_percentage.as_ref().map_or(1.5625, |s| s.value);
                (max.memory_bytes as f64 * percent / 100.0) as u64
            }
        };
        Some(initial.min(max.bytes))
    }
}

impl fmt::Display for HeapBasis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Explicit => f.write_str("set explicitly"),
            Self::RamPercentage { percent, explicit: true } => {
                write!(f, "MaxRAMPercentage {percent}%")
            }
            Self::RamPercentage { percent, explicit: false } => {
                write!(f, "the default MaxRAMPercentage {percent}%")
            }
            Self::SmallMemory { percent, .. } => {
                write!(f, "MinRAMPercentage {percent}%, used on small memory")
            }
            Self::DefaultFloor => f.write_str("HotSpot's minimum default heap"),
            Self::RaisedToInitial => f.write_str("raised to the initial heap size"),
        }
    }
}

/// The last `--max-old-space-size` (MiB, V8's old generation) among Node.js options.
///
/// Accepts `--max-old-space-size=N`, `--max_old_space_size=N` and the value as the next word.
///
/// ```
/// use oom_core::runtime::node_max_old_space;
///
/// let words = ["--enable-source-maps", "--max-old-space-size=1536", "server.js"];
/// assert_eq!(node_max_old_space(words.iter().copied()).map(|(mib, _)| mib), Some(Ok(1536)));
/// ```
pub fn node_max_old_space<'a>(
    words: impl IntoIterator<Item = &'a str>,
) -> Option<(Result<u64, RuntimeError>, usize)> {
    let words: Vec<&str> = words.into_iter().collect();
    let mut found = None;
    for (index, word) in words.iter().enumerate() {
        let normalized = word.replace('_', "-");
        let value = if let Some(value) = normalized.strip_prefix("--max-old-space-size=") {
            Some(value.to_owned())
        } else if normalized == "--max-old-space-size" {
            words.get(index + 1).map(|v| (*v).to_owned())
        } else {
            None
        };
        if let Some(value) = value {
            let parsed = value.parse::<u64>().map_err(|_| RuntimeError::InvalidSize {
                text: value.clone(),
                reason: "--max-old-space-size takes a whole number of MiB",
            });
            found = Some((parsed, index));
        }
    }
    found
}

/// A `GOMEMLIMIT` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum GoMemLimit {
    /// `off`: no soft limit.
    Off,
    /// A soft limit in bytes.
    Bytes(u64),
}

/// Parses `GOMEMLIMIT` as the Go runtime does: `off`, or digits with an optional `B`, `KiB`,
/// `MiB`, `GiB` or `TiB` suffix.
///
/// ```
/// use oom_core::runtime::{GoMemLimit, parse_gomemlimit};
///
/// assert_eq!(parse_gomemlimit("900MiB"), Ok(GoMemLimit::Bytes(900 << 20)));
/// assert_eq!(parse_gomemlimit("off"), Ok(GoMemLimit::Off));
/// assert!(parse_gomemlimit("900M").is_err()); // Go wants MiB
/// ```
pub fn parse_gomemlimit(text: &str) -> Result<GoMemLimit, RuntimeError> {
    let text = text.trim();
    if text == "off" {
        return Ok(GoMemLimit::Off);
    }
    let invalid = || RuntimeError::InvalidSize {
        text: text.to_owned(),
        reason: "GOMEMLIMIT takes `off` or digits with an optional B, KiB, MiB, GiB or TiB suffix",
    };
    let (digits, shift) = [("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10), ("B", 0)]
        .iter()
        .find_map(|(suffix, shift)| text.strip_suffix(suffix).map(|d| (d, *shift)))
        .unwrap_or((text, 0));
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .map(GoMemLimit::Bytes)
        .ok_or_else(invalid)
}

/// A .NET GC setting as the runtime reads it from a `DOTNET_` or `COMPlus_` environment
/// variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotnetHex {
    /// The value the runtime uses.
    pub value: u64,
    /// The part of the text the runtime read (`512` of `512Mi`, `0x4B`), leading whitespace and
    /// sign left out.
    pub read: String,
    /// What follows it, which the runtime ignores (`Mi` of `512Mi`), without trailing
    /// whitespace; empty when the whole value was read.
    pub ignored: String,
}

impl DotnetHex {
    /// Whether the value is written with decimal digits only and no `0x`, as someone who means
    /// a decimal number writes it (`75`, `536870912`): the runtime still reads it as
    /// hexadecimal.
    ///
    /// ```
    /// use oom_core::runtime::read_dotnet_hex;
    ///
    /// assert!(read_dotnet_hex("75").is_some_and(|v| v.looks_decimal()));
    /// assert!(!read_dotnet_hex("0x4B").is_some_and(|v| v.looks_decimal()));
    /// ```
    pub fn looks_decimal(&self) -> bool {
        self.ignored.is_empty()
            && !self.read.is_empty()
            && self.read.bytes().all(|b| b.is_ascii_digit())
    }
}

/// Reads a .NET GC setting such as `DOTNET_GCHeapHardLimit` as the runtime does: the GC asks
/// for its 64-bit settings as strings and converts them with `u16_strtoui64(value, &end, 16)`
/// (`GCToEEInterface::GetIntConfigValue` in `gcenv.ee.cpp`), so the value is **hexadecimal**
/// with or without `0x`, leading whitespace is skipped, and reading **stops at the first
/// character that is not a hexadecimal digit**: `512Mi` is 0x512 = 1298 bytes, `1Gi` is 1.
///
/// `None` when the runtime reads no digit at all or the number overflows 64 bits: it then
/// ignores the setting, as if it were not set.
///
/// ```
/// use oom_core::runtime::read_dotnet_hex;
///
/// let value = read_dotnet_hex("512Mi").expect("read");
/// assert_eq!((value.value, value.read.as_str(), value.ignored.as_str()), (0x512, "512", "Mi"));
/// assert_eq!(read_dotnet_hex("0xC800000").map(|v| v.value), Some(200 << 20));
/// assert_eq!(read_dotnet_hex("Mi"), None);
/// ```
pub fn read_dotnet_hex(text: &str) -> Option<DotnetHex> {
    let trimmed = text.trim_start();
    let (negative, unsigned) = match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    let is_hex = |b: &u8| b.is_ascii_hexdigit();
    // `0x` counts as a prefix only when a hexadecimal digit follows; otherwise strtoull reads
    // the `0` alone.
    let prefix = match unsigned.as_bytes() {
        [b'0', b'x' | b'X', next, ..] if is_hex(next) => 2,
        _ => 0,
    };
    let digits_len = unsigned.as_bytes()[prefix..].iter().take_while(|b| is_hex(b)).count();
    if digits_len == 0 {
        return None;
    }
    let digits = &unsigned[prefix..prefix + digits_len];
    let magnitude = u64::from_str_radix(digits, 16).ok()?;
    Some(DotnetHex {
        value: if negative { magnitude.wrapping_neg() } else { magnitude },
        read: unsigned[..prefix + digits_len].to_owned(),
        ignored: unsigned[prefix + digits_len..].trim_end().to_owned(),
    })
}

/// The value of a .NET GC setting as the runtime reads it (see [`read_dotnet_hex`]); an error
/// when the runtime would ignore it.
///
/// ```
/// use oom_core::runtime::parse_dotnet_hex;
///
/// assert_eq!(parse_dotnet_hex("0xC800000"), Ok(200 << 20));
/// assert_eq!(parse_dotnet_hex("4B"), Ok(75));
/// assert_eq!(parse_dotnet_hex("75"), Ok(117));
/// assert!(parse_dotnet_hex("none").is_err());
/// ```
pub fn parse_dotnet_hex(text: &str) -> Result<u64, RuntimeError> {
    read_dotnet_hex(text).map(|read| read.value).ok_or_else(|| RuntimeError::InvalidSize {
        text: text.to_owned(),
        reason: "the runtime reads no hexadecimal number in it and ignores the setting",
    })
}

/// `DOTNET_GCHeapHardLimitPercent` as the GC applies it (`gc_heap::compute_hard_limit` in
/// .NET's `gc.cpp`): the value is truncated to 32 bits and used only when it is above 0 and
/// below 100 (0x64), and only when no `GCHeapHardLimit` is set; otherwise the runtime ignores
/// it and, in a container with a memory limit, keeps its default of 75 % of the limit.
///
/// ```
/// use oom_core::runtime::{DotnetPercent, dotnet_hard_limit_percent};
///
/// assert_eq!(dotnet_hard_limit_percent(0x4B, false), DotnetPercent::Applied(75));
/// assert_eq!(dotnet_hard_limit_percent(0x75, false), DotnetPercent::OutOfRange(117));
/// assert_eq!(dotnet_hard_limit_percent(0x32, true), DotnetPercent::OverriddenByHardLimit);
/// ```
pub fn dotnet_hard_limit_percent(value: u64, hard_limit_set: bool) -> DotnetPercent {
    if hard_limit_set {
        return DotnetPercent::OverriddenByHardLimit;
    }
    let percent = value as u32;
    if percent > 0 && percent < 100 {
        DotnetPercent::Applied(percent)
    } else {
        DotnetPercent::OutOfRange(percent)
    }
}

/// What the GC does with `GCHeapHardLimitPercent` (see [`dotnet_hard_limit_percent`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DotnetPercent {
    /// The heap hard limit is this percent of the memory limit.
    Applied(u32),
    /// Outside 1–99 (the value as the GC sees it, in decimal): ignored.
    OutOfRange(u32),
    /// Ignored because `GCHeapHardLimit` is set.
    OverriddenByHardLimit,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn odd_spellings_of_sizes() {
        for (text, bytes) in [
            ("2G", 2u64 << 30),
            ("2g", 2 << 30),
            ("2048M", 2 << 30),
            ("2048m", 2 << 30),
            ("2097152k", 2 << 30),
            ("2097152K", 2 << 30),
            ("1t", 1 << 40),
            ("536870912", 512 << 20),
        ] {
            assert_eq!(parse_jvm_size(text), Ok(bytes), "{text}");
        }
        for text in ["", "m", "2GB", "2.5g", "-1g", "2 g", "99999999999999999999g"] {
            assert!(parse_jvm_size(text).is_err(), "{text}");
        }
    }

    #[test]
    fn last_occurrence_wins_and_aliases_share_a_slot() {
        let mut jvm = JvmOptions::default();
        jvm.apply_text("-Xmx1g -XX:MaxHeapSize=3g -Xmx2g", 0);
        assert_eq!(jvm.max_heap.as_ref().map(|s| s.value), Some(2 << 30));
        jvm.apply_text("-XX:MaxHeapSize=512m", 4);
        assert_eq!(jvm.max_heap.as_ref().map(|s| (s.value, s.origin)), Some((512 << 20, 4)));
        assert_eq!(jvm.max_heap.map(|s| s.flag), Some("-XX:MaxHeapSize=512m".to_owned()));
    }

    #[test]
    fn quoted_values_and_other_flags() {
        let mut jvm = JvmOptions::default();
        jvm.apply_text(
            r#"-Dapp.name="my service" '-Xmx768m' -XX:+UseG1GC -Xss512k -XX:MaxMetaspaceSize=256m
               -XX:MaxDirectMemorySize=1g -XX:MaxRAM=4g -XX:InitialRAMPercentage=50"#,
            0,
        );
        assert_eq!(jvm.max_heap.as_ref().map(|s| s.value), Some(768 << 20));
        assert_eq!(jvm.thread_stack.as_ref().map(|s| s.value), Some(512 << 10));
        assert_eq!(jvm.max_metaspace.as_ref().map(|s| s.value), Some(256 << 20));
        assert_eq!(jvm.max_direct_memory.as_ref().map(|s| s.value), Some(1 << 30));
        assert_eq!(jvm.max_ram.as_ref().map(|s| s.value), Some(4 << 30));
        assert_eq!(jvm.initial_ram_percentage.as_ref().map(|s| s.value), Some(50.0));
        assert!(jvm.invalid.is_empty());
    }

    #[test]
    fn invalid_values_are_kept_with_a_reason() {
        let mut jvm = JvmOptions::default();
        jvm.apply_text("-Xmx2GB -XX:MaxRAMPercentage=150 -XX:MaxRAMFraction=0", 3);
        let flags: Vec<_> = jvm.invalid.iter().map(|s| s.flag.as_str()).collect();
        assert_eq!(flags, ["-Xmx2GB", "-XX:MaxRAMPercentage=150", "-XX:MaxRAMFraction=0"]);
        assert!(jvm.max_heap.is_none());
    }

    #[test]
    fn ergonomics_follow_hotspot() {
        let gib = 1u64 << 30;
        // Defaults: 25 % of a 4 GiB container.
        let heap = JvmOptions::default().effective_max_heap(4 * gib);
        assert_eq!(
            heap.map(|h| (h.bytes, h.basis)),
            Some((gib, HeapBasis::RamPercentage { percent: 25.0, explicit: false }))
        );
        // 25 % of 400 MiB is under the floor, 50 % is not: the floor applies.
        let heap = JvmOptions::default().effective_max_heap(400 << 20);
        assert_eq!(heap.map(|h| h.basis), Some(HeapBasis::DefaultFloor));
        // MaxRAMFraction=2 → 50 %; MaxRAMPercentage wins over it when both are set.
        let mut jvm = JvmOptions::default();
        jvm.apply("-XX:MaxRAMFraction=2", 0);
        assert_eq!(
            jvm.effective_max_heap(gib).map(|h| (h.bytes, h.origin)),
            Some((gib / 2, Some(0)))
        );
        jvm.apply("-XX:MaxRAMPercentage=80", 1);
        assert_eq!(jvm.effective_max_heap(gib).map(|h| h.origin), Some(Some(1)));
        // MaxRAM replaces the container limit as the base.
        let mut jvm = JvmOptions::default();
        jvm.apply_text("-XX:MaxRAM=8g -XX:MaxRAMPercentage=50", 0);
        assert_eq!(jvm.effective_max_heap(gib).map(|h| h.bytes), Some(4 * gib));
        // Container support off: unknown without -Xmx or MaxRAM.
        let mut jvm = JvmOptions::default();
        jvm.apply("-XX:-UseContainerSupport", 0);
        assert!(jvm.container_support_disabled());
        assert_eq!(jvm.effective_max_heap(gib), None);
        jvm.apply("-Xmx512m", 1);
        assert_eq!(jvm.effective_max_heap(gib).map(|h| h.bytes), Some(512 << 20));
    }

    #[test]
    fn shell_words() {
        assert_eq!(split_shell_words("  a  'b c'\"d\\\"e\"  "), ["a", "b cd\"e"]);
        assert_eq!(split_shell_words("''"), [""]);
        assert_eq!(split_shell_words("'unterminated"), ["unterminated"]);
        assert!(split_shell_words("   ").is_empty());
        // Line continuations are removed before words are split.
        assert_eq!(
            split_shell_words("java \\\n  -Xmx2g -jar a.jar"),
            ["java", "-Xmx2g", "-jar", "a.jar"]
        );
        assert_eq!(split_shell_words("-Xm\\\nx2g"), ["-Xmx2g"]);
        assert_eq!(split_shell_words("\"-Xm\\\nx2g\""), ["-Xmx2g"]);
        assert_eq!(split_shell_words("'a\\\nb'"), ["a\\\nb"]);
        assert_eq!(split_shell_words("a \\\n"), ["a"]);
    }

    #[test]
    fn node_go_dotnet() {
        let words = ["--max_old_space_size", "4096", "--max-old-space-size=2048"];
        assert_eq!(node_max_old_space(words), Some((Ok(2048), 2)));
        assert!(node_max_old_space(["--max-old-space-size=2g"]).is_some_and(|(r, _)| r.is_err()));
        assert_eq!(node_max_old_space(["app.js"]), None);
        assert_eq!(parse_gomemlimit("1073741824"), Ok(GoMemLimit::Bytes(1 << 30)));
        assert_eq!(parse_gomemlimit("1GiB"), Ok(GoMemLimit::Bytes(1 << 30)));
        assert_eq!(parse_gomemlimit("512B"), Ok(GoMemLimit::Bytes(512)));
        assert!(parse_gomemlimit("1.5GiB").is_err());
        assert!(parse_gomemlimit("").is_err());
        assert_eq!(parse_dotnet_hex("64"), Ok(100));
        // strtoull reads the `0` of `0xZZ` and stops: the value is 0.
        assert_eq!(parse_dotnet_hex("0xZZ"), Ok(0));
        assert!(parse_dotnet_hex("").is_err());
    }

    #[test]
    fn initial_heap_joins_the_model() {
        let gib = 1u64 << 30;
        // -Xms above -Xmx, both counted as the command line: the JVM exits.
        for text in ["-Xmx512m -Xms1024m", "-Xms1024m -Xmx512m", "-Xmx512m -XX:InitialHeapSize=1g"]
        {
            let mut jvm = JvmOptions::default();
            jvm.apply_text(text, 0);
            assert!(
                matches!(jvm.start_failure(), Some(StartFailure::InitialAboveMax { .. })),
                "{text}"
            );
            assert_eq!(jvm.effective_max_heap(gib), None, "{text}");
        }
        // -Xms from JAVA_TOOL_OPTIONS still counts as the command line (FLAG_SET_CMDLINE).
        let mut jvm = JvmOptions::default();
        jvm.apply_text_from("-Xms1g", 0, OptionSource::EnvironmentVariable);
        jvm.apply("-Xmx512m", 1);
        assert!(jvm.start_failure().is_some());
        // -XX:InitialHeapSize from JAVA_TOOL_OPTIONS raises the max heap instead.
        let mut jvm = JvmOptions::default();
        jvm.apply_text_from("-XX:InitialHeapSize=1g", 0, OptionSource::EnvironmentVariable);
        jvm.apply("-Xmx512m", 1);
        assert_eq!(jvm.start_failure(), None);
        let heap = jvm.effective_max_heap(2 * gib).map(|h| (h.bytes, h.basis, h.origin));
        assert_eq!(heap, Some((gib, HeapBasis::RaisedToInitial, Some(0))));
        // -XX:MaxHeapSize from JAVA_TOOL_OPTIONS is not the command line: -Xms raises it.
        let mut jvm = JvmOptions::default();
        jvm.apply_text_from("-XX:MaxHeapSize=512m", 0, OptionSource::EnvironmentVariable);
        jvm.apply("-Xms1g", 1);
        assert_eq!(jvm.start_failure(), None);
        assert_eq!(jvm.effective_max_heap(2 * gib).map(|h| h.bytes), Some(gib));
        // The -XX spellings on the command line.
        let mut jvm = JvmOptions::default();
        jvm.apply_text("-XX:MaxHeapSize=512m -XX:InitialHeapSize=1g", 0);
        assert!(matches!(jvm.start_failure(), Some(StartFailure::InitialAboveMax { .. })));
        for text in ["-XX:MinHeapSize=1g -Xmx512m", "-Xmx512m -XX:MinHeapSize=1g"] {
            let mut jvm = JvmOptions::default();
            jvm.apply_text(text, 0);
            assert!(
                matches!(jvm.start_failure(), Some(StartFailure::MinAboveMax { .. })),
                "{text}"
            );
            assert_eq!(jvm.effective_max_heap(gib), None, "{text}");
        }
        let mut jvm = JvmOptions::default();
        jvm.apply_text("-Xms512m -XX:MinHeapSize=1g -Xmx2g", 0);
        assert!(matches!(jvm.start_failure(), Some(StartFailure::InitialBelowMin { .. })));
        // -Xms sets MinHeapSize too: the later one wins, and -Xms0 is "choose for me".
        for text in [
            "-XX:MinHeapSize=1g -Xms512m -Xmx2g",
            "-Xms0 -Xmx512m",
            "-Xms1g -Xmx512m -Xmx1g",
            "-XX:InitialRAMPercentage=80 -XX:MaxRAMPercentage=50",
        ] {
            let mut jvm = JvmOptions::default();
            jvm.apply_text(text, 0);
            assert_eq!(jvm.start_failure(), None, "{text}");
        }
        // From JAVA_TOOL_OPTIONS, -XX:MinHeapSize is not the command line: no refusal claimed.
        let mut jvm = JvmOptions::default();
        jvm.apply_text_from("-XX:MinHeapSize=1g -Xmx512m", 0, OptionSource::EnvironmentVariable);
        assert_eq!(jvm.start_failure(), None);
        // A later value that cannot be known decides: nothing is claimed.
        let mut jvm = JvmOptions::default();
        jvm.apply_text("-Xms2g -Xmx1g", 0);
        jvm.apply_unknown("-Xms");
        assert_eq!(jvm.start_failure(), None);
        // Equal sizes are fine; -Xms below the ergonomic max changes nothing.
        let mut jvm = JvmOptions::default();
        jvm.apply_text("-Xms512m -Xmx512m", 0);
        assert_eq!(jvm.start_failure(), None);
        assert_eq!(jvm.effective_max_heap(gib).map(|h| h.bytes), Some(512 << 20));
        let mut jvm = JvmOptions::default();
        jvm.apply("-Xms64m", 0);
        assert_eq!(
            jvm.effective_max_heap(4 * gib).map(|h| (h.bytes, h.basis)),
            Some((gib, HeapBasis::RamPercentage { percent: 25.0, explicit: false }))
        );
        // -Xms alone above the default max: the max heap is raised to it.
        let mut jvm = JvmOptions::default();
        jvm.apply("-Xms3g", 0);
        let heap = jvm.effective_max_heap(2 * gib).map(|h| (h.bytes, h.flag));
        assert_eq!(heap, Some((3 * gib, Some("-Xms3g".to_owned()))));
        // InitialRAMPercentage never raises the max heap.
        let mut jvm = JvmOptions::default();
        jvm.apply_text("-XX:InitialRAMPercentage=90 -XX:MaxRAMPercentage=50", 0);
        assert_eq!(jvm.effective_max_heap(gib).map(|h| h.bytes), Some(gib / 2));
        assert_eq!(jvm.initial_heap_bytes(gib), Some(gib / 2));
        assert_eq!(JvmOptions::default().initial_heap_bytes(4 * gib), Some(64 << 20));
    }

    #[test]
    fn heaps_below_one_mib_stop_the_jvm() {
        for text in ["-Xmx1024", "-Xms1024", "-Xmx1000k"] {
            let mut jvm = JvmOptions::default();
            jvm.apply_text(text, 0);
            assert!(
                matches!(jvm.start_failure(), Some(StartFailure::HeapTooSmall { .. })),
                "{text}"
            );
        }
        let mut jvm = JvmOptions::default();
        jvm.apply_text("-Xms0 -Xmx1m", 0);
        assert_eq!(jvm.start_failure(), None);
    }

    #[test]
    fn unknown_values_make_what_they_decide_unknown() {
        let gib = 1u64 << 30;
        let unknown_after = |prefix: &str| {
            let mut jvm = JvmOptions::default();
            jvm.apply("-Xmx4g", 0);
            jvm.apply_unknown(prefix);
            jvm
        };
        for prefix in ["-Xmx", "-XX:MaxHeapSize=", "", "-", "-X", "-XX", "-XX:", "-XX:Max"] {
            assert_eq!(unknown_after(prefix).effective_max_heap(gib), None, "{prefix:?}");
        }
        for prefix in ["-Dsecret=", "-Xss", "-XX:+UseG1GC", "-XX:MaxMetaspaceSize=", "app"] {
            assert!(unknown_after(prefix).effective_max_heap(gib).is_some(), "{prefix:?}");
        }
        // Without -Xmx, an unknown percentage decides the heap; a later known one wins again.
        let mut jvm = JvmOptions::default();
        jvm.apply_unknown("-XX:MaxRAMPercentage=");
        assert_eq!(jvm.effective_max_heap(gib), None);
        jvm.apply("-XX:MaxRAMPercentage=50", 1);
        assert_eq!(jvm.effective_max_heap(gib).map(|h| h.bytes), Some(gib / 2));
        // An unknown value is never invalid.
        assert!(jvm.invalid.is_empty());
    }

    #[test]
    fn dotnet_reads_hex_until_the_first_other_character() {
        let read = |text: &str| read_dotnet_hex(text).map(|v| (v.value, v.read, v.ignored));
        let owned = |v: u64, r: &str, i: &str| Some((v, r.to_owned(), i.to_owned()));
        assert_eq!(read("512Mi"), owned(0x512, "512", "Mi"));
        assert_eq!(read("1Gi"), owned(1, "1", "Gi"));
        assert_eq!(read("536870912"), owned(0x5_3687_0912, "536870912", ""));
        assert_eq!(read(" 0x20000000 "), owned(512 << 20, "0x20000000", ""));
        assert_eq!(read("0X4b"), owned(75, "0X4b", ""));
        assert_eq!(read("200MB"), owned(0x200, "200", "MB"));
        assert_eq!(read("1.5"), owned(1, "1", ".5"));
        assert_eq!(read("0x"), owned(0, "0", "x"));
        assert_eq!(read("Mi"), None);
        assert_eq!(read(""), None);
        assert_eq!(read("10000000000000000"), None); // beyond 64 bits: ignored
        assert!(read_dotnet_hex("536870912").is_some_and(|v| v.looks_decimal()));
        assert!(!read_dotnet_hex("C800000").is_some_and(|v| v.looks_decimal()));
        assert!(!read_dotnet_hex("512Mi").is_some_and(|v| v.looks_decimal()));
    }

    #[test]
    fn dotnet_percent_range() {
        use DotnetPercent::*;
        for (value, expected) in [
            (0x4B, Applied(75)),
            (0x63, Applied(99)),
            (1, Applied(1)),
            (0x64, OutOfRange(100)),
            (0x75, OutOfRange(117)),
            (0, OutOfRange(0)),
            // Truncated to 32 bits, as `(uint32_t)` in gc.cpp does.
            (0x1_0000_0032, Applied(50)),
        ] {
            assert_eq!(dotnet_hard_limit_percent(value, false), expected, "{value:#x}");
        }
        assert_eq!(dotnet_hard_limit_percent(0x4B, true), OverriddenByHardLimit);
    }

    proptest! {
        #[test]
        fn dotnet_hex_matches_rust_on_plain_hex(value in any::<u64>(), suffix in "[g-zG-Z]{0,3}") {
            let text = format!("{value:x}{suffix}");
            let read = read_dotnet_hex(&text).map(|r| (r.value, r.ignored));
            prop_assert_eq!(read, Some((value, suffix)));
        }

        #[test]
        fn initial_above_max_never_yields_a_heap(max in 1u64..64, initial in 1u64..64) {
            let mut jvm = JvmOptions::default();
            jvm.apply_text(&format!("-Xmx{max}g -Xms{initial}g"), 0);
            let heap = jvm.effective_max_heap(8 << 30);
            prop_assert_eq!(heap.is_none(), initial > max);
        }
    }

    proptest! {
        #[test]
        fn parsers_never_panic(text in "\\PC{0,40}") {
            let mut jvm = JvmOptions::default();
            jvm.apply_text(&text, 0);
            let _ = jvm.effective_max_heap(1 << 30);
            let _ = parse_gomemlimit(&text);
            let _ = parse_dotnet_hex(&text);
            let _ = read_dotnet_hex(&text);
            let _ = node_max_old_space(text.split(' '));
            let mut unknown = JvmOptions::default();
            unknown.apply_unknown(&text);
            let _ = unknown.effective_max_heap(1 << 30);
        }

        #[test]
        fn jvm_sizes_round_trip(mib in 1u64..1_000_000) {
            prop_assert_eq!(parse_jvm_size(&format!("{mib}m")), Ok(mib << 20));
            prop_assert_eq!(parse_jvm_size(&format!("{}k", mib * 1024)), Ok(mib << 20));
        }
    }
}
