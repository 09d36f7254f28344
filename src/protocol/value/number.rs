//! Exact decimal numbers, the provider's form of cty's arbitrary-precision `number`.
//!
//! Terraform compares numbers exactly, so a number that went through `f64` on its way back
//! (such as `0.1`) no longer equals the configured one. [`Number`] keeps the decimal digits
//! instead and converts binary floats to their exact decimal value.

use std::cmp::Ordering;
use std::fmt;

use super::error::{AttrPath, ValueError};

mod float;

/// Largest decimal exponent, in either direction, that a parsed number may reach.
///
/// The limit is far beyond any `f64`, whose exact values reach 10^308 and need at most 1,074
/// fractional digits.
// NOTE: cty itself accepts larger exponents; a configuration using one fails to decode here.
pub const MAX_DECIMAL_EXPONENT: i64 = 10_000;

/// An exact decimal number, or positive or negative infinity.
///
/// Equality, ordering and hashing go by numeric value, so `1` equals `1.0` and `1e2` equals `100`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Number(Repr);

/// The normalized form behind [`Number`], which makes derived equality numeric.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Repr {
    /// `digits` × 10^`exponent`, where `digits` is ASCII decimal without leading or trailing
    /// zeros, and zero is the empty string with exponent 0 and no sign.
    Finite {
        negative: bool,
        digits: String,
        exponent: i64,
    },
    Infinity {
        negative: bool,
    },
}

impl Number {
    /// Creates a number from a signed integer.
    pub fn from_i64(value: i64) -> Self {
        Self::from_magnitude(value < 0, value.unsigned_abs().to_string(), 0)
    }

    /// Creates a number from an unsigned integer.
    pub fn from_u64(value: u64) -> Self {
        Self::from_magnitude(false, value.to_string(), 0)
    }

    /// Creates positive or negative infinity.
    pub fn infinity(negative: bool) -> Self {
        Self(Repr::Infinity { negative })
    }

    /// Creates the exact decimal value of a binary float.
    ///
    /// Returns `None` for NaN, which cty cannot represent. Infinities map to [`Number::infinity`].
    pub fn from_f64(value: f64) -> Option<Self> {
        if value.is_nan() {
            return None;
        }
        if value.is_infinite() {
            return Some(Self::infinity(value < 0.0));
        }
        let (digits, exponent) = float::exact_decimal(value.abs());
        Some(Self::from_magnitude(
            value.is_sign_negative(),
            digits,
            exponent,
        ))
    }

    /// Parses decimal text such as `12`, `-0.5`, `1.5e-3` or `+Inf`.
    ///
    /// # Errors
    ///
    /// Returns [`ValueError::InvalidNumber`] when the text is not a decimal number or its
    /// exponent exceeds [`MAX_DECIMAL_EXPONENT`].
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        parse_decimal(text).map_err(|reason| ValueError::InvalidNumber {
            path: AttrPath::root(),
            text: shorten(text),
            reason,
        })
    }

    /// Returns the value as `i64` if it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_i128().and_then(|value| i64::try_from(value).ok())
    }

    /// Returns the value as `u64` if it is a non-negative integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        self.as_i128().and_then(|value| u64::try_from(value).ok())
    }

    /// Returns the nearest `f64`, for display or arithmetic where exactness does not matter.
    pub fn to_f64_lossy(&self) -> f64 {
        match &self.0 {
            Repr::Infinity { negative: false } => f64::INFINITY,
            Repr::Infinity { negative: true } => f64::NEG_INFINITY,
            // Rust's float parser rounds decimal text correctly and accepts the exponent form.
            Repr::Finite { .. } => self.to_string().parse().unwrap_or(f64::NAN),
        }
    }

    /// Reports whether the number is a finite integer.
    pub fn is_integer(&self) -> bool {
        matches!(&self.0, Repr::Finite { exponent, .. } if *exponent >= 0)
    }

    /// Reports whether the number is positive or negative infinity.
    pub fn is_infinite(&self) -> bool {
        matches!(self.0, Repr::Infinity { .. })
    }

    /// Reports whether the number is below zero, including negative infinity.
    pub fn is_negative(&self) -> bool {
        match &self.0 {
            Repr::Finite { negative, .. } | Repr::Infinity { negative } => *negative,
        }
    }

    /// Builds a normalized number from a sign, decimal digits (leading and trailing zeros
    /// allowed) and an exponent applying to the last digit.
    fn from_magnitude(negative: bool, digits: String, exponent: i64) -> Self {
        let trimmed = digits.trim_start_matches('0');
        let significant = trimmed.trim_end_matches('0');
        if significant.is_empty() {
            return Self(Repr::Finite {
                negative: false,
                digits: String::new(),
                exponent: 0,
            });
        }
        // The trailing zeros move into the exponent; their count is at most the input length.
        let removed = (trimmed.len() - significant.len()) as i64;
        Self(Repr::Finite {
            negative,
            digits: significant.to_owned(),
            exponent: exponent.saturating_add(removed),
        })
    }

    fn as_i128(&self) -> Option<i128> {
        let Repr::Finite {
            negative,
            digits,
            exponent,
        } = &self.0
        else {
            return None;
        };
        // u64::MAX has 20 digits, so anything longer is out of range for both targets.
        if *exponent < 0 || digits.len() as i64 + exponent > 20 {
            return None;
        }
        let mut value: i128 = 0;
        for digit in digits
            .bytes()
            .chain(std::iter::repeat_n(b'0', *exponent as usize))
        {
            value = value * 10 + i128::from(digit - b'0');
        }
        Some(if *negative { -value } else { value })
    }

    /// Returns the position of the leading digit: the number is below 10^position in magnitude
    /// and at least 10^(position - 1).
    fn leading_position(digits: &str, exponent: i64) -> i64 {
        digits.len() as i64 + exponent
    }
}

/// Parses decimal text into a number, returning the reason on failure.
fn parse_decimal(text: &str) -> Result<Number, &'static str> {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if unsigned.eq_ignore_ascii_case("inf") || unsigned.eq_ignore_ascii_case("infinity") {
        return Ok(Number::infinity(negative));
    }
    let (mantissa, exponent_text) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let (integer_part, fraction_part) = match mantissa.split_once('.') {
        Some((integer, fraction)) => (integer, fraction),
        None => (mantissa, ""),
    };

    let all_digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    if integer_part.is_empty() && fraction_part.is_empty() {
        return Err("no digits");
    }
    if !all_digits(integer_part) || !all_digits(fraction_part) {
        return Err("not a decimal number");
    }

    let exponent = match exponent_text {
        Some(exponent_text) => parse_exponent(exponent_text)?,
        None => 0,
    };

    let digits = format!("{integer_part}{fraction_part}");
    let number = Number::from_magnitude(negative, digits, exponent - fraction_part.len() as i64);
    check_range(&number)?;
    Ok(number)
}

/// Parses an exponent, saturating far beyond [`MAX_DECIMAL_EXPONENT`] so long inputs cannot
/// overflow.
fn parse_exponent(text: &str) -> Result<i64, &'static str> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err("invalid exponent");
    }
    let limit = 4 * MAX_DECIMAL_EXPONENT;
    let mut value: i64 = 0;
    for digit in digits.bytes() {
        value = (value * 10 + i64::from(digit - b'0')).min(limit);
    }
    Ok(if negative { -value } else { value })
}

fn check_range(number: &Number) -> Result<(), &'static str> {
    if let Repr::Finite {
        digits, exponent, ..
    } = &number.0
    {
        let leading = Number::leading_position(digits, *exponent);
        if leading > MAX_DECIMAL_EXPONENT || *exponent < -MAX_DECIMAL_EXPONENT {
            return Err("exponent out of range");
        }
    }
    Ok(())
}

/// Shortens rejected text for error messages, so a huge input does not make a huge message.
fn shorten(text: &str) -> String {
    const MAX_CHARS: usize = 40;
    if text.chars().count() <= MAX_CHARS {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(MAX_CHARS).collect();
    short.push('…');
    short
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        let sign = |number: &Number| -> i8 {
            match &number.0 {
                Repr::Finite { digits, .. } if digits.is_empty() => 0,
                Repr::Finite { negative, .. } | Repr::Infinity { negative } => {
                    if *negative {
                        -1
                    } else {
                        1
                    }
                }
            }
        };
        let (left_sign, right_sign) = (sign(self), sign(other));
        if left_sign != right_sign || left_sign == 0 {
            return left_sign.cmp(&right_sign);
        }
        let magnitude = compare_magnitude(&self.0, &other.0);
        if left_sign < 0 {
            magnitude.reverse()
        } else {
            magnitude
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Compares the absolute values of two non-zero numbers.
fn compare_magnitude(left: &Repr, right: &Repr) -> Ordering {
    match (left, right) {
        (Repr::Infinity { .. }, Repr::Infinity { .. }) => Ordering::Equal,
        (Repr::Infinity { .. }, Repr::Finite { .. }) => Ordering::Greater,
        (Repr::Finite { .. }, Repr::Infinity { .. }) => Ordering::Less,
        (
            Repr::Finite {
                digits: left_digits,
                exponent: left_exponent,
                ..
            },
            Repr::Finite {
                digits: right_digits,
                exponent: right_exponent,
                ..
            },
        ) => {
            let left_leading = Number::leading_position(left_digits, *left_exponent);
            let right_leading = Number::leading_position(right_digits, *right_exponent);
            // With equal leading positions, the digit strings line up from the left, and
            // since neither has trailing zeros, a proper prefix is the smaller number.
            left_leading
                .cmp(&right_leading)
                .then_with(|| left_digits.as_str().cmp(right_digits.as_str()))
        }
    }
}

/// Maximum number of zeros that `Display` writes to pad digits in plain notation before it
/// switches to an exponent. The limit keeps the text proportional to the significant digits, so a short input
/// such as `1e9999` cannot become a long output.
const MAX_PADDING_ZEROS: i64 = 20;

impl fmt::Display for Number {
    /// Writes decimal text such as `12`, `-0.5` or `0.001`, using an exponent (`1e25`,
    /// `-1.5e-30`) only where plain notation would need more than 20 padding zeros, and `+Inf`
    /// or `-Inf` for the infinities. Every form parses back to the same number in cty, JSON
    /// and [`Number::parse`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (negative, digits, exponent) = match &self.0 {
            Repr::Infinity { negative } => {
                return f.write_str(if *negative { "-Inf" } else { "+Inf" });
            }
            Repr::Finite { digits, .. } if digits.is_empty() => return f.write_str("0"),
            Repr::Finite {
                negative,
                digits,
                exponent,
            } => (*negative, digits.as_str(), *exponent),
        };
        if negative {
            f.write_str("-")?;
        }
        let point = digits.len() as i64 + exponent;
        if (0..=MAX_PADDING_ZEROS).contains(&exponent) {
            write!(f, "{digits}{}", "0".repeat(exponent as usize))
        } else if exponent < 0 && point > 0 {
            let (whole, fraction) = digits.split_at(point as usize);
            write!(f, "{whole}.{fraction}")
        } else if exponent < 0 && -point <= MAX_PADDING_ZEROS {
            write!(f, "0.{}{digits}", "0".repeat(-point as usize))
        } else {
            let (first, rest) = digits.split_at(1);
            let separator = if rest.is_empty() { "" } else { "." };
            write!(f, "{first}{separator}{rest}e{}", point - 1)
        }
    }
}

#[cfg(test)]
mod tests;
