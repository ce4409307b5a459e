//! Text as people hand it over: the encodings input files come in, and counts of things said
//! in words.
//!
//! [`decode`] reads UTF-8 (with or without a byte-order mark) and UTF-16 (little or big endian,
//! as Windows PowerShell's `>` and `Out-File` write it): every command that reads text reads it
//! through here, so a file that one command reads is never refused by another. The
//! [`Encoding`] found writes an edited text back the way it came.
//!
//! [`count`] says `1 sample` and `2 samples`: every count in a report goes through it, so
//! none says `1 samples`.

use std::borrow::Cow;

/// How a text file was encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 without a byte-order mark.
    Utf8,
    /// UTF-8 after a byte-order mark (`EF BB BF`), as Windows editors often write it.
    Utf8Bom,
    /// UTF-16, little endian, after a byte-order mark (`FF FE`) or, without one, recognised by
    /// the zero high bytes of ASCII text.
    Utf16Le {
        /// Whether the file started with the byte-order mark.
        bom: bool,
    },
    /// UTF-16, big endian (`FE FF`).
    Utf16Be {
        /// Whether the file started with the byte-order mark.
        bom: bool,
    },
}

impl Encoding {
    /// `text` encoded as this encoding, with the byte-order mark the file had.
    ///
    /// ```
    /// use oom_core::text::{Encoding, decode};
    ///
    /// let bytes = Encoding::Utf16Le { bom: true }.encode("a: 1\n");
    /// assert_eq!(&bytes[..4], &[0xFF, 0xFE, b'a', 0]);
    /// let decoded = decode(&bytes)?;
    /// assert_eq!((decoded.text.as_ref(), decoded.encoding), ("a: 1\n", Encoding::Utf16Le { bom: true }));
    /// # Ok::<(), oom_core::text::DecodeError>(())
    /// ```
    pub fn encode(self, text: &str) -> Vec<u8> {
        match self {
            Self::Utf8 => text.as_bytes().to_vec(),
            Self::Utf8Bom => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
            Self::Utf16Le { bom } => {
                let mark = if bom { Some(0xFEFF) } else { None };
                mark.into_iter().chain(text.encode_utf16()).flat_map(u16::to_le_bytes).collect()
            }
            Self::Utf16Be { bom } => {
                let mark = if bom { Some(0xFEFF) } else { None };
                mark.into_iter().chain(text.encode_utf16()).flat_map(u16::to_be_bytes).collect()
            }
        }
    }

    /// `UTF-8`, `UTF-16LE`, ...: for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Utf8 => "UTF-8",
            Self::Utf8Bom => "UTF-8 with a byte-order mark",
            Self::Utf16Le { .. } => "UTF-16LE",
            Self::Utf16Be { .. } => "UTF-16BE",
        }
    }
}

/// A decoded text and the encoding it was found in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded<'a> {
    /// The text, without its byte-order mark.
    pub text: Cow<'a, str>,
    /// How the bytes were encoded.
    pub encoding: Encoding,
}

/// Bytes that are no text in the encoding they show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Not valid UTF-8 from byte `valid_up_to` (of the bytes after any byte-order mark) on.
    #[error("not valid UTF-8 text")]
    Utf8 {
        /// The offset of the first invalid byte, after any byte-order mark.
        valid_up_to: usize,
        /// The bytes that were checked (after any byte-order mark), for the caller to find the
        /// line of `valid_up_to`.
        checked_from: usize,
    },
    /// A UTF-16 byte-order mark (or layout) followed by unpaired surrogates. (A last odd byte,
    /// of a file cut short, is dropped.)
    #[error("not valid {0} text")]
    Utf16(&'static str),
}

/// The text of `bytes`: UTF-8 (a byte-order mark is dropped) or UTF-16 LE/BE (by its
/// byte-order mark, or without one when ASCII text shows every other byte zero).
///
/// ```
/// use oom_core::text::{Encoding, decode};
///
/// let powershell: Vec<u8> = [0xFF, 0xFE].into_iter()
///     .chain("Name: web-1\r\n".encode_utf16().flat_map(u16::to_le_bytes))
///     .collect();
/// let decoded = decode(&powershell)?;
/// assert_eq!(decoded.text, "Name: web-1\r\n");
/// assert_eq!(decoded.encoding, Encoding::Utf16Le { bom: true });
/// assert_eq!(decode(b"\xEF\xBB\xBFa: 1")?.text, "a: 1");
/// assert!(decode(b"a: \xFF").is_err());
/// # Ok::<(), oom_core::text::DecodeError>(())
/// ```
pub fn decode(bytes: &[u8]) -> Result<Decoded<'_>, DecodeError> {
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => utf8(rest, 3, Encoding::Utf8Bom),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, Encoding::Utf16Le { bom: true }),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, Encoding::Utf16Be { bom: true }),
        [a, 0, b, 0, ..] if *a != 0 && *b != 0 => utf16(bytes, Encoding::Utf16Le { bom: false }),
        [0, a, 0, b, ..] if *a != 0 && *b != 0 => utf16(bytes, Encoding::Utf16Be { bom: false }),
        _ => utf8(bytes, 0, Encoding::Utf8),
    }
}

fn utf8(body: &[u8], checked_from: usize, encoding: Encoding) -> Result<Decoded<'_>, DecodeError> {
    match std::str::from_utf8(body) {
        Ok(text) => Ok(Decoded { text: Cow::Borrowed(text), encoding }),
        Err(error) => Err(DecodeError::Utf8 { valid_up_to: error.valid_up_to(), checked_from }),
    }
}

fn utf16(body: &[u8], encoding: Encoding) -> Result<Decoded<'static>, DecodeError> {
    let little = matches!(encoding, Encoding::Utf16Le { .. });
    let units = body.chunks_exact(2).map(|pair| {
        if little {
            u16::from_le_bytes([pair[0], pair[1]])
        } else {
            u16::from_be_bytes([pair[0], pair[1]])
        }
    });
    let text: Result<String, _> = char::decode_utf16(units).collect();
    let text = text.map_err(|_| DecodeError::Utf16(encoding.name()))?;
    Ok(Decoded { text: Cow::Owned(text), encoding })
}

/// `count` and the noun in the number it takes: `1 sample`, `0 samples`, `2 series`.
///
/// English plurals are irregular (`series`, `replicas`, `pod specs`), so the caller names both
/// forms rather than a rule guessing the plural.
///
/// ```
/// use oom_core::text::count;
///
/// assert_eq!(count(1, "sample", "samples"), "1 sample");
/// assert_eq!(count(0, "container", "containers"), "0 containers");
/// assert_eq!(count(2, "series", "series"), "2 series");
/// ```
pub fn count(count: impl TryInto<u64>, one: &str, many: &str) -> String {
    let count = count.try_into().unwrap_or(u64::MAX);
    format!("{count} {}", noun(count, one, many))
}

/// The form of a noun (or verb) that agrees with `count`: `noun(1, "was", "were")` is `was`.
///
/// ```
/// use oom_core::text::noun;
///
/// assert_eq!(noun(1, "file", "files"), "file");
/// assert_eq!(noun(3, "was", "were"), "were");
/// ```
pub fn noun<'a>(count: impl TryInto<u64>, one: &'a str, many: &'a str) -> &'a str {
    if count.try_into().ok() == Some(1) { one } else { many }
}
