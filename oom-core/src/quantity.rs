//! Kubernetes memory quantities (`512Mi`, `1.5G`, `129e6`, `512m`, ...).
//!
//! Parsing follows apimachinery's `resource.ParseQuantity` grammar:
//!
//! ```text
//! quantity        ::= signedNumber suffix
//! signedNumber    ::= [ "+" | "-" ] number
//! number          ::= digits | digits "." [digits] | "." digits
//! suffix          ::= binarySI | decimalSI | decimalExponent
//! binarySI        ::= "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei"
//! decimalSI       ::= "n" | "u" | "m" | "" | "k" | "M" | "G" | "T" | "P" | "E"
//! decimalExponent ::= ("e" | "E") [ "+" | "-" ] digits
//! ```
//!
//! The value is kept in whole bytes, rounded away from zero as `Quantity::Value()` does, so
//! `0.5` is one byte and `512m` (half a byte) is one byte too. Arithmetic is exact: there is no
//! floating point between the text and the byte count.
//!
//! Two deliberate differences from apimachinery, both stricter: a quantity must contain at least
//! one digit (apimachinery reads `Mi` as zero), and values beyond `u64::MAX` bytes are an error
//! rather than a silently clamped number.

use std::fmt;

/// The family of suffix a quantity was written with.
///
/// Rules use it to tell `512Mi` (binary), `512M` (decimal SI), `512e6` (exponent) and `512m`
/// (milli, almost always a typo for `512Mi`) apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum UnitFamily {
    /// A power-of-1024 suffix: `Ki`, `Mi`, `Gi`, `Ti`, `Pi`, `Ei`.
    Binary,
    /// A power-of-1000 suffix: `k`, `M`, `G`, `T`, `P`, `E`.
    Decimal,
    /// A fractional SI suffix: `m` (10⁻³), `u` (10⁻⁶) or `n` (10⁻⁹).
    SubUnit,
    /// An exponent: `1e9`, `1E3`, `5e-1`.
    Exponent,
    /// A bare number of bytes: `134217728`.
    Plain,
}

/// Why a text is not a valid Kubernetes quantity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// The text is empty or only whitespace.
    #[error("empty quantity: expected a number such as `512Mi`")]
    Empty,
    /// Leading or trailing whitespace, which the API server refuses.
    #[error("quantity `{text}` has surrounding whitespace, which Kubernetes rejects")]
    Whitespace {
        /// The text as given.
        text: String,
    },
    /// No digits where the number should be (`Mi`, `.Gi`, `-`).
    #[error("quantity `{text}` has no number: expected digits before the unit, e.g. `512Mi`")]
    MissingNumber {
        /// The text as given.
        text: String,
    },
    /// The text after the number is not a suffix Kubernetes knows.
    #[error(
        "quantity `{text}` has unknown unit `{suffix}`: use Ki, Mi, Gi, Ti, Pi, Ei (powers of 1024), \
         k, M, G, T, P, E (powers of 1000) or an exponent such as e9{hint}"
    )]
    UnknownSuffix {
        /// The text as given.
        text: String,
        /// The part that is not a suffix.
        suffix: String,
        /// A suggestion for a common misspelling, starting with `; `, or empty.
        hint: String,
    },
    /// The value does not fit in 64 bits of bytes.
    #[error("quantity `{text}` is larger than {max} bytes", max = u64::MAX)]
    Overflow {
        /// The text as given.
        text: String,
    },
}

/// A parsed Kubernetes memory quantity.
///
/// ```
/// use oom_core::quantity::{Quantity, UnitFamily};
///
/// let limit = Quantity::parse("512Mi")?;
/// assert_eq!(limit.bytes(), Some(536_870_912));
/// assert_eq!(limit.family(), UnitFamily::Binary);
///
/// // `512m` is 0.512 bytes: valid syntax, but almost surely meant as 512Mi.
/// let typo = Quantity::parse("512m")?;
/// assert!(typo.is_sub_byte_unit());
/// assert_eq!(typo.bytes(), Some(1));
/// # Ok::<(), oom_core::quantity::QuantityError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Quantity {
    text: String,
    negative: bool,
    magnitude: u64,
    exact: bool,
    family: UnitFamily,
    suffix_len: usize,
}

impl Quantity {
    /// Parses a quantity written as text, as it appears in a YAML string (`"512Mi"`).
    ///
    /// ```
    /// use oom_core::quantity::Quantity;
    ///
    /// assert_eq!(Quantity::parse("1.5G")?.bytes(), Some(1_500_000_000));
    /// assert_eq!(Quantity::parse("1e3")?.bytes(), Some(1000));
    /// assert!(Quantity::parse("1Gb").is_err());
    /// # Ok::<(), oom_core::quantity::QuantityError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self, QuantityError> {
        if text.trim().is_empty() {
            return Err(QuantityError::Empty);
        }
        if text.trim() != text {
            return Err(QuantityError::Whitespace { text: text.to_owned() });
        }
        let parts = split(text)?;
        let (factor, shift) = parts.scale(text)?;
        let mut digits: Vec<u8> = Vec::with_capacity(parts.integer.len() + parts.fraction.len());
        digits.extend(parts.integer.bytes().map(|b| b - b'0'));
        digits.extend(parts.fraction.bytes().map(|b| b - b'0'));
        let shift = shift - i64::try_from(parts.fraction.len()).unwrap_or(i64::MAX);
        let (magnitude, exact) = scaled_ceil(&digits, factor, shift)
            .ok_or_else(|| QuantityError::Overflow { text: text.to_owned() })?;
        Ok(Self {
            text: text.to_owned(),
            negative: parts.negative && magnitude > 0,
            magnitude,
            exact,
            family: parts.family,
            suffix_len: parts.suffix.len(),
        })
    }

    /// Builds a quantity from a YAML integer (`memory: 134217728`).
    ///
    /// ```
    /// use oom_core::quantity::{Quantity, UnitFamily};
    ///
    /// let q = Quantity::from_integer(134_217_728);
    /// assert_eq!(q.bytes(), Some(134_217_728));
    /// assert_eq!(q.family(), UnitFamily::Plain);
    /// ```
    pub fn from_integer(value: i128) -> Self {
        let text = value.to_string();
        let magnitude = u64::try_from(value.unsigned_abs()).unwrap_or(u64::MAX);
        Self {
            negative: value < 0,
            magnitude,
            exact: u128::from(magnitude) == value.unsigned_abs(),
            family: UnitFamily::Plain,
            suffix_len: 0,
            text,
        }
    }

    /// Builds a quantity from a YAML float (`memory: 1.5e9`), using the float's shortest text.
    ///
    /// ```
    /// use oom_core::quantity::Quantity;
    ///
    /// assert_eq!(Quantity::from_float(1.5e9)?.bytes(), Some(1_500_000_000));
    /// assert!(Quantity::from_float(f64::NAN).is_err());
    /// # Ok::<(), oom_core::quantity::QuantityError>(())
    /// ```
    pub fn from_float(value: f64) -> Result<Self, QuantityError> {
        if !value.is_finite() {
            return Err(QuantityError::MissingNumber { text: value.to_string() });
        }
        // `{:e}` gives the shortest round-tripping digits in a form the grammar accepts.
        let quantity = Self::parse(&format!("{value:e}"))?;
        Ok(Self { text: value.to_string(), ..quantity })
    }

    /// The bytes this quantity stands for, rounded up; `None` when it is negative.
    ///
    /// ```
    /// use oom_core::quantity::Quantity;
    ///
    /// assert_eq!(Quantity::parse("1Ki")?.bytes(), Some(1024));
    /// assert_eq!(Quantity::parse("1.5")?.bytes(), Some(2));
    /// assert_eq!(Quantity::parse("-1Gi")?.bytes(), None);
    /// # Ok::<(), oom_core::quantity::QuantityError>(())
    /// ```
    pub fn bytes(&self) -> Option<u64> {
        (!self.negative).then_some(self.magnitude)
    }

    /// The byte count without its sign, rounded away from zero.
    ///
    /// ```
    /// use oom_core::quantity::Quantity;
    ///
    /// let q = Quantity::parse("-1.5")?;
    /// assert_eq!((q.magnitude_bytes(), q.is_negative(), q.is_exact()), (2, true, false));
    /// # Ok::<(), oom_core::quantity::QuantityError>(())
    /// ```
    pub fn magnitude_bytes(&self) -> u64 {
        self.magnitude
    }

    /// Whether the quantity is below zero (`-1Gi`). Zero is never negative.
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// Whether the byte count is exact, i.e. no fractional byte was rounded up.
    pub fn is_exact(&self) -> bool {
        self.exact
    }

    /// The text as written in the manifest.
    ///
    /// ```
    /// use oom_core::quantity::{Quantity, UnitFamily};
    ///
    /// let q = Quantity::parse("1.5Gi")?;
    /// assert_eq!((q.text(), q.suffix(), q.family()), ("1.5Gi", "Gi", UnitFamily::Binary));
    /// # Ok::<(), oom_core::quantity::QuantityError>(())
    /// ```
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The suffix as written (`Mi`, `m`, `e9`, or empty).
    pub fn suffix(&self) -> &str {
        &self.text[self.text.len() - self.suffix_len..]
    }

    /// The family of the suffix.
    pub fn family(&self) -> UnitFamily {
        self.family
    }

    /// Whether the quantity used a milli, micro or nano suffix (`512m`), which for memory means
    /// a fraction of a byte and is nearly always a typo for `Mi`.
    pub fn is_sub_byte_unit(&self) -> bool {
        self.family == UnitFamily::SubUnit
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for Quantity {
    type Err = QuantityError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

/// With the `serde` feature a quantity is serialized as its text (`"512Mi"`), as the Kubernetes
/// API writes quantities in JSON, and deserialized from a string through [`Quantity::parse`],
/// or from a JSON number as [`Quantity::from_integer`] or [`Quantity::from_float`] read YAML
/// numbers. A parsed quantity comes back equal to itself.
///
/// ```
/// # #[cfg(feature = "serde")] {
/// use oom_core::quantity::Quantity;
///
/// let limit = Quantity::parse("512Mi")?;
/// assert_eq!(serde_json::to_string(&limit)?, r#""512Mi""#);
/// assert_eq!(serde_json::from_str::<Quantity>(r#""512Mi""#)?, limit);
/// assert_eq!(serde_json::from_str::<Quantity>("1024")?.bytes(), Some(1024));
/// assert!(serde_json::from_str::<Quantity>(r#""512MB""#).is_err());
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "serde")]
impl serde::Serialize for Quantity {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Quantity {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl serde::de::Visitor<'_> for Visitor {
            type Value = Quantity;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Kubernetes quantity such as \"512Mi\", or a number of bytes")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Quantity, E> {
                Quantity::parse(text).map_err(E::custom)
            }

            fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<Quantity, E> {
                Ok(Quantity::from_integer(i128::from(value)))
            }

            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<Quantity, E> {
                Ok(Quantity::from_integer(i128::from(value)))
            }

            fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<Quantity, E> {
                Quantity::from_float(value).map_err(E::custom)
            }
        }

        deserializer.deserialize_any(Visitor)
    }
}

struct Parts<'a> {
    negative: bool,
    integer: &'a str,
    fraction: &'a str,
    suffix: &'a str,
    family: UnitFamily,
}

fn split(text: &str) -> Result<Parts<'_>, QuantityError> {
    let (negative, unsigned) = match text.as_bytes()[0] {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let integer_end = unsigned.bytes().take_while(u8::is_ascii_digit).count();
    let integer = &unsigned[..integer_end];
    let mut rest = &unsigned[integer_end..];
    let mut fraction = "";
    if let Some(after_dot) = rest.strip_prefix('.') {
        let fraction_end = after_dot.bytes().take_while(u8::is_ascii_digit).count();
        fraction = &after_dot[..fraction_end];
        rest = &after_dot[fraction_end..];
    }
    if integer.is_empty() && fraction.is_empty() {
        return Err(QuantityError::MissingNumber { text: text.to_owned() });
    }
    let family = classify_suffix(rest).ok_or_else(|| QuantityError::UnknownSuffix {
        text: text.to_owned(),
        suffix: rest.to_owned(),
        hint: suffix_hint(rest),
    })?;
    Ok(Parts { negative, integer, fraction, suffix: rest, family })
}

fn classify_suffix(suffix: &str) -> Option<UnitFamily> {
    match suffix {
        "" => Some(UnitFamily::Plain),
        "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" => Some(UnitFamily::Binary),
        "k" | "M" | "G" | "T" | "P" | "E" => Some(UnitFamily::Decimal),
        "m" | "u" | "n" => Some(UnitFamily::SubUnit),
        _ => {
            let exponent = suffix.strip_prefix(['e', 'E'])?;
            let digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
            (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
                .then_some(UnitFamily::Exponent)
        }
    }
}

fn suffix_hint(suffix: &str) -> String {
    let suggestion = match suffix {
        "Gb" | "GB" | "gb" | "gi" | "GiB" | "g" => "Gi",
        "Mb" | "MB" | "mb" | "mi" | "MiB" => "Mi",
        "Kb" | "KB" | "kb" | "ki" | "KiB" | "K" => "Ki",
        "Tb" | "TB" | "tb" | "ti" | "TiB" => "Ti",
        "B" | "b" => "",
        _ => return String::new(),
    };
    if suggestion.is_empty() {
        "; a bare number already means bytes".to_owned()
    } else {
        format!("; did you mean `{suggestion}`?")
    }
}

impl Parts<'_> {
    /// The multiplier and power-of-ten shift that the suffix applies to the number.
    fn scale(&self, text: &str) -> Result<(u64, i64), QuantityError> {
        Ok(match self.suffix {
            "" => (1, 0),
            "Ki" => (1 << 10, 0),
            "Mi" => (1 << 20, 0),
            "Gi" => (1 << 30, 0),
            "Ti" => (1 << 40, 0),
            "Pi" => (1 << 50, 0),
            "Ei" => (1 << 60, 0),
            "n" => (1, -9),
            "u" => (1, -6),
            "m" => (1, -3),
            "k" => (1, 3),
            "M" => (1, 6),
            "G" => (1, 9),
            "T" => (1, 12),
            "P" => (1, 15),
            "E" => (1, 18),
            exponent => {
                let overflow = || QuantityError::Overflow { text: text.to_owned() };
                let power: i64 = exponent[1..].parse().map_err(|_| overflow())?;
                // Beyond ±10⁹ the value is 0 or overflows anyway; bounding keeps shifts in range.
                if power.abs() > 1_000_000_000 {
                    if power > 0 && self.has_nonzero_digit() {
                        return Err(overflow());
                    }
                    (1, power.signum() * 1_000_000_000)
                } else {
                    (1, power)
                }
            }
        })
    }

    fn has_nonzero_digit(&self) -> bool {
        self.integer.bytes().chain(self.fraction.bytes()).any(|b| b != b'0')
    }
}

/// `ceil(digits × factor × 10^shift)` as `u64`, plus whether it was exact; `None` on overflow.
fn scaled_ceil(digits: &[u8], factor: u64, shift: i64) -> Option<(u64, bool)> {
    let first_nonzero = digits.iter().position(|&d| d != 0);
    let Some(first_nonzero) = first_nonzero else {
        return Some((0, true));
    };
    let digits = &digits[first_nonzero..];
    // Schoolbook multiplication of a little-endian decimal number by a u64.
    let mut product: Vec<u8> = Vec::with_capacity(digits.len() + 20);
    let mut carry: u128 = 0;
    for &digit in digits.iter().rev() {
        let value = u128::from(digit) * u128::from(factor) + carry;
        product.push((value % 10) as u8);
        carry = value / 10;
    }
    while carry > 0 {
        product.push((carry % 10) as u8);
        carry /= 10;
    }
    // `product` is little-endian; drop the digits that fall behind the decimal point.
    let dropped = if shift < 0 { usize::try_from(-shift).unwrap_or(usize::MAX) } else { 0 };
    let (fractional, integral) = product.split_at(dropped.min(product.len()));
    let exact = fractional.iter().all(|&d| d == 0);
    let trailing_zeros = usize::try_from(shift.max(0)).unwrap_or(usize::MAX);
    if integral.len().saturating_add(trailing_zeros) > 20 {
        return None;
    }
    let mut value: u128 = 0;
    for &digit in integral.iter().rev() {
        value = value * 10 + u128::from(digit);
    }
    for _ in 0..trailing_zeros {
        value *= 10;
    }
    if !exact {
        value += 1;
    }
    u64::try_from(value).ok().map(|value| (value, exact))
}

const BINARY_SUFFIXES: [(&str, u32); 6] =
    [("Ei", 60), ("Pi", 50), ("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10)];
const DECIMAL_SUFFIXES: [(&str, u32); 6] =
    [("E", 18), ("P", 15), ("T", 12), ("G", 9), ("M", 6), ("k", 3)];

/// Formats a byte count as the shortest exact Kubernetes quantity.
///
/// Binary suffixes win a tie, as memory is usually sized in powers of two.
///
/// ```
/// use oom_core::quantity::format_bytes;
///
/// assert_eq!(format_bytes(536_870_912), "512Mi");
/// assert_eq!(format_bytes(1_500_000_000), "1500M");
/// assert_eq!(format_bytes(1_073_741_824), "1Gi");
/// assert_eq!(format_bytes(1_000_001), "1000001");
/// ```
pub fn format_bytes(bytes: u64) -> String {
    let mut best = bytes.to_string();
    if bytes == 0 {
        return best;
    }
    for (suffix, shift) in BINARY_SUFFIXES {
        if bytes.trailing_zeros() >= shift {
            let candidate = format!("{}{suffix}", bytes >> shift);
            if candidate.len() < best.len() {
                best = candidate;
            }
            break;
        }
    }
    for (suffix, power) in DECIMAL_SUFFIXES {
        let unit = 10u64.pow(power);
        if bytes.is_multiple_of(unit) {
            let candidate = format!("{}{suffix}", bytes / unit);
            if candidate.len() < best.len() {
                best = candidate;
            }
            break;
        }
    }
    best
}

/// Formats a byte count for people, in binary units with at most one decimal (`409.6 MiB`).
///
/// ```
/// use oom_core::quantity::format_human;
///
/// assert_eq!(format_human(536_870_912), "512 MiB");
/// assert_eq!(format_human(429_496_729), "409.6 MiB");
/// assert_eq!(format_human(1_536), "1.5 KiB");
/// assert_eq!(format_human(100), "100 B");
/// ```
pub fn format_human(bytes: u64) -> String {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut exponent = 0;
    while exponent < UNITS.len() - 1 && bytes >> (10 * (exponent + 1)) > 0 {
        exponent += 1;
    }
    if exponent == 0 {
        return format!("{bytes} B");
    }
    let unit = 1u128 << (10 * exponent);
    // Round to one decimal in integer arithmetic so that large values stay exact.
    let tenths = (u128::from(bytes) * 10 + unit / 2) / unit;
    let (whole, tenth) = (tenths / 10, tenths % 10);
    if whole >= 1024 && exponent < UNITS.len() - 1 {
        return format!("1 {}", UNITS[exponent + 1]);
    }
    if tenth == 0 {
        format!("{whole} {}", UNITS[exponent])
    } else {
        format!("{whole}.{tenth} {}", UNITS[exponent])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bytes(text: &str) -> u64 {
        match Quantity::parse(text) {
            Ok(q) => q.magnitude_bytes(),
            Err(e) => panic!("{text}: {e}"),
        }
    }

    #[test]
    fn binary_suffixes() {
        assert_eq!(bytes("1Ki"), 1024);
        assert_eq!(bytes("1Mi"), 1 << 20);
        assert_eq!(bytes("512Mi"), 536_870_912);
        assert_eq!(bytes("1Gi"), 1 << 30);
        assert_eq!(bytes("1Ti"), 1 << 40);
        assert_eq!(bytes("1Pi"), 1 << 50);
        assert_eq!(bytes("1Ei"), 1 << 60);
        assert_eq!(bytes("15Ei"), 15 << 60);
    }

    #[test]
    fn decimal_suffixes() {
        assert_eq!(bytes("1k"), 1000);
        assert_eq!(bytes("1M"), 1_000_000);
        assert_eq!(bytes("1G"), 1_000_000_000);
        assert_eq!(bytes("1T"), 1_000_000_000_000);
        assert_eq!(bytes("1P"), 1_000_000_000_000_000);
        assert_eq!(bytes("1E"), 1_000_000_000_000_000_000);
        assert_eq!(bytes("18E"), 18_000_000_000_000_000_000);
    }

    #[test]
    fn sub_byte_suffixes_round_up_like_value() {
        for text in ["512m", "1u", "999n", "1000m"] {
            let q = Quantity::parse(text).unwrap_or_else(|e| panic!("{e}"));
            assert!(q.is_sub_byte_unit(), "{text}");
            assert_eq!(q.family(), UnitFamily::SubUnit);
        }
        assert_eq!(bytes("512m"), 1);
        assert_eq!(bytes("1000m"), 1);
        assert_eq!(bytes("1001m"), 2);
        assert_eq!(bytes("2000000u"), 2);
        assert_eq!(bytes("1n"), 1);
        assert!(Quantity::parse("1000m").is_ok_and(|q| q.is_exact()));
        assert!(Quantity::parse("512m").is_ok_and(|q| !q.is_exact()));
    }

    #[test]
    fn exponent_forms() {
        assert_eq!(bytes("1e9"), 1_000_000_000);
        assert_eq!(bytes("1E3"), 1000);
        assert_eq!(bytes("129e6"), 129_000_000);
        assert_eq!(bytes("1e+3"), 1000);
        assert_eq!(bytes("5e-1"), 1);
        assert_eq!(bytes("1.5e3"), 1500);
        assert_eq!(bytes("1e0"), 1);
        assert_eq!(bytes("0e99999999999"), 0);
        assert_eq!(bytes("1e-99999999999"), 1);
        assert_eq!(Quantity::parse("1e9").map(|q| q.family()), Ok(UnitFamily::Exponent));
    }

    #[test]
    fn decimals_and_plain_numbers() {
        assert_eq!(bytes("0.5Gi"), 1 << 29);
        assert_eq!(bytes("1.5G"), 1_500_000_000);
        assert_eq!(bytes(".5Ki"), 512);
        assert_eq!(bytes("1.Mi"), 1 << 20);
        assert_eq!(bytes("0.1Ki"), 103); // 102.4 rounds up
        assert_eq!(bytes("134217728"), 134_217_728);
        assert_eq!(bytes("0"), 0);
        assert_eq!(bytes("000512Mi"), 536_870_912);
        assert_eq!(bytes("0.5"), 1);
        assert_eq!(bytes("1.000000000000000000000000000001"), 2);
        assert_eq!(bytes("0.0000000000000000000000000000000000001Ei"), 1);
        assert_eq!(Quantity::parse("1Gi").map(|q| q.suffix().to_owned()), Ok("Gi".to_owned()));
    }

    #[test]
    fn signs() {
        let negative = Quantity::parse("-1Gi").unwrap_or_else(|e| panic!("{e}"));
        assert!(negative.is_negative());
        assert_eq!(negative.bytes(), None);
        assert_eq!(negative.magnitude_bytes(), 1 << 30);
        assert_eq!(bytes("+1Gi"), 1 << 30);
        assert_eq!(bytes("-0.5"), 1); // away from zero, as Value() does
        assert!(Quantity::parse("-0").is_ok_and(|q| !q.is_negative() && q.bytes() == Some(0)));
    }

    #[test]
    fn limits_of_u64() {
        assert_eq!(bytes("18446744073709551615"), u64::MAX);
        assert!(matches!(
            Quantity::parse("18446744073709551616"),
            Err(QuantityError::Overflow { .. })
        ));
        assert!(matches!(Quantity::parse("16Ei"), Err(QuantityError::Overflow { .. })));
        assert!(matches!(Quantity::parse("19E"), Err(QuantityError::Overflow { .. })));
        assert!(matches!(Quantity::parse("1e20"), Err(QuantityError::Overflow { .. })));
        assert!(matches!(Quantity::parse("1e99999999999"), Err(QuantityError::Overflow { .. })));
    }

    #[test]
    fn rejects_invalid_text_with_reasons() {
        type Expectation = fn(&QuantityError) -> bool;
        let cases: &[(&str, Expectation)] = &[
            ("", |e| matches!(e, QuantityError::Empty)),
            ("  ", |e| matches!(e, QuantityError::Empty)),
            ("12 Mi", |e| matches!(e, QuantityError::UnknownSuffix { .. })),
            (" 1", |e| matches!(e, QuantityError::Whitespace { .. })),
            ("1 ", |e| matches!(e, QuantityError::Whitespace { .. })),
            ("Mi", |e| matches!(e, QuantityError::MissingNumber { .. })),
            ("-", |e| matches!(e, QuantityError::MissingNumber { .. })),
            (".", |e| matches!(e, QuantityError::MissingNumber { .. })),
            (".Gi", |e| matches!(e, QuantityError::MissingNumber { .. })),
            ("1.2.3G", |e| matches!(e, QuantityError::UnknownSuffix { .. })),
            ("1.1.M", |e| matches!(e, QuantityError::UnknownSuffix { .. })),
            ("1+1.0M", |e| matches!(e, QuantityError::UnknownSuffix { .. })),
            ("1Gb", |e| matches!(e, QuantityError::UnknownSuffix { .. })),
            ("1gi", |e| matches!(e, QuantityError::UnknownSuffix { .. })),
            ("0.1mi", |e| matches!(e, QuantityError::UnknownSuffix { .. })),
            ("0.1am", |e| matches!(e, QuantityError::UnknownSuffix { .. })),
            ("aoeu", |e| matches!(e, QuantityError::MissingNumber { .. })),
            (".5i", |e| matches!(e, QuantityError::UnknownSuffix { .. })),
            ("1i", |e| matches!(e, QuantityError::UnknownSuffix { .. })),
            ("-3.01i", |e| matches!(e, QuantityError::UnknownSuffix { .. })),
            ("-3.01e-", |e| matches!(e, QuantityError::UnknownSuffix { .. })),
            ("1e", |e| matches!(e, QuantityError::UnknownSuffix { .. })),
            ("1e1.5", |e| matches!(e, QuantityError::UnknownSuffix { .. })),
            ("1KiB", |e| matches!(e, QuantityError::UnknownSuffix { .. })),
            ("1K", |e| matches!(e, QuantityError::UnknownSuffix { .. })),
            ("--1", |e| matches!(e, QuantityError::MissingNumber { .. })),
        ];
        for (text, expected) in cases {
            match Quantity::parse(text) {
                Ok(q) => panic!("`{text}` parsed as {q:?}"),
                Err(e) => {
                    assert!(expected(&e), "`{text}` gave {e:?}");
                    assert!(!e.to_string().is_empty());
                }
            }
        }
    }

    #[test]
    fn error_messages_explain() {
        let message = Quantity::parse("1Gb").map_err(|e| e.to_string());
        assert_eq!(
            message,
            Err("quantity `1Gb` has unknown unit `Gb`: use Ki, Mi, Gi, Ti, Pi, Ei (powers of \
                 1024), k, M, G, T, P, E (powers of 1000) or an exponent such as e9; did you \
                 mean `Gi`?"
                .to_owned())
        );
    }

    #[test]
    fn yaml_numbers() {
        assert_eq!(Quantity::from_integer(1024).bytes(), Some(1024));
        assert!(Quantity::from_integer(-5).is_negative());
        assert_eq!(Quantity::from_float(0.5).map(|q| q.bytes()), Ok(Some(1)));
        assert_eq!(Quantity::from_float(1e9).map(|q| q.bytes()), Ok(Some(1_000_000_000)));
        assert_eq!(Quantity::from_float(1e9).map(|q| q.text().to_owned()), Ok("1000000000".into()));
        assert!(Quantity::from_float(f64::INFINITY).is_err());
        assert!(Quantity::from_float(1e30).is_err());
    }

    #[test]
    fn formats_shortest_exact() {
        assert_eq!(format_bytes(0), "0");
        assert_eq!(format_bytes(1), "1");
        assert_eq!(format_bytes(1024), "1Ki");
        assert_eq!(format_bytes(1000), "1k");
        assert_eq!(format_bytes(1_024_000), "1024k");
        assert_eq!(format_bytes(536_870_912), "512Mi");
        assert_eq!(format_bytes(1_500_000_000), "1500M");
        assert_eq!(format_bytes(1_073_741_824), "1Gi");
        assert_eq!(format_bytes(1 << 60), "1Ei");
        assert_eq!(format_bytes(u64::MAX), "18446744073709551615");
        assert_eq!(format_bytes(3 << 29), "1536Mi");
    }

    #[test]
    fn formats_human() {
        assert_eq!(format_human(0), "0 B");
        assert_eq!(format_human(1023), "1023 B");
        assert_eq!(format_human(1024), "1 KiB");
        assert_eq!(format_human(1_048_575), "1 MiB");
        assert_eq!(format_human(u64::MAX), "16 EiB");
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(bytes in any::<u64>()) {
            let text = format_bytes(bytes);
            let parsed = Quantity::parse(&text);
            prop_assert_eq!(parsed.map(|q| q.bytes()), Ok(Some(bytes)));
        }

        #[test]
        fn format_round_trips_on_round_values(base in 1u64..100_000, shift in 0u32..40) {
            let bytes = base.saturating_mul(1 << shift);
            let text = format_bytes(bytes);
            prop_assert!(text.len() <= bytes.to_string().len());
            prop_assert_eq!(Quantity::parse(&text).map(|q| q.bytes()), Ok(Some(bytes)));
        }

        #[test]
        fn parse_never_panics(text in "\\PC{0,24}") {
            let _ = Quantity::parse(&text);
        }

        #[test]
        fn parse_never_panics_on_quantity_like_text(text in "[+-]?[0-9]{0,25}(\\.[0-9]{0,25})?([eE][+-]?[0-9]{1,12}|[KMGTPE]i|[numkMGTPE])?") {
            let _ = Quantity::parse(&text);
        }

        #[test]
        fn integers_agree_with_from_integer(value in any::<u64>()) {
            prop_assert_eq!(Quantity::parse(&value.to_string()).map(|q| q.bytes()), Ok(Some(value)));
            prop_assert_eq!(Quantity::from_integer(i128::from(value)).bytes(), Some(value));
        }
    }
}
