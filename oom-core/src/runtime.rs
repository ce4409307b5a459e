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
/// An unterminated quote runs to the end of the text.
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
                        _ => word.push(q),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(next) = chars.next()
                    && next != '\n'
                {
                    word.push(next);
                }
            }
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
    /// Applies options written as one shell-quoted string (an environment variable's value).
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
        for word in split_shell_words(text) {
            self.apply(&word, origin);
        }
    }

    /// Applies one option; options that are not about memory are ignored.
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
        let setting = |value| Setting { value, flag: option.to_owned(), origin };
        let text_setting = |value: String| Setting { value, flag: option.to_owned(), origin };
        let (name, value) = if let Some(rest) = option.strip_prefix("-XX:") {
            match rest {
                "+UseContainerSupport" | "-UseContainerSupport" => {
                    let enabled = rest.starts_with('+');
                    self.container_support =
                        Some(Setting { value: enabled, flag: option.to_owned(), origin });
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
        let size_slot = match name {
            "MaxHeapSize" => Some(&mut self.max_heap),
            "InitialHeapSize" => Some(&mut self.initial_heap),
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

    /// The maximum heap HotSpot picks under `container_limit` bytes, following its ergonomics
    /// (`Arguments::set_heap_size`): an explicit `-Xmx` wins; otherwise the memory it sees is
    /// `MaxRAM` when set, else the container limit (capped at the 128 GiB `MaxRAM` default); on
    /// small memory it takes `MinRAMPercentage` (default 50 %) of it, otherwise
    /// `MaxRAMPercentage` (default 25 %, or `100 / MaxRAMFraction`) but at least ~125 MB.
    ///
    /// `None` when container support is disabled and neither `-Xmx` nor `MaxRAM` is set: the
    /// heap then depends on the node, which a manifest does not tell.
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
    /// ```
    pub fn effective_max_heap(&self, container_limit: u64) -> Option<EffectiveHeap> {
        if let Some(max_heap) = &self.max_heap {
            return Some(EffectiveHeap {
                bytes: max_heap.value,
                basis: HeapBasis::Explicit,
                flag: Some(max_heap.flag.clone()),
                origin: Some(max_heap.origin),
                memory_bytes: container_limit,
            });
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
        Some(EffectiveHeap { bytes, basis, flag, origin, memory_bytes })
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

/// Parses a .NET GC setting such as `DOTNET_GCHeapHardLimit`, which .NET reads as hexadecimal
/// with or without `0x` (`0xC800000` is 200 MiB; `75` as a percent is 117).
///
/// ```
/// use oom_core::runtime::parse_dotnet_hex;
///
/// assert_eq!(parse_dotnet_hex("0xC800000"), Ok(200 << 20));
/// assert_eq!(parse_dotnet_hex("4B"), Ok(75));
/// ```
pub fn parse_dotnet_hex(text: &str) -> Result<u64, RuntimeError> {
    let trimmed = text.trim();
    let digits =
        trimmed.strip_prefix("0x").or_else(|| trimmed.strip_prefix("0X")).unwrap_or(trimmed);
    u64::from_str_radix(digits, 16).map_err(|_| RuntimeError::InvalidSize {
        text: text.to_owned(),
        reason: ".NET GC settings are hexadecimal, e.g. 0xC800000 for 200 MiB",
    })
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
        assert!(parse_dotnet_hex("0xZZ").is_err());
    }

    proptest! {
        #[test]
        fn parsers_never_panic(text in "\\PC{0,40}") {
            let mut jvm = JvmOptions::default();
            jvm.apply_text(&text, 0);
            let _ = jvm.effective_max_heap(1 << 30);
            let _ = parse_gomemlimit(&text);
            let _ = parse_dotnet_hex(&text);
            let _ = node_max_old_space(text.split(' '));
        }

        #[test]
        fn jvm_sizes_round_trip(mib in 1u64..1_000_000) {
            prop_assert_eq!(parse_jvm_size(&format!("{mib}m")), Ok(mib << 20));
            prop_assert_eq!(parse_jvm_size(&format!("{}k", mib * 1024)), Ok(mib << 20));
        }
    }
}
