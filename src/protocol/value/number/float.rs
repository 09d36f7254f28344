//! Exact decimal expansion of binary floats.

/// Returns the decimal digits and exponent of a finite, non-negative float's exact value, so
/// that the value equals digits × 10^exponent.
pub(super) fn exact_decimal(value: f64) -> (String, i64) {
    let (mantissa, binary_exponent) = split_f64(value);
    let mut big = BigDecimal::from_u64(mantissa);
    if binary_exponent >= 0 {
        // An integer: the mantissa times a power of two.
        for _ in 0..binary_exponent {
            big.multiply(2);
        }
        (big.to_digits(), 0)
    } else {
        // m / 2^k equals m × 5^k / 10^k, which is a finite decimal fraction.
        for _ in 0..-binary_exponent {
            big.multiply(5);
        }
        (big.to_digits(), i64::from(binary_exponent))
    }
}

/// Splits a finite float into an integer mantissa and a power-of-two exponent, with the
/// mantissa odd (or zero) so the decimal conversion does no needless work.
fn split_f64(value: f64) -> (u64, i32) {
    let bits = value.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (mut mantissa, mut exponent) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), biased - 1075)
    };
    if mantissa == 0 {
        return (0, 0);
    }
    while mantissa & 1 == 0 {
        mantissa >>= 1;
        exponent += 1;
    }
    (mantissa, exponent)
}

/// A non-negative integer in base 10^9 limbs, just enough to expand a float exactly.
struct BigDecimal {
    /// Least significant limb first.
    limbs: Vec<u32>,
}

impl BigDecimal {
    const BASE: u64 = 1_000_000_000;

    fn from_u64(mut value: u64) -> Self {
        let mut limbs = Vec::new();
        while value > 0 {
            limbs.push((value % Self::BASE) as u32);
            value /= Self::BASE;
        }
        Self { limbs }
    }

    fn multiply(&mut self, factor: u32) {
        let mut carry = 0u64;
        for limb in &mut self.limbs {
            let product = u64::from(*limb) * u64::from(factor) + carry;
            *limb = (product % Self::BASE) as u32;
            carry = product / Self::BASE;
        }
        if carry > 0 {
            self.limbs.push(carry as u32);
        }
    }

    fn to_digits(&self) -> String {
        let mut text = String::new();
        for (index, limb) in self.limbs.iter().rev().enumerate() {
            if index == 0 {
                text.push_str(&limb.to_string());
            } else {
                text.push_str(&format!("{limb:09}"));
            }
        }
        text
    }
}
