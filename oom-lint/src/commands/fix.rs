//! `oom-lint fix`: plan the edits, then print them as a diff or write them atomically.

use std::io::Write;
use std::path::{Path, PathBuf};

use oom_core::text::count;

use crate::cli::FixArgs;
use crate::engine::ingest;
use crate::engine::walk::{self, Counts};
use crate::exit::ExitStatus;
use crate::finding::InputError;
use crate::{fix, observed};

pub fn run(args: &FixArgs) -> miette::Result<ExitStatus> {
    let Some(config) = super::check::config_or_report(args.config.as_deref()) else {
        return Ok(ExitStatus::InputError);
    };
    let exclude = globset::GlobSet::empty();
    let inputs = ingest::collect(
        &args.paths,
        &ingest::Options { exclude: &exclude, max_file_size: 256 << 20 },
    );
    let mut errors = inputs.errors;
    let mut usage = observed::read_dumps(&args.metrics, &mut errors);
    if let Some(fetched) = crate::live::fetch(&args.live)? {
        usage.extend(super::live_usage(fetched, &mut errors));
    }
    let documents = walk::read_documents(&inputs.sources, &mut errors);
    let model = walk::build_model(
        &inputs.sources,
        &documents,
        &config.settings,
        &mut errors,
        &mut Counts::default(),
    );
    // `fix` does not lint: a LimitRange the API server rejects is reported as `check` did before.
    errors.extend(model.rejected_limit_range_values(&inputs.sources));
    let plan = fix::plan(&inputs.sources, &model.pods, &usage, &config.settings);

    let mut out = String::new();
    let mut changed_files = 0;
    let mut changed_containers = 0;
    for (&index, file_plan) in &plan.files {
        let source = &inputs.sources[index];
        let fixed = match fix::edit::apply(&source.text, &file_plan.edits) {
            Ok(fixed) => fixed,
            Err(message) => {
                errors.push(InputError { file: source.name.clone(), position: None, message });
                continue;
            }
        };
        let rendered = !file_plan.templates.is_empty() || source.name == "<stdin>";
        if args.dry_run || rendered {
            out.push_str(&diff(&source.name, &source.text, &fixed));
            if rendered {
                let templates: Vec<&str> = file_plan.templates.iter().map(String::as_str).collect();
                let origin = if templates.is_empty() {
                    "standard input".to_owned()
                } else {
                    format!("Helm template {}", templates.join(", "))
                };
                out.push_str(&format!(
                    "# {} not rewritten: it comes from {origin}; apply the change there\n",
                    source.name
                ));
            }
            continue;
        }
        match write_atomically(Path::new(&source.name), &source.text, &fixed) {
            Ok(()) => {
                changed_files += 1;
                changed_containers += file_plan.containers.len();
                out.push_str(&format!(
                    "fixed {}: {}\n",
                    source.name,
                    file_plan.containers.join(", ")
                ));
            }
            Err(message) => {
                errors.push(InputError { file: source.name.clone(), position: None, message })
            }
        }
    }
    for skipped in &plan.skipped {
        out.push_str(&format!(
            "skipped {}:{}: {}: {}\n",
            inputs.sources[skipped.source].name, skipped.line, skipped.what, skipped.why
        ));
    }
    for error in &errors {
        match error.position {
            Some(p) => out.push_str(&format!(
                "error: {}:{}:{}: {}\n",
                error.file, p.line, p.column, error.message
            )),
            None => out.push_str(&format!("error: {}: {}\n", error.file, error.message)),
        }
    }
    if !args.dry_run {
        out.push_str(&format!(
            "{} fixed in {}\n",
            count(changed_containers, "container", "containers"),
            count(changed_files, "file", "files")
        ));
    }
    super::write_stdout(out.as_bytes())?;
    // As for `check`: 2 on input errors, 1 when a manifest is left with what `check` reports as
    // an error, 0 when everything needed was written.
    Ok(if !errors.is_empty() {
        ExitStatus::InputError
    } else if plan.skipped.iter().any(|skipped| skipped.leaves_error) {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}

/// A unified diff with `git diff`'s headers: `a/` and `b/` before the path, an absolute path
/// without its leading slash (`a/work/x.yaml`, as `git diff --no-index` prints it).
fn diff(name: &str, old: &str, new: &str) -> String {
    let path = name.trim_start_matches('/');
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

/// Temp file beside the original, then rename: a reader sees the old file or the new one, never
/// half of either. Refuses when the file changed since it was read.
fn write_atomically(path: &Path, original: &str, fixed: &str) -> Result<(), String> {
    let current = std::fs::read(path).map_err(|e| format!("cannot re-read before writing: {e}"))?;
    // Written back in the encoding it was read in (a byte-order mark, UTF-16 from PowerShell).
    let decoded = oom_core::text::decode(&current).ok().filter(|d| d.text == original);
    let Some(encoding) = decoded.map(|d| d.encoding) else {
        return Err("changed since it was read; not written (run fix again)".into());
    };
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp: PathBuf =
        path.with_file_name(format!(".{file_name}.oom-lint-{}.tmp", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(&encoding.encode(fixed))?;
        file.sync_all()?;
        let permissions = std::fs::metadata(path)?.permissions();
        std::fs::set_permissions(&temp, permissions)?;
        std::fs::rename(&temp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        format!("cannot write: {e}")
    })
}

#[cfg(test)]
mod tests {
    use super::write_atomically;

    #[test]
    fn refuses_a_file_that_changed_since_it_was_read() {
        let dir = std::env::temp_dir().join(format!("oom-lint-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let path = dir.join("x.yaml");
        std::fs::write(&path, "a: 2\n").unwrap_or_else(|e| panic!("{e}"));
        let refused = write_atomically(&path, "a: 1\n", "a: 3\n");
        assert!(refused.is_err_and(|e| e.contains("changed since it was read")));
        assert_eq!(std::fs::read_to_string(&path).unwrap_or_default(), "a: 2\n");
        assert!(write_atomically(&path, "a: 2\n", "a: 3\n").is_ok());
        assert_eq!(std::fs::read_to_string(&path).unwrap_or_default(), "a: 3\n");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
