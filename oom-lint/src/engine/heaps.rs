//! The heap settings a container's runtime will run with, each with the place it was set.
//! Computed once per container, into a table indexed like the pod's containers, once the whole
//! input's ConfigMaps are known; the runtime rules and `fix` read it.

use oom_core::runtime::{
    DotnetHex, GoMemLimit, JvmOptions, OptionSource, RuntimeError, node_max_old_space,
    parse_gomemlimit, read_dotnet_hex, split_shell_words,
};

use super::model::{Context, Pod};
use super::process::{Located, ProcessView, known_prefix, program_name};
use crate::settings::Settings;

/// A runtime setting found in the environment or on the command line.
#[derive(Debug, Clone)]
pub struct Found<'a, T> {
    pub value: T,
    /// The setting as written (`GOMEMLIMIT=900MiB`, `--max-old-space-size=4096`).
    pub flag: String,
    pub at: Located<'a>,
    /// How the value was derived when it is not written out (the downward API).
    pub via: Option<String>,
}

#[derive(Debug)]
pub struct JvmView<'a> {
    pub options: JvmOptions,
    /// Where each `origin` of `options` was written.
    pub origins: Vec<Located<'a>>,
}

impl<'a> JvmView<'a> {
    pub fn origin(&self, index: Option<usize>) -> Option<&Located<'a>> {
        index.and_then(|i| self.origins.get(i))
    }
}

#[derive(Debug, Default)]
pub struct RuntimeView<'a> {
    pub jvm: Option<JvmView<'a>>,
    /// V8's old-space limit, in bytes.
    pub node_old_space: Option<Found<'a, Result<u64, RuntimeError>>>,
    pub go_memlimit: Option<Found<'a, Result<GoMemLimit, RuntimeError>>>,
    /// `DOTNET_GCHeapHardLimit` as the runtime reads it (bytes); `None` inside when the
    /// runtime ignores the value.
    pub dotnet_hard_limit: Option<Found<'a, Option<DotnetHex>>>,
    /// `DOTNET_GCHeapHardLimitPercent` as the runtime reads it, before its range check.
    pub dotnet_hard_limit_percent: Option<Found<'a, Option<DotnetHex>>>,
}

impl<'a> RuntimeView<'a> {
    /// No runtime setting found.
    pub const NONE: RuntimeView<'static> = RuntimeView {
        jvm: None,
        node_old_space: None,
        go_memlimit: None,
        dotnet_hard_limit: None,
        dotnet_hard_limit_percent: None,
    };

    pub fn of(process: &ProcessView<'a>, settings: &Settings) -> Self {
        Self {
            jvm: jvm(process, settings),
            node_old_space: node(process),
            go_memlimit: env_setting(process, &["GOMEMLIMIT"], parse_gomemlimit),
            dotnet_hard_limit: env_setting(
                process,
                &["DOTNET_GCHeapHardLimit", "COMPlus_GCHeapHardLimit"],
                read_dotnet_hex,
            ),
            dotnet_hard_limit_percent: env_setting(
                process,
                &["DOTNET_GCHeapHardLimitPercent", "COMPlus_GCHeapHardLimitPercent"],
                read_dotnet_hex,
            ),
        }
    }
}

/// The heap settings of each of a pod's containers, indexed like [`Pod::containers`].
pub fn resolve<'a>(pod: &Pod<'a>, context: &Context<'a>) -> Vec<RuntimeView<'a>> {
    pod.containers
        .iter()
        .map(|container| {
            RuntimeView::of(&ProcessView::of(pod, container, context), &context.settings)
        })
        .collect()
}

/// JVM options in the JVM's order of precedence (see `oom_core::runtime`).
fn jvm<'a>(process: &ProcessView<'a>, settings: &Settings) -> Option<JvmView<'a>> {
    let mut view = JvmView { options: JvmOptions::default(), origins: Vec::new() };
    let apply_env = |view: &mut JvmView<'a>, name: &str, source: OptionSource| {
        if let Some(value) = process.env(name) {
            let origin = view.origins.len();
            for word in split_shell_words(&value.text) {
                apply_word(&mut view.options, &word, origin, source);
            }
            view.origins.push(value.clone());
        }
    };
    apply_env(&mut view, "JAVA_TOOL_OPTIONS", OptionSource::EnvironmentVariable);
    // The launcher splices JDK_JAVA_OPTIONS into the command line.
    apply_env(&mut view, "JDK_JAVA_OPTIONS", OptionSource::CommandLine);
    for variable in &settings.jvm_launcher_variables {
        apply_env(&mut view, variable, OptionSource::CommandLine);
    }
    for word in jvm_command_line(&process.command_line) {
        apply_word(&mut view.options, &word.text, view.origins.len(), OptionSource::CommandLine);
        view.origins.push(word.clone());
    }
    apply_env(&mut view, "_JAVA_OPTIONS", OptionSource::EnvironmentVariable);
    (!view.options.is_empty()).then_some(view)
}

/// One JVM option, which may be only partly known.
fn apply_word(options: &mut JvmOptions, word: &str, origin: usize, source: OptionSource) {
    match known_prefix(word) {
        Some(prefix) => options.apply_unknown(prefix),
        None => options.apply_from(word, origin, source),
    }
}

/// The JVM options of a command line: the words between `java` and the main class or `-jar`,
/// or, when the command does not name `java` (the image's entrypoint does), any `-X…` word.
/// A word that cannot be known offline counts as an option: it may be one.
fn jvm_command_line<'w, 'a>(words: &'w [Located<'a>]) -> Vec<&'w Located<'a>> {
    match words.iter().position(|w| program_name(&w.text) == "java") {
        Some(java) => words[java + 1..]
            .iter()
            .take_while(|w| {
                (w.text.starts_with('-') || known_prefix(&w.text).is_some())
                    && w.text != "-jar"
                    && w.text != "--module"
            })
            .collect(),
        None => words
            .iter()
            .filter(|w| match known_prefix(&w.text) {
                Some(prefix) => prefix.is_empty() || prefix.starts_with("-X"),
                None => w.text.starts_with("-X"),
            })
            .collect(),
    }
}

/// Whether a partly unknown Node.js option may be `--max-old-space-size`.
fn may_set_old_space(word: &str) -> bool {
    known_prefix(word).is_some_and(|prefix| {
        let prefix = prefix.replace('_', "-");
        let flag = "--max-old-space-size";
        flag.starts_with(&prefix) || prefix.starts_with(flag)
    })
}

/// `--max-old-space-size` from the command line (after `node`), else from `NODE_OPTIONS`:
/// Node.js lets the command line override `NODE_OPTIONS`. `None` when a value that cannot be
/// known offline may set it.
fn node<'a>(process: &ProcessView<'a>) -> Option<Found<'a, Result<u64, RuntimeError>>> {
    let to_bytes = |mib: Result<u64, RuntimeError>| mib.map(|m| m.saturating_mul(1 << 20));
    if let Some(start) =
        process.command_line.iter().position(|w| matches!(program_name(&w.text), "node" | "nodejs"))
    {
        let words = &process.command_line[start + 1..];
        let options: Vec<&Located<'a>> = words
            .iter()
            .take_while(|w| {
                w.text.starts_with('-')
                    || w.text.chars().all(|c| c.is_ascii_digit())
                    || known_prefix(&w.text).is_some()
            })
            .collect();
        let unknown_at = options.iter().rposition(|w| may_set_old_space(&w.text));
        if let Some((value, index)) = node_max_old_space(options.iter().map(|w| w.text.as_str())) {
            if unknown_at.is_some_and(|u| u > index) {
                return None;
            }
            let at = options[index].clone();
            return Some(Found { value: to_bytes(value), flag: at.text.clone(), at, via: None });
        }
        if unknown_at.is_some() {
            return None;
        }
    }
    let options = process.env("NODE_OPTIONS")?;
    let words = split_shell_words(&options.text);
    let unknown_at = words.iter().rposition(|w| may_set_old_space(w));
    let (value, index) = node_max_old_space(words.iter().map(String::as_str))?;
    if unknown_at.is_some_and(|u| u > index) {
        return None;
    }
    Some(Found {
        value: to_bytes(value),
        flag: words[index].clone(),
        at: options.clone(),
        via: None,
    })
}

/// The first of `names` that is set (newer spellings first), parsed; `None` when that value
/// cannot be known offline.
fn env_setting<'a, T>(
    process: &ProcessView<'a>,
    names: &[&str],
    parse: fn(&str) -> T,
) -> Option<Found<'a, T>> {
    names
        .iter()
        .find_map(|name| {
            let at = process.env(name)?;
            if at.text.trim().is_empty() {
                return None;
            }
            Some((name, at))
        })
        .and_then(|(name, at)| {
            if known_prefix(&at.text).is_some() {
                return None;
            }
            Some(Found {
                value: parse(&at.text),
                flag: format!("{name}={}", at.text),
                at: at.clone(),
                via: process.derivation(name).map(str::to_owned),
            })
        })
}
