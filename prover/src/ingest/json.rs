//! JSON read from its source text. Values stay raw (`RawValue`) until a field's rule reads them,
//! so numbers are taken from their exact digits, never through f64, and an object's repeated
//! key is reported instead of silently keeping the last value, as serde_json's maps do.

use std::path::Path;

use serde_json::value::RawValue;

use super::error::InputError;

/// Parses a whole file, syntax only; a syntax error names its line.
pub(crate) fn parse_document(path: &Path, text: &str) -> Result<Box<RawValue>, InputError> {
    serde_json::from_str(text).map_err(|e| syntax_error(path, &e))
}

fn syntax_error(path: &Path, e: &serde_json::Error) -> InputError {
    InputError::new(path, format!("invalid JSON: {e}")).at_line(e.line().max(1))
}

/// A JSON object's members in document order, duplicates kept so they can be reported.
struct Members(Vec<(String, Box<RawValue>)>);

impl<'de> serde::Deserialize<'de> for Members {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Members;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut v = Vec::new();
                while let Some(k) = map.next_key::<String>()? {
                    let val: Box<RawValue> = map.next_value()?;
                    v.push((k, val));
                }
                Ok(Members(v))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JsonKind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

/// What a raw JSON value is, from its first character (serde_json has already checked syntax).
pub(crate) fn json_kind(raw: &RawValue) -> JsonKind {
    match raw.get().trim_start().as_bytes().first() {
        Some(b'{') => JsonKind::Object,
        Some(b'[') => JsonKind::Array,
        Some(b'"') => JsonKind::String,
        Some(b'-' | b'0'..=b'9') => JsonKind::Number,
        Some(b'n') => JsonKind::Null,
        _ => JsonKind::Bool,
    }
}

/// Members of an already syntax-checked object; `None` if `raw` is not an object.
pub(crate) fn json_members(raw: &RawValue) -> Option<Vec<(String, Box<RawValue>)>> {
    match json_kind(raw) {
        JsonKind::Object => serde_json::from_str::<Members>(raw.get()).ok().map(|m| m.0),
        _ => None,
    }
}

pub(crate) fn json_array(raw: &RawValue) -> Option<Vec<Box<RawValue>>> {
    match json_kind(raw) {
        JsonKind::Array => serde_json::from_str(raw.get()).ok(),
        _ => None,
    }
}

pub(crate) fn json_string(raw: &RawValue) -> Option<String> {
    match json_kind(raw) {
        JsonKind::String => serde_json::from_str(raw.get()).ok(),
        _ => None,
    }
}

pub(crate) fn json_bool(raw: &RawValue) -> Option<bool> {
    match raw.get().trim() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// A JSON integer literal, or `None` (fractions, exponents, negatives, strings).
pub(crate) fn json_uint(raw: &RawValue) -> Option<u128> {
    let text = raw.get().trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The trimmed contents of a JSON string holding a number. Numbers as JSON numbers are refused:
/// token supplies exceed 2^53 routinely and many JSON tools would already have rounded them.
pub(crate) fn decimal_string(raw: &RawValue) -> Result<String, String> {
    match json_kind(raw) {
        JsonKind::String => Ok(super::trim(&json_string(raw).unwrap_or_default()).to_string()),
        JsonKind::Number => {
            Err(format!("must be a decimal string, e.g. \"{}\": JSON numbers lose precision in many tools", raw.get()))
        }
        _ => Err(format!("must be a decimal string, found {}", raw.get())),
    }
}

/// Why an entry's members do not fit its field list.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FieldError {
    Unknown(String),
    Twice(String),
}

/// An entry's members sorted into the slots of `names`, in that order. Unknown and repeated
/// keys are errors: a misspelt optional field would otherwise be ignored, and its default used.
pub(crate) fn known_fields<'m, const N: usize>(
    members: &'m [(String, Box<RawValue>)],
    names: &[&str; N],
) -> Result<[Option<&'m RawValue>; N], FieldError> {
    let mut fields: [Option<&RawValue>; N] = [None; N];
    for (k, v) in members {
        let idx = names.iter().position(|f| f == k).ok_or_else(|| FieldError::Unknown(k.clone()))?;
        if fields[idx].is_some() {
            return Err(FieldError::Twice(k.clone()));
        }
        fields[idx] = Some(v);
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Box<RawValue> {
        serde_json::from_str(s).unwrap()
    }

    #[test]
    fn kinds_and_scalars() {
        assert_eq!(json_kind(&raw(" {}")), JsonKind::Object);
        assert_eq!(json_kind(&raw("[1]")), JsonKind::Array);
        assert_eq!(json_kind(&raw("-1")), JsonKind::Number);
        assert_eq!(json_kind(&raw("true")), JsonKind::Bool);
        assert_eq!(json_kind(&raw("null")), JsonKind::Null);
        assert_eq!(json_string(&raw(r#""a\"b""#)).as_deref(), Some("a\"b"));
        assert_eq!(json_string(&raw("1")), None);
        assert_eq!(json_bool(&raw("false")), Some(false));
        assert_eq!(json_bool(&raw("\"true\"")), None);
        assert_eq!(json_uint(&raw("18446744073709551616")), Some(1 << 64));
        for bad in ["1.0", "1e3", "-1", "\"1\""] {
            assert_eq!(json_uint(&raw(bad)), None, "{bad}");
        }
        assert_eq!(decimal_string(&raw("\" 12.5 \"")).as_deref(), Ok("12.5"));
        assert!(decimal_string(&raw("12.5")).unwrap_err().contains("lose precision"));
    }

    #[test]
    fn members_keep_order_and_repeats() {
        let m = json_members(&raw(r#"{"b": 1, "a": 2, "b": 3}"#)).unwrap();
        let keys: Vec<&str> = m.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["b", "a", "b"]);
        assert_eq!(known_fields(&m, &["a", "b"]).err(), Some(FieldError::Twice("b".into())));
        assert_eq!(known_fields(&m[..2], &["a"]).err(), Some(FieldError::Unknown("b".into())));
        let [a, b, c] = known_fields(&m[..2], &["a", "b", "c"]).unwrap();
        assert_eq!((a.unwrap().get(), b.unwrap().get(), c.is_none()), ("2", "1", true));
        assert!(json_members(&raw("[]")).is_none());
    }

    #[test]
    fn syntax_error_names_line() {
        let e = parse_document(Path::new("x.json"), "[\n{\"a\": \n").unwrap_err();
        assert_eq!(e.line(), Some(3), "{e}");
        assert!(e.message.contains("invalid JSON"), "{e}");
    }
}
