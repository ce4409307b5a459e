//! A file's text with a line index, so positions can be turned into byte offsets.

use std::sync::OnceLock;

/// One input: a file, or standard input shown as `<stdin>`.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user gave it or as found by the walk, used in every report.
    pub name: String,
    pub text: String,
    /// Byte offset of each line's start; 32 bits, as inputs are limited to
    /// [`MAX_SOURCE_BYTES`]. Built on first use: findings carry their line and column, and
    /// only snippets, suppression comments and `fix` need to find a line's text.
    line_starts: OnceLock<Vec<u32>>,
    /// Whether the text holds [`COMMENT_MARKER`] anywhere.
    has_suppression_comments: bool,
}

/// What every suppression comment holds, after its `#` and an optional space
/// (`# oom-lint: ignore[rule]`): sources note whether they hold it at all, so that most inputs
/// need no line looked at.
pub const COMMENT_MARKER: &str = "oom-lint: ignore[";

/// A failure to read or understand an input (exit code 2), as opposed to a finding.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    pub file: String,
    pub position: Option<Position>,
    pub message: String,
}

/// The largest input a [`SourceFile`] holds.
pub const MAX_SOURCE_BYTES: u64 = u32::MAX as u64;

/// A position in a source: 1-based line, 1-based column in characters, and its byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

impl Position {
    /// A position from 1-based line and column counts; past 2³² − 1 they saturate (inputs are
    /// capped at 4 GiB, so only a column can get there, on a line of that length).
    pub fn new(line: usize, column: usize) -> Self {
        let narrow = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Self { line: narrow(line), column: narrow(column) }
    }
}

impl SourceFile {
    /// `text` is expected to be at most [`MAX_SOURCE_BYTES`] long (`ingest` refuses larger
    /// files); lines that start beyond it are not indexed.
    pub fn new(name: String, text: String) -> Self {
        let has_suppression_comments =
            memchr::memmem::find(text.as_bytes(), COMMENT_MARKER.as_bytes()).is_some();
        Self { name, text, line_starts: OnceLock::new(), has_suppression_comments }
    }

    /// Whether any line may hold a suppression comment (`# oom-lint: ignore[...]`).
    pub fn has_suppression_comments(&self) -> bool {
        self.has_suppression_comments
    }

    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            let text = self.text.as_bytes();
            let mut starts = Vec::with_capacity(1 + memchr::memchr_iter(b'\n', text).count());
            starts.push(0);
            starts.extend(
                memchr::memchr_iter(b'\n', text).map_while(|index| u32::try_from(index + 1).ok()),
            );
            starts
        })
    }

    fn line_start(&self, index: usize) -> Option<usize> {
        self.line_starts().get(index).map(|&start| start as usize)
    }

    /// The 0-based line that holds a byte offset.
    pub fn line_index_of(&self, offset: usize) -> usize {
        self.line_starts().partition_point(|&start| start as usize <= offset).saturating_sub(1)
    }

    /// Byte range of a 0-based line, without its line break.
    pub fn line_range(&self, index: usize) -> std::ops::Range<usize> {
        let start = self.line_start(index).unwrap_or(self.text.len());
        let end = self.line_start(index + 1).unwrap_or(self.text.len());
        let line = &self.text[start..end];
        start..start + line.trim_end_matches(['\n', '\r']).len()
    }

    pub fn line_count(&self) -> usize {
        self.line_starts().len()
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        let Some(start) = line.checked_sub(1).and_then(|index| self.line_start(index)) else {
            return "";
        };
        let end = self.line_start(line).unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// The position of a byte offset (which should be on a character boundary; one that is not
    /// counts the character it falls in).
    pub fn position_of(&self, offset: usize) -> Position {
        let index = self.line_index_of(offset);
        let start = self.line_start(index).unwrap_or(0).min(self.text.len());
        let end = offset.clamp(start, self.text.len());
        let column =
            self.text.as_bytes()[start..end].iter().filter(|&&b| (b & 0xC0) != 0x80).count();
        Position::new(index + 1, column + 1)
    }

    /// The byte offset of a position; columns past the line's end clamp to it.
    pub fn byte_offset(&self, position: Position) -> usize {
        let line = self.line_text(position.line as usize);
        let Some(start) = (position.line as usize).checked_sub(1).and_then(|i| self.line_start(i))
        else {
            return self.text.len();
        };
        let within = line
            .char_indices()
            .nth((position.column as usize).saturating_sub(1))
            .map_or(line.len(), |(offset, _)| offset);
        start + within
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_characters_not_bytes() {
        let file = SourceFile::new("x".into(), "a: é\nbé: 1\r\nlast".into());
        assert_eq!(file.line_text(1), "a: é");
        assert_eq!(file.line_text(2), "bé: 1");
        assert_eq!(file.line_text(3), "last");
        assert_eq!(file.line_text(4), "");
        assert_eq!(file.byte_offset(Position { line: 2, column: 4 }), 10);
        assert_eq!(&file.text[file.byte_offset(Position { line: 3, column: 1 })..], "last");
    }
}
