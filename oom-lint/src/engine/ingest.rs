//! Paths → sources: files, walked directories and standard input, each read whole and checked
//! for being text. Anything that cannot be read becomes an [`InputError`]; the rest go on.

use std::io::Read;
use std::path::{Path, PathBuf};

use globset::GlobSet;

use super::source::{InputError, MAX_SOURCE_BYTES, Position, SourceFile};

/// Longest line accepted. Long base64 blobs in ConfigMaps fit; a runaway generator's output not.
const MAX_LINE_BYTES: usize = 16 << 20;

/// Extensions of manifests picked up when walking a directory.
const MANIFEST_EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

#[derive(Debug, Default)]
pub struct Inputs {
    pub sources: Vec<SourceFile>,
    pub errors: Vec<InputError>,
    /// Files that matched an exclude glob, for the summary.
    pub excluded: usize,
    /// `templates/` folders of Helm charts met while walking: Go templates, not manifests.
    pub skipped_chart_templates: Vec<String>,
}

#[derive(Debug)]
pub struct Options<'a> {
    pub exclude: &'a GlobSet,
    pub max_file_size: u64,
}

pub fn collect(paths: &[PathBuf], options: &Options<'_>) -> Inputs {
    let options =
        &Options { max_file_size: options.max_file_size.min(MAX_SOURCE_BYTES), ..*options };
    let mut inputs = Inputs::default();
    for path in paths {
        if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            let read = std::io::stdin()
                .lock()
                .take(options.max_file_size.saturating_add(1))
                .read_to_end(&mut bytes);
            inputs.add("<stdin>".to_owned(), read.map(|_| bytes), options.max_file_size);
        } else if path.is_dir() {
            walk(path, options, &mut inputs);
        } else if is_excluded(path, options.exclude) {
            inputs.excluded += 1;
        } else {
            let name = display_name(path);
            inputs.add(name, read_file(path, options.max_file_size), options.max_file_size);
        }
    }
    inputs
}

fn walk(root: &Path, options: &Options<'_>, inputs: &mut Inputs) {
    let skipped = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let skipped_in_filter = std::sync::Arc::clone(&skipped);
    let walker = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .hidden(true)
        .follow_links(true)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(move |entry| {
            let is_chart_templates = entry.file_name() == "templates"
                && entry.file_type().is_some_and(|t| t.is_dir())
                && entry.path().parent().is_some_and(|chart| chart.join("Chart.yaml").is_file());
            if is_chart_templates && let Ok(mut skipped) = skipped_in_filter.lock() {
                skipped.push(display_name(entry.path()));
            }
            !is_chart_templates
        })
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) if error.is_io() => {
                inputs.errors.push(InputError {
                    file: error_path(&error).map_or_else(|| display_name(root), display_name),
                    position: None,
                    message: format!("cannot read: {error}"),
                });
                continue;
            }
            // A symlink loop is not followed (its files are walked once already), but said.
            Err(error) => {
                inputs.errors.push(InputError {
                    file: error_path(&error).map_or_else(|| display_name(root), display_name),
                    position: None,
                    message: format!("not followed: {error}"),
                });
                continue;
            }
        };
        let path = entry.path();
        let is_manifest = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| MANIFEST_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
        if !is_manifest || entry.file_type().is_some_and(|t| t.is_dir()) {
            continue;
        }
        if is_excluded(path, options.exclude) {
            inputs.excluded += 1;
            continue;
        }
        inputs.add(
            display_name(path),
            read_file(path, options.max_file_size),
            options.max_file_size,
        );
    }
    if let Ok(mut skipped) = skipped.lock() {
        inputs.skipped_chart_templates.append(&mut skipped);
    }
}

/// The path a walk error is about: the symlink of a loop, or the entry that failed.
fn error_path(error: &ignore::Error) -> Option<&Path> {
    match error {
        ignore::Error::Loop { child, .. } => Some(child),
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

fn is_excluded(path: &Path, exclude: &GlobSet) -> bool {
    let trimmed = path.strip_prefix(".").unwrap_or(path);
    exclude.is_match(trimmed) || exclude.is_match(path)
}

fn display_name(path: &Path) -> String {
    let text = path.to_string_lossy();
    text.strip_prefix("./").unwrap_or(&text).to_owned()
}

fn read_file(path: &Path, max_size: u64) -> std::io::Result<Vec<u8>> {
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(std::io::Error::other("not a regular file (a directory, FIFO or device?)"));
    }
    // Sized up front: growing by doubling would briefly hold a large file twice.
    let expected = metadata.len().min(max_size).saturating_add(1);
    let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    std::fs::File::open(path)?.take(max_size.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok(bytes)
}

impl Inputs {
    fn add(&mut self, name: String, bytes: std::io::Result<Vec<u8>>, max_size: u64) {
        match bytes
            .map_err(|e| (format!("cannot read: {e}"), None))
            .and_then(|b| decode(b, max_size))
        {
            Ok(text) => self.sources.push(SourceFile::new(name, text)),
            Err((message, line)) => self.errors.push(InputError {
                file: name,
                position: line.map(|line| Position::new(line, 1)),
                message,
            }),
        }
    }
}

type DecodeError = (String, Option<usize>);

/// The text of a file: UTF-8, or UTF-16 with its byte-order mark (what PowerShell's `>`
/// writes), decoded by [`oom_core::text::decode`] like every text input of every command.
fn decode(bytes: Vec<u8>, max_size: u64) -> Result<String, DecodeError> {
    if bytes.len() as u64 > max_size {
        return Err((
            format!(
                "larger than the {} MiB limit; not read (raise it with --max-file-size)",
                max_size >> 20
            ),
            None,
        ));
    }
    let text = match oom_core::text::decode(&bytes) {
        Ok(decoded) => decoded.text.into_owned(),
        // A NUL byte is what tells a binary file; say that rather than "invalid UTF-8".
        Err(_) if bytes.contains(&0) => {
            let index = bytes.iter().position(|&b| b == 0).unwrap_or(0);
            return Err((
                "binary file (contains NUL bytes), not a YAML or JSON manifest".to_owned(),
                Some(line_of(&bytes, index)),
            ));
        }
        Err(oom_core::text::DecodeError::Utf8 { valid_up_to, checked_from }) => {
            let line = line_of(&bytes, checked_from + valid_up_to);
            return Err(("not valid UTF-8 text".to_owned(), Some(line)));
        }
        Err(error) => return Err((error.to_string(), None)),
    };
    if let Some(index) = text.find('\0') {
        return Err((
            "binary file (contains NUL bytes), not a YAML or JSON manifest".to_owned(),
            Some(line_of(text.as_bytes(), index)),
        ));
    }
    // No manifest has a line this long, and a parser fed one would hold it all in one scalar.
    for (index, line) in text.as_bytes().split(|&b| b == b'\n').enumerate() {
        if line.len() > MAX_LINE_BYTES {
            return Err((
                format!(
                    "line {} is {} MiB long, above the {} MiB a manifest line may have; not read",
                    index + 1,
                    line.len() >> 20,
                    MAX_LINE_BYTES >> 20
                ),
                Some(index + 1),
            ));
        }
    }
    Ok(text)
}

fn line_of(bytes: &[u8], index: usize) -> usize {
    bytes[..index].iter().filter(|&&b| b == b'\n').count() + 1
}
