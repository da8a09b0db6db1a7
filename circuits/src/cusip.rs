//! CUSIP rules, natively: the alphabet, the check digit, the US Treasury issuer prefixes and the
//! field encoding. The CUSIP chip proves the same rules from the same tables
//! ([`crate::chips::rules_table`]), so ingestion, the native policy check and the circuit
//! cannot drift apart.

use ff::PrimeField;
use halo2curves::bn256::Fr;

/// US Treasury issuer prefixes (bills 912795/6/7, bonds 912810, notes 912828 and 91282C).
pub const TREASURY_PREFIXES: [&[u8; 6]; 6] = [b"912795", b"912796", b"912797", b"912810", b"912828", b"91282C"];

/// Every character a CUSIP may hold in its first eight places.
pub const CUSIP_ALPHABET: &[u8; 39] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*@#";

/// Which CUSIPs a policy admits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Eligibility {
    /// US Treasury bills, notes and bonds: one of [`TREASURY_PREFIXES`].
    #[default]
    #[serde(rename = "us-treasury")]
    UsTreasury,
    /// Any CUSIP with a valid check digit: agencies, corporates, munis.
    #[serde(rename = "any-cusip")]
    AnyCusip,
}

impl Eligibility {
    pub fn name(self) -> &'static str {
        match self {
            Eligibility::UsTreasury => "us-treasury",
            Eligibility::AnyCusip => "any-cusip",
        }
    }
}

/// Value of a CUSIP character in the check-digit sum.
pub fn char_value(b: u8) -> Option<u64> {
    match b {
        b'0'..=b'9' => Some(u64::from(b - b'0')),
        b'A'..=b'Z' => Some(u64::from(b - b'A') + 10),
        b'*' => Some(36),
        b'@' => Some(37),
        b'#' => Some(38),
        _ => None,
    }
}

fn digit_sum(v: u64) -> u64 {
    v / 10 + v % 10
}

/// What the character at 1-based `position` (1..=8) adds to the check-digit sum: its value,
/// doubled at even positions, then its decimal digits added.
pub fn char_contribution(b: u8, position: usize) -> Option<u64> {
    let v = char_value(b)?;
    Some(if position.is_multiple_of(2) { digit_sum(2 * v) } else { digit_sum(v) })
}

/// The check digit of the first eight characters.
pub fn check_digit(first8: &[u8]) -> Option<u64> {
    let mut sum = 0;
    for (i, &b) in first8.iter().enumerate() {
        sum += char_contribution(b, i + 1)?;
    }
    Some((10 - sum % 10) % 10)
}

pub fn is_treasury_prefix(prefix: &[u8]) -> bool {
    TREASURY_PREFIXES.iter().any(|p| &p[..] == prefix)
}

/// The first six characters read as a big-endian integer (what the prefix lookup sees).
pub fn prefix_value(c: &[u8; 9]) -> u64 {
    c[..6].iter().fold(0, |acc, &b| (acc << 8) | u64::from(b))
}

/// Why `c` is not a CUSIP with a valid check digit, if it is not.
pub fn cusip_error(c: &[u8; 9]) -> Option<String> {
    if let Some(&bad) = c[..8].iter().find(|&&b| char_value(b).is_none()) {
        return Some(format!("{}: character {:?} is not one of 0-9, A-Z, *, @, #", show(c), bad as char));
    }
    let expected = check_digit(&c[..8]).expect("alphabet checked");
    if !c[8].is_ascii_digit() || u64::from(c[8] - b'0') != expected {
        return Some(format!("{}: check digit {} expected {}", show(c), c[8] as char, expected));
    }
    None
}

/// Why `c` is not admitted under `eligible`, if it is not.
pub fn eligibility_error(c: &[u8; 9], eligible: Eligibility) -> Option<String> {
    if let Some(e) = cusip_error(c) {
        return Some(e);
    }
    if eligible == Eligibility::UsTreasury && !is_treasury_prefix(&c[..6]) {
        return Some(format!(
            "{} is not a US Treasury CUSIP (issuer prefix {}); the policy admits us-treasury only",
            show(c),
            String::from_utf8_lossy(&c[..6])
        ));
    }
    None
}

pub fn show(c: &[u8; 9]) -> String {
    String::from_utf8_lossy(c).into_owned()
}

/// The 9 big-endian bytes of `cusip_as_field`, if it fits in 9 bytes.
pub fn cusip_bytes(x: &Fr) -> Option<[u8; 9]> {
    let repr = x.to_repr(); // little-endian
    if repr[9..].iter().any(|&b| b != 0) {
        return None;
    }
    let mut out = [0u8; 9];
    for (i, o) in out.iter_mut().enumerate() {
        *o = repr[8 - i];
    }
    Some(out)
}

/// `cusip_as_field`: the 9 ASCII bytes read as a big-endian integer.
pub fn cusip_field(c: &[u8; 9]) -> Fr {
    Fr::from_u128(c.iter().fold(0u128, |v, &b| (v << 8) | u128::from(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_of_real_cusips() {
        // A Treasury bill, a note, and Apple's common stock (a corporate issuer).
        for c in [b"912797KJ5", b"91282CJL6", b"037833100"] {
            assert_eq!(cusip_error(c), None, "{}", show(c));
        }
        assert!(cusip_error(b"912797KJ4").is_some());
        assert!(eligibility_error(b"037833100", Eligibility::UsTreasury).is_some());
        assert_eq!(eligibility_error(b"037833100", Eligibility::AnyCusip), None);
    }
}
