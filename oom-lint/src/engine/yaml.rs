//! YAML (and JSON) streams → documents of positioned nodes.
//!
//! Built on `saphyr-parser`'s event stream rather than a ready-made tree so that every node keeps
//! its position, aliases are expanded under a budget (a "billion laughs" document is refused, not
//! materialised), and nesting depth is bounded. A stream is split at `---` lines before parsing,
//! so a syntax error in one document does not hide the documents after it.

use std::collections::HashMap;

use compact_str::CompactString;
use saphyr_parser::{Event, Marker, Parser, ScalarStyle};

use super::source::{Position, SourceFile};

/// Bounds that keep hostile input from exhausting memory or the stack.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest nesting of sequences and mappings accepted.
    pub max_depth: usize,
    /// Nodes that alias expansion may add to a document beyond this floor...
    pub min_alias_nodes: usize,
    /// ...or beyond this many times the document's own events, whichever is larger.
    pub alias_nodes_per_event: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_depth: 200, min_alias_nodes: 10_000, alias_nodes_per_event: 4 }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub start: Position,
    pub end: Position,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Most scalars (keys, quantities, names) fit inline in a `CompactString`: no allocation.
    Scalar {
        text: CompactString,
        style: Style,
    },
    /// Collections are sized exactly: a large stream holds millions of them.
    Sequence(Box<[Node]>),
    Mapping(Box<[(Node, Node)]>),
}

/// How a scalar was written: decoding it again from the source (to find where part of its value
/// was written) depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// `|`: the node starts at the first content character, after the header line.
    Literal,
    /// `>`: likewise.
    Folded,
}

impl Node {
    /// The value under `key` in a mapping, following `<<` merge keys as Kubernetes' YAML does.
    pub fn get(&self, key: &str) -> Option<&Node> {
        let Value::Mapping(entries) = &self.value else {
            return None;
        };
        entries.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v).or_else(|| {
            let (_, merged) = entries.iter().find(|(k, _)| k.as_str() == Some("<<"))?;
            match &merged.value {
                Value::Mapping(_) => merged.get(key),
                Value::Sequence(items) => items.iter().find_map(|item| item.get(key)),
                Value::Scalar { .. } => None,
            }
        })
    }

    /// The key node of an entry, for pointing at `resources:` rather than its contents.
    pub fn key_node(&self, key: &str) -> Option<&Node> {
        let Value::Mapping(entries) = &self.value else {
            return None;
        };
        entries.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(k, _)| k)
    }

    /// Follows a path of mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    /// The text of a scalar that is not null.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } if !self.is_null() => Some(text),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, style: Style::Plain }
            if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    pub fn as_sequence(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Sequence(items) => Some(items),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Mapping(entries) => entries,
            _ => &[],
        }
    }

    pub fn is_mapping(&self) -> bool {
        matches!(self.value, Value::Mapping(_))
    }

    /// What the node is, in words, for error messages.
    pub fn type_name(&self) -> &'static str {
        match &self.value {
            Value::Scalar { .. } if self.is_null() => "null",
            Value::Scalar { .. } => "a scalar",
            Value::Sequence(_) => "a list",
            Value::Mapping(_) => "a mapping",
        }
    }

    fn count(&self) -> usize {
        1 + match &self.value {
            Value::Scalar { .. } => 0,
            Value::Sequence(items) => items.iter().map(Node::count).sum(),
            Value::Mapping(entries) => entries.iter().map(|(k, v)| k.count() + v.count()).sum(),
        }
    }
}

/// Where part of a scalar's value was written: `range` is a byte range of the value as decoded
/// (quotes, escapes, indentation and line folding removed), the result the byte range of the
/// source text it was decoded from. Findings about a flag inside an env value or a script use it
/// to point at the flag itself rather than at the whole scalar.
///
/// The scalar's style is read from the source at the node's start (a quote, `|`, `>`, or a
/// plain character); the value is decoded again from there as YAML does, and the result is
/// trusted only if that decoding reproduces the parser's value. `None` otherwise (an alias, a
/// style this decoder gets wrong), and callers fall back to the whole node.
pub fn scalar_source_range(
    source: &SourceFile,
    node: &Node,
    range: std::ops::Range<usize>,
) -> Option<std::ops::Range<usize>> {
    let Value::Scalar { text, style } = &node.value else { return None };
    if range.start > range.end
        || range.end > text.len()
        || !text.is_char_boundary(range.start)
        || !text.is_char_boundary(range.end)
    {
        return None;
    }
    let mut start = source.byte_offset(node.start);
    let mut indent = 0;
    if matches!(style, Style::Literal | Style::Folded) {
        // Decoded from the start of the line, so that every line is cut at the indentation.
        let line_start = source.byte_offset(Position { column: 1, ..node.start });
        indent = start - line_start;
        start = line_start;
    }
    let raw = source.text.get(start..)?;
    let pieces = decode_scalar(raw, indent, *style, text)?;
    // One piece per decoded character: the byte range of the source it came from.
    let mut decoded = 0;
    let (mut from, mut to) = (None, None);
    for (character, piece) in text.chars().zip(&pieces) {
        if decoded == range.start && from.is_none() {
            from = Some(piece.start);
        }
        decoded += character.len_utf8();
        if decoded == range.end {
            to = Some(piece.end);
            break;
        }
    }
    if range.is_empty() {
        let at = from.or_else(|| pieces.last().map(|p| p.end))?;
        return Some(start + at..start + at);
    }
    Some(start + from?..start + to?)
}

/// The source ranges (relative to `raw`) of each character of `value`, decoding `raw` in its
/// style; `None` unless the decoding reproduces `value`.
fn decode_scalar(
    raw: &str,
    indent: usize,
    style: Style,
    value: &str,
) -> Option<Vec<std::ops::Range<usize>>> {
    let mut decoder = Decoder { raw, at: 0, out: String::new(), pieces: Vec::new(), want: value };
    // An alias starts at its `*`: the text there is not the value.
    let expected = match style {
        Style::SingleQuoted => Some('\''),
        Style::DoubleQuoted => Some('"'),
        _ => None,
    };
    let first = raw.chars().next()?;
    if expected.is_some_and(|quote| quote != first) || matches!(first, '*' | '&' | '!') {
        return None;
    }
    match style {
        Style::DoubleQuoted => decoder.flow(true),
        Style::SingleQuoted => decoder.flow(false),
        Style::Literal => decoder.block(true, indent),
        Style::Folded => decoder.block(false, indent),
        Style::Plain => decoder.plain(),
    }
    (decoder.out == value).then_some(decoder.pieces)
}

/// Re-decodes one scalar, recording where each character of the value came from.
struct Decoder<'r> {
    raw: &'r str,
    at: usize,
    out: String,
    pieces: Vec<std::ops::Range<usize>>,
    want: &'r str,
}

impl Decoder<'_> {
    fn done(&self) -> bool {
        self.out.len() >= self.want.len()
    }

    fn peek(&self) -> Option<char> {
        self.raw[self.at..].chars().next()
    }

    fn emit(&mut self, character: char, from: usize, to: usize) {
        self.out.push(character);
        self.pieces.push(from..to);
    }

    /// The length of a line break at `at` (`\n`, `\r\n` or `\r`), or 0.
    fn line_break(&self, at: usize) -> usize {
        let rest = &self.raw.as_bytes()[at.min(self.raw.len())..];
        match rest {
            [b'\r', b'\n', ..] => 2,
            [b'\n' | b'\r', ..] => 1,
            _ => 0,
        }
    }

    /// At a line break inside a flow or plain scalar: folds it and the empty lines after it
    /// (one break is a space, each empty line a newline), skipping the next line's indentation.
    fn fold(&mut self) {
        let first = self.at;
        let mut empty_lines = 0;
        loop {
            self.at += self.line_break(self.at);
            while matches!(self.peek(), Some(' ' | '\t')) {
                self.at += 1;
            }
            if self.line_break(self.at) > 0 {
                empty_lines += 1;
            } else {
                break;
            }
        }
        if empty_lines == 0 {
            self.emit(' ', first, self.at);
        } else {
            for _ in 0..empty_lines {
                self.emit('\n', first, self.at);
            }
        }
    }

    /// Spaces and tabs are kept unless only a line break follows them.
    fn white(&mut self) -> bool {
        let end = self.raw[self.at..]
            .find(|c| c != ' ' && c != '\t')
            .map_or(self.raw.len(), |i| self.at + i);
        if self.line_break(end) > 0 {
            self.at = end;
            return true;
        }
        false
    }

    fn plain(&mut self) {
        while !self.done() {
            let Some(character) = self.peek() else { return };
            if self.line_break(self.at) > 0 {
                self.fold();
            } else if matches!(character, ' ' | '\t') && self.white() {
            } else {
                let start = self.at;
                self.at += character.len_utf8();
                self.emit(character, start, self.at);
            }
        }
    }

    fn flow(&mut self, double: bool) {
        let quote = if double { '"' } else { '\'' };
        self.at += 1;
        while !self.done() {
            let Some(character) = self.peek() else { return };
            let start = self.at;
            if self.line_break(self.at) > 0 {
                self.fold();
            } else if matches!(character, ' ' | '\t') && self.white() {
            } else if !double && self.raw[self.at..].starts_with("''") {
                self.at += 2;
                self.emit('\'', start, self.at);
            } else if character == quote {
                return;
            } else if double && character == '\\' {
                self.at += 1;
                let breaks = self.line_break(self.at);
                if breaks > 0 {
                    // An escaped line break joins the lines with nothing between them.
                    self.at += breaks;
                    while matches!(self.peek(), Some(' ' | '\t')) {
                        self.at += 1;
                    }
                    continue;
                }
                let Some(decoded) = self.escape() else { return };
                self.emit(decoded, start, self.at);
            } else {
                self.at += character.len_utf8();
                self.emit(character, start, self.at);
            }
        }
    }

    /// The character a double-quoted escape (after its `\`) stands for.
    fn escape(&mut self) -> Option<char> {
        let letter = self.peek()?;
        self.at += letter.len_utf8();
        let hex_digits = match letter {
            'x' => 2,
            'u' => 4,
            'U' => 8,
            _ => {
                return Some(match letter {
                    '0' => '\0',
                    'a' => '\u{7}',
                    'b' => '\u{8}',
                    't' | '\t' => '\t',
                    'n' => '\n',
                    'v' => '\u{b}',
                    'f' => '\u{c}',
                    'r' => '\r',
                    'e' => '\u{1b}',
                    'N' => '\u{85}',
                    '_' => '\u{a0}',
                    'L' => '\u{2028}',
                    'P' => '\u{2029}',
                    ' ' | '"' | '/' | '\\' => letter,
                    _ => return None,
                });
            }
        };
        let digits = self.raw.get(self.at..self.at + hex_digits)?;
        self.at += hex_digits;
        char::from_u32(u32::from_str_radix(digits, 16).ok()?)
    }

    /// `|` (literal) and `>` (folded) blocks. `raw` starts at the start of the first content
    /// line, and `indent` is the content's indentation: the parser starts the node at the first
    /// content character, after the header line and any empty lines, whose breaks lead the value.
    fn block(&mut self, literal: bool, indent: usize) {
        let leading = self.want.len() - self.want.trim_start_matches('\n').len();
        for _ in 0..leading {
            self.emit('\n', indent, indent);
        }
        let mut offset = 0;
        let mut pending_breaks: Vec<(usize, usize)> = Vec::new();
        let mut previous_spaced = false;
        let mut seen_content = false;
        for line in self.raw.split_inclusive('\n') {
            let line_start = offset;
            offset += line.len();
            let content = line.trim_end_matches(['\n', '\r']);
            let break_range = (line_start + content.len(), offset);
            if content.trim().is_empty() {
                pending_breaks.push(break_range);
                continue;
            }
            let spaces = content.len() - content.trim_start_matches(' ').len();
            if spaces < indent {
                // The block ends; its trailing breaks are kept as far as its chomping keeps them.
                break;
            }
            let spaced = content[indent..].starts_with([' ', '\t']);
            // The breaks before this line: kept in a literal block; in a folded one, the first
            // is a space unless empty lines follow it or a more-indented line is next to it.
            let breaks = std::mem::take(&mut pending_breaks);
            if let Some((&first, rest)) = breaks.split_first().filter(|_| seen_content) {
                if literal || previous_spaced || spaced {
                    self.emit_breaks(std::iter::once(first).chain(rest.iter().copied()));
                } else if rest.is_empty() {
                    self.emit(' ', first.0, first.1);
                } else {
                    self.emit_breaks(rest.iter().copied());
                }
            }
            let start = line_start + indent;
            for (index, character) in content[indent..].char_indices() {
                if self.done() {
                    return;
                }
                let at = start + index;
                self.emit(character, at, at + character.len_utf8());
            }
            if self.done() {
                return;
            }
            pending_breaks.push(break_range);
            previous_spaced = spaced;
            seen_content = true;
        }
        self.emit_breaks(pending_breaks.into_iter());
    }

    fn emit_breaks(&mut self, breaks: impl Iterator<Item = (usize, usize)>) {
        for (from, to) in breaks {
            if self.done() {
                return;
            }
            self.emit('\n', from, to);
        }
    }
}

/// One document of a stream, with the Helm template it was rendered from.
#[derive(Debug)]
pub struct Document {
    pub root: Node,
    /// From a `# Source: chart/templates/x.yaml` comment before the document.
    pub template: Option<String>,
    /// Keys given twice in one mapping, which the API server's decoder rejects. The document
    /// is still read (the later value wins, as in JSON) so its other findings are not lost.
    pub duplicate_keys: Vec<YamlError>,
}

/// Why (part of) a stream could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub position: Position,
    pub message: String,
}

/// Parses every document of a stream. Errors are per document; the others are still returned.
pub fn parse_stream(file: &SourceFile, limits: Limits) -> Vec<Result<Document, YamlError>> {
    let mut parser = ChunkParser::new(limits);
    split_documents(&file.text).iter().flat_map(|chunk| parser.parse(chunk)).collect()
}

/// Parses chunk after chunk, reusing its working buffers: a stream has thousands of small
/// documents, and growing fresh buffers for each costs more than building their trees.
#[derive(Debug)]
pub struct ChunkParser {
    builder: Builder,
}

impl ChunkParser {
    pub fn new(limits: Limits) -> Self {
        Self { builder: Builder::new(1, limits) }
    }

    /// The documents of one chunk (see [`split_documents`]): usually one, or those a stream
    /// separates without `---` lines.
    pub fn parse(&mut self, chunk: &Chunk<'_>) -> Vec<Result<Document, YamlError>> {
        self.builder.reset(chunk.first_line);
        parse_with(&mut self.builder, chunk)
    }
}

fn parse_with(builder: &mut Builder, chunk: &Chunk<'_>) -> Vec<Result<Document, YamlError>> {
    let mut results = Vec::new();
    let sources = source_comments(chunk.first_line, chunk.text);
    let mut parser = Parser::new_from_str(chunk.text);
    loop {
        match parser.next_event() {
            None | Some(Ok((Event::StreamEnd, _))) => break,
            Some(Ok((event, span))) => match builder.on_event(event, span.start) {
                Ok(Some(root)) => {
                    let template = sources
                        .iter()
                        .rev()
                        .find(|(line, _)| *line <= root.start.line as usize)
                        .map(|(_, template)| template.clone());
                    let duplicate_keys = std::mem::take(&mut builder.duplicate_keys);
                    if !root.is_null() {
                        results.push(Ok(Document { root, template, duplicate_keys }));
                    }
                }
                Ok(None) => {}
                Err(error) => {
                    results.push(Err(error));
                    break;
                }
            },
            Some(Err(error)) => {
                results.push(Err(YamlError {
                    position: builder.position(*error.marker()),
                    message: format!("invalid YAML: {}", error.info()),
                }));
                break;
            }
        }
    }
    results
}

/// A slice of a stream that starts at a document boundary.
#[derive(Debug, Clone, Copy)]
pub struct Chunk<'a> {
    /// 1-based line of the file where `text` starts.
    pub first_line: usize,
    pub text: &'a str,
}

/// Splits at `---` lines at column 0, the only place a new document can start: documents are
/// independent, so the chunks can be parsed in any order, on any thread, and a syntax error in
/// one does not hide the others.
pub fn split_documents(text: &str) -> Vec<Chunk<'_>> {
    split(text, 1, 1)
}

/// Splits into runs of whole documents of at least `min_bytes` each (the last may be shorter):
/// units of work that [`Chunk::documents`] splits further.
pub fn split_batches(text: &str, min_bytes: usize) -> Vec<Chunk<'_>> {
    split(text, 1, min_bytes.max(1))
}

impl<'a> Chunk<'a> {
    /// The documents of a chunk (see [`split_documents`]), with their lines in the file.
    pub fn documents(&self) -> Vec<Chunk<'a>> {
        split(self.text, self.first_line, 1)
    }
}

fn split(text: &str, first_line: usize, min_bytes: usize) -> Vec<Chunk<'_>> {
    let line_starts_with_marker = text.starts_with("---").then_some(0);
    let candidates = line_starts_with_marker
        .into_iter()
        .chain(memchr::memmem::find_iter(text.as_bytes(), b"\n---").map(|i| i + 1));
    let mut chunks = Vec::new();
    let (mut start, mut start_line) = (0, first_line);
    for offset in candidates {
        if offset - start < min_bytes {
            continue;
        }
        let rest = &text[offset + 3..];
        let rest_of_line = rest[..rest.find('\n').unwrap_or(rest.len())].trim_end_matches('\r');
        let is_marker = rest_of_line.is_empty() || rest_of_line.starts_with([' ', '\t']);
        if is_marker {
            chunks.push(Chunk { first_line: start_line, text: &text[start..offset] });
            start_line += newlines(&text[start..offset]);
            start = offset;
        }
    }
    if text.len() > start {
        chunks.push(Chunk { first_line: start_line, text: &text[start..] });
    }
    chunks
}

fn newlines(text: &str) -> usize {
    memchr::memchr_iter(b'\n', text.as_bytes()).count()
}

/// `# Source:` comments Helm writes before each rendered document, with their lines.
fn source_comments(first_line: usize, text: &str) -> Vec<(usize, String)> {
    let mut comments = Vec::new();
    let (mut line, mut counted_to) = (first_line, 0);
    for offset in memchr::memmem::find_iter(text.as_bytes(), b"# Source:") {
        let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        if !text[line_start..offset].trim_start().is_empty() {
            continue;
        }
        line += newlines(&text[counted_to..offset]);
        counted_to = offset;
        let rest = &text[offset + "# Source:".len()..];
        let template = rest[..rest.find('\n').unwrap_or(rest.len())].trim();
        if !template.is_empty() {
            comments.push((line, template.to_owned()));
        }
    }
    comments
}

/// An open collection; its finished children wait on the builder's shared scratch stacks from
/// index `first` on, so that each collection is allocated once, at its exact size, when it ends.
#[derive(Debug)]
enum Frame {
    Sequence { start: Position, anchor: usize, first: usize },
    Mapping { start: Position, anchor: usize, first: usize, key: Option<Node> },
}

#[derive(Debug)]
struct Builder {
    line_offset: usize,
    limits: Limits,
    stack: Vec<Frame>,
    items: Vec<Node>,
    entries: Vec<(Node, Node)>,
    anchors: HashMap<usize, (Node, usize)>,
    events: usize,
    alias_nodes: usize,
    duplicate_keys: Vec<YamlError>,
}

impl Builder {
    /// Ready for a new chunk, keeping the buffers' capacity.
    fn reset(&mut self, first_line: usize) {
        self.line_offset = first_line - 1;
        self.stack.clear();
        self.items.clear();
        self.entries.clear();
        self.anchors.clear();
        self.events = 0;
        self.alias_nodes = 0;
        self.duplicate_keys.clear();
    }

    fn new(first_line: usize, limits: Limits) -> Self {
        Self {
            line_offset: first_line - 1,
            limits,
            stack: Vec::new(),
            items: Vec::new(),
            entries: Vec::new(),
            anchors: HashMap::new(),
            events: 0,
            alias_nodes: 0,
            duplicate_keys: Vec::new(),
        }
    }

    fn position(&self, marker: Marker) -> Position {
        Position::new(marker.line() + self.line_offset, marker.col() + 1)
    }

    /// Feeds one event; returns a document's root when one is complete.
    fn on_event(&mut self, event: Event<'_>, at: Marker) -> Result<Option<Node>, YamlError> {
        self.events += 1;
        let position = self.position(at);
        let node = match event {
            Event::DocumentStart(_) => {
                self.anchors.clear();
                self.alias_nodes = 0;
                return Ok(None);
            }
            Event::Scalar(text, style, anchor, _) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted => Style::SingleQuoted,
                    ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                    ScalarStyle::Literal => Style::Literal,
                    ScalarStyle::Folded => Style::Folded,
                };
                let width = u32::try_from(text.chars().count().max(1)).unwrap_or(u32::MAX);
                let end = Position { column: position.column.saturating_add(width), ..position };
                let node = Node {
                    value: Value::Scalar { text: CompactString::from(text.as_ref()), style },
                    start: position,
                    end,
                };
                self.remember(anchor, &node);
                node
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.stack.len() >= self.limits.max_depth {
                    return Err(YamlError {
                        position,
                        message: format!(
                            "nesting deeper than {} levels; refusing to read further",
                            self.limits.max_depth
                        ),
                    });
                }
                self.stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Sequence { start: position, anchor, first: self.items.len() }
                } else {
                    Frame::Mapping { start: position, anchor, first: self.entries.len(), key: None }
                });
                return Ok(None);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (value, start, anchor) = match self.stack.pop() {
                    Some(Frame::Sequence { start, anchor, first }) => {
                        (Value::Sequence(self.items.drain(first..).collect()), start, anchor)
                    }
                    Some(Frame::Mapping { start, anchor, first, .. }) => {
                        let mut entries: Vec<_> = self.entries.drain(first..).collect();
                        if self.resolve_duplicates(&mut entries) {
                            entries.shrink_to_fit();
                        }
                        (Value::Mapping(entries.into_boxed_slice()), start, anchor)
                    }
                    None => return Ok(None),
                };
                let node = Node { value, start, end: position };
                self.remember(anchor, &node);
                node
            }
            Event::Alias(anchor) => {
                let Some((node, size)) = self.anchors.get(&anchor) else {
                    return Err(YamlError { position, message: "unknown alias".into() });
                };
                self.alias_nodes += size;
                let budget = self
                    .limits
                    .min_alias_nodes
                    .max(self.events.saturating_mul(self.limits.alias_nodes_per_event));
                if self.alias_nodes > budget {
                    return Err(YamlError {
                        position,
                        message: format!(
                            "aliases expand to more than {budget} nodes (a YAML \"billion \
                             laughs\" bomb?); refusing to expand them"
                        ),
                    });
                }
                let mut node = node.clone();
                node.start = position;
                node
            }
            Event::DocumentEnd | Event::StreamStart | Event::StreamEnd | Event::Nothing => {
                return Ok(None);
            }
        };
        Ok(self.attach(node))
    }

    /// Reports keys given twice and keeps the last value of each, so lookups see what a JSON
    /// decoder would.
    /// Returns whether any entry was dropped.
    fn resolve_duplicates(&mut self, entries: &mut Vec<(Node, Node)>) -> bool {
        let mut duplicates = Vec::new();
        // Most mappings are small: comparing pairs beats hashing, and allocates nothing.
        if entries.len() <= 24 {
            for later in 1..entries.len() {
                let Some(text) = entries[later].0.as_str() else { continue };
                if let Some(first) = (0..later).rev().find(|&i| entries[i].0.as_str() == Some(text))
                {
                    duplicates.push((first, later));
                }
            }
        } else {
            let mut seen: HashMap<&str, usize> = HashMap::with_capacity(entries.len());
            for (index, (key, _)) in entries.iter().enumerate() {
                let Some(text) = key.as_str() else { continue };
                if let Some(first) = seen.insert(text, index) {
                    duplicates.push((first, index));
                }
            }
        }
        if duplicates.is_empty() {
            return false;
        }
        for &(first, again) in &duplicates {
            let (first_key, key) = (&entries[first].0, &entries[again].0);
            self.duplicate_keys.push(YamlError {
                position: key.start,
                message: format!(
                    "duplicate key `{}` (first at line {}): Kubernetes rejects the object",
                    key.as_str().unwrap_or_default(),
                    first_key.start.line
                ),
            });
        }
        let overridden: std::collections::HashSet<usize> =
            duplicates.iter().map(|&(first, _)| first).collect();
        let mut index = 0;
        entries.retain(|_| {
            index += 1;
            !overridden.contains(&(index - 1))
        });
        true
    }

    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), node.count()));
        }
    }

    fn attach(&mut self, node: Node) -> Option<Node> {
        match self.stack.last_mut() {
            None => Some(node),
            Some(Frame::Sequence { .. }) => {
                self.items.push(node);
                None
            }
            Some(Frame::Mapping { key, .. }) => {
                match key.take() {
                    None => *key = Some(node),
                    Some(k) => self.entries.push((k, node)),
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<Result<Document, YamlError>> {
        parse_stream(&SourceFile::new("t.yaml".into(), text.into()), Limits::default())
    }

    #[test]
    fn positions_and_lookups() {
        let docs = parse("a:\n  b: \"x\"\n  c: [1, 2]\n");
        let Some(Ok(doc)) = docs.first() else { panic!("{docs:?}") };
        let b = doc.root.path(&["a", "b"]);
        assert_eq!(b.and_then(Node::as_str), Some("x"));
        assert_eq!(b.map(|n| n.start), Some(Position { line: 2, column: 6 }));
        assert_eq!(doc.root.path(&["a", "c"]).and_then(Node::as_sequence).map(<[_]>::len), Some(2));
        assert_eq!(doc.root.key_node("a").map(|n| n.start.line), Some(1));
    }

    #[test]
    fn a_broken_document_does_not_hide_the_next() {
        let docs = parse("a: 1\n---\nb: [unclosed\n---\n# Source: chart/templates/c.yaml\nc: 3\n");
        assert_eq!(docs.len(), 3);
        assert!(docs[0].is_ok());
        assert!(docs[1].as_ref().is_err_and(|e| e.position.line >= 3));
        let Ok(third) = &docs[2] else { panic!() };
        assert_eq!(third.template.as_deref(), Some("chart/templates/c.yaml"));
        assert_eq!(third.root.key_node("c").map(|n| n.start.line), Some(6));
    }

    #[test]
    fn empty_documents_and_end_markers() {
        let docs = parse("# only a comment\n---\n---\na: 1\n...\n---\nb: 2\n");
        assert_eq!(docs.iter().filter(|d| d.is_ok()).count(), 2);
    }

    #[test]
    fn duplicate_keys_are_reported_and_the_last_wins() {
        let docs = parse("a: 1\nb: 2\na: 3\n");
        let Some(Ok(doc)) = docs.first() else { panic!() };
        assert_eq!(doc.root.get("a").and_then(Node::as_str), Some("3"));
        assert_eq!(doc.duplicate_keys.len(), 1);
        assert_eq!(doc.duplicate_keys[0].position.line, 3);
        assert!(doc.duplicate_keys[0].message.contains("first at line 1"));
    }

    #[test]
    fn merge_keys() {
        let docs = parse("base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n");
        let Some(Ok(doc)) = docs.first() else { panic!() };
        assert_eq!(doc.root.path(&["derived", "x"]).and_then(Node::as_str), Some("1"));
    }

    #[test]
    fn billion_laughs_is_refused() {
        let mut text = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for level in b'b'..=b'i' {
            let prev = (level - 1) as char;
            let name = level as char;
            text.push_str(&format!(
                "{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
            ));
        }
        let docs = parse(&text);
        assert!(docs.iter().any(|d| d.as_ref().is_err_and(|e| e.message.contains("billion"))));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let flow = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let block: String =
            (0..10_000).map(|depth| format!("{}k:\n", "  ".repeat(depth))).collect();
        for text in [flow, block] {
            let docs = parse(&text);
            assert!(
                docs.iter().any(|d| d.as_ref().is_err_and(
                    |e| e.message.contains("nesting") || e.message.contains("recursion limit")
                )),
                "{docs:?}"
            );
        }
    }

    #[test]
    fn streams_split_at_marker_lines_only() {
        let text = "---\na: 1\n--- # next\nb: 2\n----\n  ---\n---x\nc: |\n  ---\n---\r\nd: 4\n---";
        let chunks: Vec<(usize, &str)> =
            split_documents(text).iter().map(|c| (c.first_line, c.text)).collect();
        assert_eq!(
            chunks,
            [
                (1, "---\na: 1\n"),
                (3, "--- # next\nb: 2\n----\n  ---\n---x\nc: |\n  ---\n"),
                (10, "---\r\nd: 4\n"),
                (12, "---"),
            ]
        );
        assert!(split_documents("").is_empty());
        assert_eq!(split_documents("a: 1").len(), 1);
    }

    #[test]
    fn batches_hold_whole_documents_and_split_into_the_same_documents() {
        let text: String = (0..50)
            .map(|i| format!("---\n# {i}\nkind: Service\nmetadata: {{name: s{i}}}\n"))
            .collect();
        let documents = split_documents(&text);
        let batches = split_batches(&text, 200);
        assert!(batches.len() > 5 && batches.len() < documents.len(), "{}", batches.len());
        assert!(batches[..batches.len() - 1].iter().all(|b| b.text.len() >= 200));
        let again: Vec<(usize, &str)> =
            batches.iter().flat_map(|b| b.documents()).map(|c| (c.first_line, c.text)).collect();
        let expected: Vec<(usize, &str)> =
            documents.iter().map(|c| (c.first_line, c.text)).collect();
        assert_eq!(again, expected);
    }

    #[test]
    fn helm_source_comments_name_their_template() {
        let text = "---\n# Source: chart/templates/a.yaml\na: 1\nb: x # Source: no\n  # Source:  chart/b.yaml \n# Source:\n";
        assert_eq!(
            source_comments(7, text),
            [(8, "chart/templates/a.yaml".to_owned()), (11, "chart/b.yaml".to_owned())]
        );
    }

    /// The source text a range of the value at `path` maps back to.
    fn written(text: &str, path: &[&str], needle: &str) -> Option<String> {
        let source = SourceFile::new("t.yaml".into(), text.into());
        let docs = parse_stream(&source, Limits::default());
        let Some(Ok(doc)) = docs.first() else { panic!("{docs:?}") };
        let node = doc.root.path(path)?;
        let node = node.as_sequence().and_then(|items| items.first()).unwrap_or(node);
        let value = node.as_str()?;
        let start = value.rfind(needle)?;
        let range = scalar_source_range(&source, node, start..start + needle.len())?;
        Some(source.text[range].to_owned())
    }

    #[test]
    fn value_ranges_map_back_to_the_source_in_every_style() {
        let flag = Some("-Xmx2g".to_owned());
        for text in [
            "v: -XX:+UseG1GC -Xmx2g\n",
            "v: \"-Dg=\\\"hi\\\" é -Xmx2g\"\r\n",
            "v: '-Dg=''x'' -Xmx2g'\n",
            "v: |\n  echo starting\n  exec java -Xmx2g -jar a.jar\n",
            "v: |\n    exec java -Xmx2g\n\nw: next\n",
            "v: |\n  echo \"d\u{e9}marrage\"\n\n  exec java -Xmx2g -jar a # x\nw: 1\n",
            "v: |\n  echo \"ete\"\n\n  exec java -Xmx2g -jar a # x\nw: 1\n",
            "v:\r\n  - |\r\n    echo \"\u{e9}t\u{e9}\"\r\n    exec java -Xmx2g -jar /a # x\r\n  - b\r\n",
            "v:\n  - |\n    exec java -Xmx2g -jar /a # x\nw: b\n",
            "v:\n  - |\n    exec java -Xmx2g -jar /a # x\n  # c\nw: {a: 1}\n",
            "v: |-\r\n  echo é\r\n\r\n    exec java -Xmx2g\r\n",
            "v: >\n  first line\n  java\n  -Xmx2g\n",
            "v: plain\n  continued -Xmx2g\n",
            "v: \"a\\\n   b \\u00e9 -Xmx2g\"\n",
            "{\"v\": \"\\u00e9\\/ -Xmx2g\"}",
        ] {
            assert_eq!(written(text, &["v"], "-Xmx2g"), flag, "{text:?}");
        }
    }

    #[test]
    fn json_is_yaml() {
        let docs = parse("{\"kind\": \"Pod\", \"spec\": {\"containers\": []}}");
        let Some(Ok(doc)) = docs.first() else { panic!() };
        assert_eq!(doc.root.get("kind").and_then(Node::as_str), Some("Pod"));
    }
}
