//! CUSIP identifiers, validated on the way in so that a typo in a holdings file cannot silently
//! become a position in a security that does not exist.

use std::fmt;
use std::str::FromStr;

use bondproof_circuits::cusip::{char_value, check_digit as circuit_check_digit, cusip_field};
use bondproof_circuits::Fr;

/// A 9-character CUSIP whose characters are in the CUSIP alphabet and whose check digit is right.
///
/// Stored as the ASCII bytes, so the derived `Ord` is byte order, which for a fixed length equals
/// string order: sorting by `Cusip` sorts the way a person reading the strings expects.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cusip([u8; 9]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CusipError {
    #[error("a CUSIP has 9 characters, found {found}")]
    Length { found: usize },
    #[error("lowercase '{ch}' at position {position}: CUSIPs are uppercase (did you mean {suggestion}?)")]
    Lowercase { ch: char, position: usize, suggestion: String },
    #[error("character {ch:?} at position {position} is not allowed (only 0-9, A-Z, *, @, #)")]
    InvalidChar { ch: char, position: usize },
    #[error("the check digit (9th character) must be 0-9, found '{ch}'")]
    CheckDigitNotDigit { ch: char },
    #[error("check digit is {found}, expected {expected}")]
    CheckDigit { found: u8, expected: u8 },
}

/// The check digit (the value 0-9, not its ASCII code) of the first 8 characters of a CUSIP, or
/// `None` if one is outside the CUSIP alphabet. The circuits crate's rule, the one the CUSIP chip
/// proves, so that a CUSIP the ingestion accepts is one the attestation circuit proves valid.
pub fn check_digit(first8: &[u8]) -> Option<u8> {
    // The result is < 10, so the narrowing cannot lose anything.
    circuit_check_digit(&first8[..first8.len().min(8)]).map(|d| d as u8)
}

impl Cusip {
    /// Parses a CUSIP, ignoring surrounding ASCII whitespace. Lowercase is rejected rather than
    /// folded, because a lowercase CUSIP in a custody export usually means the column was
    /// hand-edited and deserves a second look.
    pub fn parse(s: &str) -> Result<Cusip, CusipError> {
        let s = s.trim_matches(|c: char| c.is_ascii_whitespace());
        let found = s.chars().count();
        if found != 9 {
            return Err(CusipError::Length { found });
        }
        let mut bytes = [0u8; 9];
        for (i, ch) in s.chars().enumerate() {
            let position = i + 1;
            if ch.is_ascii_lowercase() {
                return Err(CusipError::Lowercase { ch, position, suggestion: s.to_ascii_uppercase() });
            }
            let allowed = if i < 8 { ch.is_ascii() && char_value(ch as u8).is_some() } else { ch.is_ascii() };
            if !allowed {
                return Err(CusipError::InvalidChar { ch, position });
            }
            bytes[i] = ch as u8;
        }
        let last = bytes[8];
        if !last.is_ascii_digit() {
            return Err(CusipError::CheckDigitNotDigit { ch: char::from(last) });
        }
        let found = last - b'0';
        let expected = check_digit(&bytes[..8]).expect("the first 8 characters were checked above");
        if found != expected {
            return Err(CusipError::CheckDigit { found, expected });
        }
        Ok(Cusip(bytes))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII bytes are ever stored (checked in `parse`), which is always valid UTF-8.
        std::str::from_utf8(&self.0).unwrap_or("?????????")
    }

    pub fn as_bytes(&self) -> &[u8; 9] {
        &self.0
    }

    /// `cusip_as_field` (DESIGN.md): the 9 ASCII bytes read as a big-endian integer.
    pub fn to_field(&self) -> Fr {
        cusip_field(&self.0)
    }

    /// The 9 ASCII bytes as a big-endian integer (72 bits): an injective encoding that fits a
    /// single field element in the circuit and preserves the sort order.
    pub fn to_u128(&self) -> u128 {
        self.0.iter().fold(0u128, |acc, &b| (acc << 8) | u128::from(b))
    }
}

impl FromStr for Cusip {
    type Err = CusipError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Cusip::parse(s)
    }
}

impl TryFrom<&str> for Cusip {
    type Error = CusipError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Cusip::parse(s)
    }
}

impl fmt::Display for Cusip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Debug for Cusip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cusip({})", self.as_str())
    }
}

impl serde::Serialize for Cusip {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Cusip {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Owned string: a borrowed &str fails for JSON strings containing escapes.
        let s = String::deserialize(deserializer)?;
        Cusip::parse(&s).map_err(|e| serde::de::Error::custom(format!("CUSIP {s:?}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn treasury_bill_is_valid() {
        let c = Cusip::parse("912797KJ5").unwrap();
        assert_eq!(c.as_str(), "912797KJ5");
        assert_eq!(c.to_string(), "912797KJ5");
        assert_eq!(format!("{c:?}"), "Cusip(912797KJ5)");
        assert_eq!(check_digit(b"912797KJ"), Some(5));
    }

    #[test]
    fn apple_is_valid() {
        assert!(Cusip::parse("037833100").is_ok());
        assert_eq!(check_digit(b"03783310"), Some(0));
    }

    #[test]
    fn reference_data_cusips_are_valid() {
        // Real securities from shared/data, so the rule is checked against the outside world and
        // not only against itself.
        for s in [
            "912797VH7",
            "912797UD7",
            "912797VL8",
            "912810PW2",
            "912810PX0",
            "912810QA9",
            "912828KG4",
            "912795S93",
            "912828HN3",
            " 912797KJ5\t",
        ] {
            assert!(Cusip::parse(s).is_ok(), "{s}");
        }
    }

    #[test]
    fn wrong_check_digit() {
        let e = Cusip::parse("912797KJ4").unwrap_err();
        assert_eq!(e, CusipError::CheckDigit { found: 4, expected: 5 });
        assert_eq!(e.to_string(), "check digit is 4, expected 5");
        assert!(matches!(Cusip::parse("912797KJX"), Err(CusipError::CheckDigitNotDigit { ch: 'X' })));
    }

    #[test]
    fn bad_characters() {
        assert!(matches!(Cusip::parse("9127-7KJ5X"), Err(CusipError::Length { found: 10 })));
        assert!(matches!(Cusip::parse("9127-7KJ5"), Err(CusipError::InvalidChar { ch: '-', position: 5 })));
        assert!(matches!(Cusip::parse("9127é7KJ5"), Err(CusipError::InvalidChar { ch: 'é', position: 5 })));
        let e = Cusip::parse("912797kj5").unwrap_err();
        assert!(e.to_string().contains("did you mean 912797KJ5"), "{e}");
    }

    #[test]
    fn special_characters_in_alphabet() {
        let first8 = b"12*@#ABC";
        let d = check_digit(first8).expect("in the alphabet");
        let s = format!("{}{}", std::str::from_utf8(first8).unwrap(), d);
        assert!(Cusip::parse(&s).is_ok());
    }

    #[test]
    fn wrong_length() {
        assert_eq!(Cusip::parse("91279KJ5"), Err(CusipError::Length { found: 8 }));
        assert_eq!(Cusip::parse(""), Err(CusipError::Length { found: 0 }));
        assert!(Cusip::parse("912797KJ5 0").is_err());
    }

    #[test]
    fn order_and_integer_encoding() {
        let a = Cusip::parse("037833100").unwrap();
        let b = Cusip::parse("912797KJ5").unwrap();
        assert!(a < b);
        assert!(a.to_u128() < b.to_u128());
        assert_eq!(a.to_u128() >> 64, u128::from(b'0'));
        assert_eq!(a.to_u128() & 0xff, u128::from(b'0'));
    }

    #[test]
    fn serde_roundtrip() {
        let c = Cusip::parse("912797KJ5").unwrap();
        let j = serde_json::to_string(&c).unwrap();
        assert_eq!(j, "\"912797KJ5\"");
        assert_eq!(serde_json::from_str::<Cusip>(&j).unwrap(), c);
        assert!(serde_json::from_str::<Cusip>("\"912797KJ4\"").is_err());
    }
}
