//! A file's text with a line index, so positions can be turned into byte offsets.

use std::sync::Arc;

/// One input: a file, or standard input shown as `<stdin>`.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user gave it or as found by the walk, used in every report.
    pub name: String,
    pub text: Arc<str>,
    line_starts: Vec<usize>,
}

/// A position in a source: 1-based line, 1-based column in characters, and its byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl SourceFile {
    pub fn new(name: String, text: String) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(index, _)| index + 1))
            .collect();
        Self { name, text: Arc::from(text), line_starts }
    }

    /// The 0-based line that holds a byte offset.
    pub fn line_index_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset).saturating_sub(1)
    }

    /// Byte range of a 0-based line, without its line break.
    pub fn line_range(&self, index: usize) -> std::ops::Range<usize> {
        let start = self.line_starts.get(index).copied().unwrap_or(self.text.len());
        let end = self.line_starts.get(index + 1).copied().unwrap_or(self.text.len());
        let line = &self.text[start..end];
        start..start + line.trim_end_matches(['\n', '\r']).len()
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        let Some(&start) = line.checked_sub(1).and_then(|index| self.line_starts.get(index)) else {
            return "";
        };
        let end = self.line_starts.get(line).copied().unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// The byte offset of a position; columns past the line's end clamp to it.
    pub fn byte_offset(&self, position: Position) -> usize {
        let line = self.line_text(position.line);
        let Some(&start) = position.line.checked_sub(1).and_then(|i| self.line_starts.get(i))
        else {
            return self.text.len();
        };
        let within = line
            .char_indices()
            .nth(position.column.saturating_sub(1))
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
