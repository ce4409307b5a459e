//! `.oom-lint.yaml`: per-rule severities and exclude globs. Unknown keys and rule ids are errors
//! that point at their line, so a typo never silently disables nothing.
//!
//! ```yaml
//! rules:
//!   memory-request-missing: off      # off | note | warning | error
//!   emptydir-memory-unbounded: error
//! exclude:
//!   - "charts/*/tests/**"
//! settings:
//!   heap-ratio: 0.75                 # heap share of the limit before jvm-heap-headroom-low
//!   go-memlimit-ratio: 0.9
//!   jvm-launcher-variables: [APP_JAVA_OPTS]   # added to the built-in list
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::engine::source::SourceFile;
use crate::engine::yaml::{self, Node};
use crate::finding::{InputError, Severity};
use crate::rules;
pub use crate::settings::Settings;

pub const FILE_NAMES: [&str; 2] = [".oom-lint.yaml", ".oom-lint.yml"];

#[derive(Debug, Default)]
pub struct Config {
    /// Where it was read from, if anywhere.
    pub path: Option<PathBuf>,
    /// Per-rule severity; `None` turns the rule off.
    pub severities: HashMap<&'static str, Option<Severity>>,
    pub exclude: Vec<String>,
    pub settings: Settings,
}

impl Config {
    /// The severity a rule reports at, or `None` when it is off.
    pub fn severity(&self, rule: &rules::Rule) -> Option<Severity> {
        self.configured(rule).unwrap_or(Some(rule.default_severity))
    }

    /// What the config sets for a rule: its own entry, else that of the rule it refines.
    pub fn configured(&self, rule: &rules::Rule) -> Option<Option<Severity>> {
        rule.ids().find_map(|id| self.severities.get(id).copied())
    }
}

/// `--config FILE`, else the first config file found from `start` upwards.
pub fn discover(explicit: Option<&Path>, start: &Path) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_owned());
    }
    start.ancestors().find_map(|dir| {
        FILE_NAMES.iter().map(|name| dir.join(name)).find(|candidate| candidate.is_file())
    })
}

pub fn load(path: &Path) -> Result<Config, Vec<InputError>> {
    let name = path.to_string_lossy().into_owned();
    let failed = |message: String| vec![InputError { file: name.clone(), position: None, message }];
    let bytes = std::fs::read(path).map_err(|e| failed(format!("cannot read config: {e}")))?;
    // Decoded as every input is: UTF-8, or UTF-16 as PowerShell writes it.
    let text = oom_core::text::decode(&bytes)
        .map_err(|e| failed(format!("cannot read config: {e}")))?
        .text
        .into_owned();
    let mut config = parse(&SourceFile::new(name, text))?;
    config.path = Some(path.to_owned());
    Ok(config)
}

pub fn parse(file: &SourceFile) -> Result<Config, Vec<InputError>> {
    let mut errors = Vec::new();
    let mut config = Config::default();
    let error = |node: &Node, message: String| InputError {
        file: file.name.clone(),
        position: Some(node.start),
        message,
    };
    for document in yaml::parse_stream(file, yaml::Limits::default()) {
        let document = match document {
            Ok(document) => document,
            Err(e) => {
                errors.push(InputError {
                    file: file.name.clone(),
                    position: Some(e.position),
                    message: e.message,
                });
                continue;
            }
        };
        if !document.root.is_mapping() {
            errors.push(error(&document.root, "the config must be a mapping".into()));
            continue;
        }
        for (key, value) in document.root.entries() {
            match key.as_str() {
                Some("rules") => {
                    if !value.is_mapping() && !value.is_null() {
                        errors.push(error(
                            value,
                            "`rules` must map rule ids to off|note|warning|error".into(),
                        ));
                    }
                    for (id, level) in value.entries() {
                        let id_text = id.as_str().unwrap_or_default();
                        let Some(rule) = rules::find(id_text) else {
                            errors.push(error(
                                id,
                                format!("unknown rule `{id_text}` (see `oom-lint rules`)"),
                            ));
                            continue;
                        };
                        match level.as_str() {
                            Some("off") => {
                                config.severities.insert(rule.id, None);
                            }
                            Some(text) if Severity::parse(text).is_some() => {
                                config.severities.insert(rule.id, Severity::parse(text));
                            }
                            _ => errors.push(error(
                                level,
                                format!("`{id_text}`: expected off, note, warning or error"),
                            )),
                        }
                    }
                }
                Some("exclude") => match value.as_sequence() {
                    Some(items) => {
                        for item in items {
                            match item.as_str() {
                                Some(glob) => match globset::Glob::new(glob) {
                                    Ok(_) => config.exclude.push(glob.to_owned()),
                                    Err(e) => {
                                        errors.push(error(item, format!("invalid glob: {e}")))
                                    }
                                },
                                None => errors.push(error(
                                    item,
                                    "an exclude entry must be a glob string".into(),
                                )),
                            }
                        }
                    }
                    None if value.is_null() => {}
                    None => errors.push(error(value, "`exclude` must be a list of globs".into())),
                },
                Some("settings") => {
                    if !value.is_mapping() && !value.is_null() {
                        errors.push(error(value, "`settings` must be a mapping".into()));
                    }
                    for (name, setting) in value.entries() {
                        let ratio = || setting.as_str().and_then(|t| t.parse::<f64>().ok());
                        match name.as_str() {
                            Some("heap-ratio") => match ratio().filter(|r| *r > 0.0 && *r < 1.0) {
                                Some(r) => config.settings.heap_ratio = r,
                                None => errors.push(error(setting, "`heap-ratio` must be a number above 0 and below 1, e.g. 0.75".into())),
                            },
                            Some("go-memlimit-ratio") => match ratio().filter(|r| *r > 0.0 && *r <= 1.0) {
                                Some(r) => config.settings.go_memlimit_ratio = r,
                                None => errors.push(error(setting, "`go-memlimit-ratio` must be a number above 0 up to 1, e.g. 0.9".into())),
                            },
                            Some("jvm-launcher-variables") => match setting.as_sequence() {
                                Some(items) => {
                                    for item in items {
                                        match item.as_str() {
                                            Some(variable) => config.settings.jvm_launcher_variables.push(variable.to_owned()),
                                            None => errors.push(error(item, "expected a variable name".into())),
                                        }
                                    }
                                }
                                None => errors.push(error(setting, "`jvm-launcher-variables` must be a list of variable names".into())),
                            },
                            _ => errors.push(error(
                                name,
                                format!(
                                    "unknown setting `{}`: expected heap-ratio, go-memlimit-ratio or jvm-launcher-variables",
                                    name.as_str().unwrap_or("?")
                                ),
                            )),
                        }
                    }
                }
                _ => errors.push(error(
                    key,
                    format!(
                        "unknown key `{}`: expected `rules`, `exclude` or `settings`",
                        key.as_str().unwrap_or("?")
                    ),
                )),
            }
        }
    }
    if errors.is_empty() { Ok(config) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Config, Vec<InputError>> {
        parse(&SourceFile::new(".oom-lint.yaml".into(), text.into()))
    }

    #[test]
    fn reads_rules_and_excludes() {
        let config = parse_text(
            "rules:\n  memory-request-missing: off\n  emptydir-memory-unbounded: error\nexclude: [\"vendor/**\"]\n",
        );
        let Ok(config) = config else { panic!("{config:?}") };
        assert_eq!(config.severities.get("memory-request-missing"), Some(&None));
        assert_eq!(
            config.severities.get("emptydir-memory-unbounded"),
            Some(&Some(Severity::Error))
        );
        assert_eq!(config.exclude, ["vendor/**"]);
    }

    #[test]
    fn unknown_keys_and_ids_point_at_their_line() {
        let Err(errors) =
            parse_text("rules:\n  no-such-rule: off\n  memory-limit-missing: loud\nexlude: []\n")
        else {
            panic!()
        };
        let lines: Vec<_> = errors.iter().map(|e| e.position.map(|p| p.line)).collect();
        assert_eq!(lines, [Some(2), Some(3), Some(4)]);
        assert!(errors[0].message.contains("no-such-rule"));
        assert!(errors[2].message.contains("exlude"));
    }
}
