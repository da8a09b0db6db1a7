//! Money, exactly: face values in cents or dollars, and the exact decimals (token supplies,
//! share counts, NAVs) that liabilities are computed from. Amounts are parsed from their digits
//! with checked or big-integer arithmetic; a float would silently turn 1000000.05 into
//! 100000004 cents.

use std::fmt;

use num_bigint::BigUint;
use num_traits::{One, Zero};

use super::trim;

const MAX_CENTS_MSG: &str = "is 2^64 cents or more; the largest accepted is 18446744073709551615 cents";

/// Common checks for both face-value forms; returns the text when it looks like a plain decimal.
fn money_precheck(s: &str) -> Result<&str, String> {
    let s = trim(s);
    if s.is_empty() {
        return Err("is empty".to_string());
    }
    if s.contains(',') {
        return Err(format!("{s:?} contains ','; write the amount without thousands separators, e.g. 1000000.00"));
    }
    if let Some(rest) = s.strip_prefix('-') {
        if rest.bytes().any(|b| b.is_ascii_digit()) {
            return Err(format!("must be greater than zero, found {s}"));
        }
    }
    Ok(s)
}

/// Integer cents, e.g. "100000000" for $1,000,000. Must be greater than zero.
pub fn parse_cents(s: &str) -> Result<u64, String> {
    let s = money_precheck(s)?;
    if s.contains('.') && s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(format!(
            "must be a whole number of cents, found {s}; use a face_value_usd column for dollar amounts"
        ));
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("is not a whole number of cents: {s:?}"));
    }
    let v = digits_to_u64(s).ok_or_else(|| MAX_CENTS_MSG.to_string())?;
    if v == 0 {
        return Err("must be greater than zero".to_string());
    }
    Ok(v)
}

/// Dollars with at most two decimals, e.g. "1000000.05" = 100000005 cents. Must be greater than
/// zero.
pub fn parse_usd(s: &str) -> Result<u64, String> {
    let s = money_precheck(s)?;
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let plain = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !plain(int) || !frac.is_none_or(plain) {
        return Err(format!(
            "is not a plain decimal dollar amount: {s:?} (expected digits with an optional \
             '.' and up to 2 decimals, e.g. 1000000.05)"
        ));
    }
    let frac = frac.unwrap_or("");
    if frac.len() > 2 {
        return Err(format!("{s} has {} decimal places; at most 2 (whole cents) are accepted", frac.len()));
    }
    let dollars = digits_to_u64(int).ok_or_else(|| MAX_CENTS_MSG.to_string())?;
    let cents = match frac.len() {
        0 => 0,
        1 => digits_to_u64(frac).unwrap_or(0) * 10,
        _ => digits_to_u64(frac).unwrap_or(0),
    };
    let v = dollars.checked_mul(100).and_then(|d| d.checked_add(cents)).ok_or_else(|| MAX_CENTS_MSG.to_string())?;
    if v == 0 {
        return Err("must be greater than zero".to_string());
    }
    Ok(v)
}

/// `None` on overflow. The caller has checked that `s` is ASCII digits only.
fn digits_to_u64(s: &str) -> Option<u64> {
    s.bytes().try_fold(0u64, |acc, b| acc.checked_mul(10)?.checked_add(u64::from(b - b'0')))
}

/// An exact non-negative decimal: `digits / 10^scale`. "1.0234" is (10234, 4); a supply of
/// 1500000 base units of a 6-decimal token is (1500000, 6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decimal {
    pub digits: BigUint,
    pub scale: u32,
}

impl Decimal {
    pub fn one() -> Self {
        Decimal { digits: BigUint::one(), scale: 0 }
    }

    /// `units` base units of a token with `decimals` decimals, in whole tokens.
    pub fn from_units(units: BigUint, decimals: u8) -> Self {
        Decimal { digits: units, scale: u32::from(decimals) }
    }

    pub fn is_zero(&self) -> bool {
        self.digits.is_zero()
    }

    /// A non-negative decimal such as "1250000" or "1250000.125"; `what` names the unit in the
    /// error ("shares").
    pub fn parse(s: &str, what: &str) -> Result<Decimal, String> {
        let s = decimal_precheck(s)?;
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(int) || (s.contains('.') && !digits(frac)) {
            return Err(format!(
                "must be a decimal number of {what} such as \"1250000\" or \"1250000.125\", \
                 found {s:?}"
            ));
        }
        Self::from_parts(s, int, frac)
    }

    /// A decimal greater than zero such as "1" or "1.0234" (a NAV).
    pub fn parse_positive(s: &str) -> Result<Decimal, String> {
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty() || !digits(int) || !digits(frac) || (s.contains('.') && frac.is_empty()) {
            return Err(format!("must be a positive decimal such as \"1\" or \"1.0234\", found {s:?}"));
        }
        let d = Self::from_parts(s, int, frac)?;
        if d.is_zero() {
            return Err("must be greater than zero".to_string());
        }
        Ok(d)
    }

    fn from_parts(s: &str, int: &str, frac: &str) -> Result<Decimal, String> {
        let scale = u32::try_from(frac.len()).map_err(|_| "has too many decimal places".to_string())?;
        let digits = BigUint::parse_bytes(format!("{int}{frac}").as_bytes(), 10)
            .ok_or_else(|| format!("is not a number: {s:?}"))?;
        Ok(Decimal { digits, scale })
    }

    /// `ceil(self * nav * 100)`: a value in cents, rounded up, never in the custodian's favour.
    pub fn ceil_cents(&self, nav: &Decimal) -> BigUint {
        let num = &self.digits * &nav.digits * 100u32;
        ceil_div(&num, &pow10(self.scale + nav.scale))
    }
}

/// Written with exactly `scale` decimals, as parsed: "1.0234", "0.50", "1250000".
impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.digits.to_str_radix(10);
        let scale = self.scale as usize;
        if scale == 0 {
            return f.write_str(&s);
        }
        let padded = format!("{s:0>width$}", width = scale + 1);
        let (int, frac) = padded.split_at(padded.len() - scale);
        write!(f, "{int}.{frac}")
    }
}

/// A whole number of token base units: digits only.
pub fn parse_whole(s: &str) -> Result<BigUint, String> {
    let s = decimal_precheck(s)?;
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("must be a whole number of token base units (digits only), found {s:?}"));
    }
    BigUint::parse_bytes(s.as_bytes(), 10).ok_or_else(|| format!("is not a number: {s:?}"))
}

/// Common checks for supplies and share counts.
fn decimal_precheck(s: &str) -> Result<&str, String> {
    if s.is_empty() {
        return Err("is empty".to_string());
    }
    if s.contains(',') {
        return Err(format!("{s:?} contains ','; write the number without separators"));
    }
    if s.starts_with('-') {
        return Err(format!("must not be negative, found {s}"));
    }
    Ok(s)
}

fn pow10(e: u32) -> BigUint {
    num_traits::pow(BigUint::from(10u32), e as usize)
}

fn ceil_div(n: &BigUint, d: &BigUint) -> BigUint {
    if d.is_zero() {
        // Unreachable: denominators are powers of ten. Returning n keeps this panic-free.
        return n.clone();
    }
    let q = n / d;
    if (&q * d) == *n {
        q
    } else {
        q + BigUint::one()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usd_amount_forms() {
        assert_eq!(parse_usd("1000000"), Ok(100_000_000));
        assert_eq!(parse_usd("1000000.5"), Ok(100_000_050));
        assert_eq!(parse_usd("1000000.05"), Ok(100_000_005));
        assert_eq!(parse_usd("0.01"), Ok(1));
        assert!(parse_usd("1,000,000.00").unwrap_err().contains("thousands separators"));
        assert!(parse_usd("1.005").unwrap_err().contains("3 decimal places"));
        assert!(parse_usd("1.").is_err());
        assert!(parse_usd(".5").is_err());
        assert!(parse_usd("$5").is_err());
        assert!(parse_usd("1e6").is_err());
        assert!(parse_usd("0.00").unwrap_err().contains("greater than zero"));
        assert!(parse_usd("-1.00").unwrap_err().contains("greater than zero"));
        assert_eq!(parse_usd("184467440737095516.15"), Ok(u64::MAX));
        assert!(parse_usd("184467440737095516.16").unwrap_err().contains("2^64"));
    }

    #[test]
    fn cents_forms() {
        assert_eq!(parse_cents(" 100000000 "), Ok(100_000_000));
        assert_eq!(parse_cents("18446744073709551615"), Ok(u64::MAX));
        assert!(parse_cents("18446744073709551616").unwrap_err().contains("2^64"));
        assert!(parse_cents("12.5").unwrap_err().contains("whole number of cents"));
        assert!(parse_cents("0").unwrap_err().contains("greater than zero"));
    }

    fn dec(s: &str) -> Decimal {
        Decimal::parse(s, "shares").unwrap()
    }

    #[test]
    fn decimals_parse_and_print_as_written() {
        for s in ["0", "1", "1250000.125", "0.50", "0.001", "10.0"] {
            assert_eq!(dec(s).to_string(), s);
        }
        assert_eq!(dec("1.0234"), Decimal { digits: 10234u32.into(), scale: 4 });
        for (bad, needle) in [
            ("", "empty"),
            ("1,000", "','"),
            ("-1", "negative"),
            ("1.", "decimal number of shares"),
            (".5", "decimal number of shares"),
            ("1e3", "decimal number of shares"),
            ("1.2.3", "decimal number of shares"),
        ] {
            assert!(Decimal::parse(bad, "shares").unwrap_err().contains(needle), "{bad}");
        }
        assert_eq!(Decimal::parse_positive("1.0234").unwrap().to_string(), "1.0234");
        for bad in ["-1", "1.", "abc", ".5"] {
            assert!(Decimal::parse_positive(bad).unwrap_err().contains("positive decimal"), "{bad}");
        }
        for zero in ["0", "0.000"] {
            assert!(Decimal::parse_positive(zero).unwrap_err().contains("greater than zero"));
        }
        assert_eq!(parse_whole("123").unwrap(), BigUint::from(123u32));
        assert!(parse_whole("1.5").unwrap_err().contains("whole number"));
    }

    #[test]
    fn ceil_cents_rounds_up_only_fractions() {
        let one = Decimal::one();
        // 1 base unit at 18 decimals is 1e-16 cents: 1 cent, rounded up.
        assert_eq!(Decimal::from_units(1u32.into(), 18).ceil_cents(&one), BigUint::one());
        assert_eq!(Decimal::from_units(0u32.into(), 18).ceil_cents(&one), BigUint::zero());
        // 1000 tokens at $1.0234 = exactly $1023.40.
        let units = BigUint::from(10u32).pow(21);
        let nav = Decimal::parse_positive("1.0234").unwrap();
        assert_eq!(Decimal::from_units(units, 18).ceil_cents(&nav), BigUint::from(102_340u32));
        // 1 token at $1.02345 = 102.345 cents -> 103.
        let nav = Decimal::parse_positive("1.02345").unwrap();
        assert_eq!(Decimal::from_units(1u32.into(), 0).ceil_cents(&nav), BigUint::from(103u32));
        assert_eq!(dec("0.125").ceil_cents(&one), BigUint::from(13u32));
        assert_eq!(dec("0.12").ceil_cents(&one), BigUint::from(12u32));
    }
}
