//! Reading the token-side liabilities: what the fund owes its token holders across chains.
//!
//! Arithmetic is exact (big integers over a common power-of-ten denominator) and rounds up once,
//! on the total: any rounding error is then against the custodian, never in its favour, and is
//! less than one cent.

use std::collections::HashMap;
use std::path::Path;

use num_bigint::BigUint;
use num_traits::{One, ToPrimitive, Zero};
use serde_json::value::RawValue;

use crate::holdings::{
    decode_text, json_array, json_kind, json_members, json_string, json_syntax_error, JsonKind,
};
use crate::input_error::{InputError, Location};

/// The circuit range-checks the liabilities total in 96 bits.
pub const MAX_LIABILITY_BITS: u32 = 96;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    pub chain_id: u64,
    /// The token contract address.
    pub token: [u8; 20],
    pub decimals: u8,
    /// In token base units.
    pub total_supply: BigUint,
    /// USD value of one whole token, as written in the file (default "1").
    pub nav_usd: String,
    /// This deployment's value in cents, rounded up on its own. For display: the sum of these can
    /// exceed `Liabilities::total_cents` by less than one cent per deployment.
    pub cents: u128,
}

impl Deployment {
    /// The address as lowercase `0x…` hex.
    pub fn token_hex(&self) -> String {
        hex_address(&self.token)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Liabilities {
    pub deployments: Vec<Deployment>,
    /// Exact sum over deployments, rounded up once; always < 2^96.
    pub total_cents: u128,
}

impl Liabilities {
    /// Each deployment's value in cents, each rounded up, in file order.
    pub fn per_deployment_cents(&self) -> Vec<u128> {
        self.deployments.iter().map(|d| d.cents).collect()
    }
}

const FIELDS: [&str; 5] = ["chain_id", "token", "decimals", "total_supply", "nav_usd"];

pub fn load_liabilities(path: &Path) -> Result<Liabilities, InputError> {
    let bytes = std::fs::read(path)
        .map_err(|e| InputError::new(path, format!("cannot read the file: {e}")))?;
    let text = decode_text(path, &bytes)?;
    if text.trim().is_empty() {
        return Err(InputError::new(path, "the file is empty"));
    }
    let top: Box<RawValue> = serde_json::from_str(text).map_err(|e| json_syntax_error(path, &e))?;
    let shape = "expected an object {\"deployments\": [...]}";
    let members = json_members(&top).ok_or_else(|| InputError::new(path, shape))?;
    let mut list = None;
    for (k, v) in members {
        if k != "deployments" {
            return Err(
                InputError::new(path, format!("unknown top-level field; {shape}")).field(k),
            );
        }
        if list.is_some() {
            return Err(InputError::new(path, "appears twice").field("deployments"));
        }
        list = Some(v);
    }
    let list = list
        .ok_or_else(|| InputError::new(path, format!("missing; {shape}")).field("deployments"))?;
    let entries = json_array(&list)
        .ok_or_else(|| InputError::new(path, "must be an array").field("deployments"))?;
    if entries.is_empty() {
        return Err(
            InputError::new(path, "at least one deployment is required").field("deployments")
        );
    }

    let mut parsed = Vec::with_capacity(entries.len());
    let mut seen: HashMap<(u64, [u8; 20]), usize> = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        let loc = Location::Deployment(i + 1);
        let d = parse_deployment(path, loc, entry)?;
        if let Some(prev) = seen.insert((d.chain_id, d.token), i + 1) {
            return Err(InputError::new(
                path,
                format!(
                    "chain {} token {} is listed twice (deployments {prev} and {})",
                    d.chain_id,
                    hex_address(&d.token),
                    i + 1
                ),
            )
            .at(loc)
            .field("token"));
        }
        parsed.push(d);
    }

    let max_exp = parsed.iter().map(|d| d.exponent).max().unwrap_or(0);
    let mut total_num = BigUint::zero();
    let mut deployments = Vec::with_capacity(parsed.len());
    for d in &parsed {
        // value in cents = supply * nav_num * 100 / 10^exponent
        let num = &d.supply * &d.nav_num * 100u32;
        total_num += &num * pow10(max_exp - d.exponent);
        deployments.push((d, ceil_div(&num, &pow10(d.exponent))));
    }
    let total = ceil_div(&total_num, &pow10(max_exp));
    if total.bits() > u64::from(MAX_LIABILITY_BITS) {
        return Err(InputError::new(
            path,
            format!("liabilities exceed 2^96 cents, the circuit's bound (total is {total} cents)"),
        ));
    }
    // Each part is at most the total (all terms are non-negative), so these fit.
    let to_u128 = |v: &BigUint| v.to_u128().unwrap_or(u128::MAX);
    Ok(Liabilities {
        total_cents: to_u128(&total),
        deployments: deployments
            .into_iter()
            .map(|(d, cents)| Deployment {
                chain_id: d.chain_id,
                token: d.token,
                decimals: d.decimals,
                total_supply: d.supply.clone(),
                nav_usd: d.nav_text.clone(),
                cents: to_u128(&cents),
            })
            .collect(),
    })
}

struct Parsed {
    chain_id: u64,
    token: [u8; 20],
    decimals: u8,
    supply: BigUint,
    nav_text: String,
    nav_num: BigUint,
    /// decimals + digits after the NAV's decimal point: the power of ten to divide by.
    exponent: u32,
}

fn hex_address(a: &[u8; 20]) -> String {
    let mut s = String::with_capacity(42);
    s.push_str("0x");
    for b in a {
        s.push_str(&format!("{b:02x}"));
    }
    s
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

fn parse_deployment(path: &Path, loc: Location, entry: &RawValue) -> Result<Parsed, InputError> {
    let err = |field: &str, msg: String| InputError::new(path, msg).at(loc).field(field);
    let members = json_members(entry)
        .ok_or_else(|| InputError::new(path, "must be a JSON object").at(loc))?;
    let mut fields: [Option<&RawValue>; 5] = [None; 5];
    for (k, v) in &members {
        let Some(idx) = FIELDS.iter().position(|f| f == k) else {
            return Err(err(
                k,
                format!("unknown field; expected fields: {}", FIELDS.join(", ")),
            ));
        };
        if fields[idx].is_some() {
            return Err(err(k, "appears twice".to_string()));
        }
        fields[idx] = Some(v);
    }
    let [chain_id, token, decimals, supply, nav] = fields;
    let required = |name: &str, v: Option<&'_ RawValue>| {
        v.map(|r| r.get().to_string())
            .ok_or_else(|| err(name, "missing required field".to_string()))
    };

    let chain_id_text = required("chain_id", chain_id)?;
    let chain_id = json_uint(&chain_id_text)
        .and_then(|v| u64::try_from(v).ok())
        .filter(|&v| v > 0)
        .ok_or_else(|| {
            err(
                "chain_id",
                format!("must be a positive integer, found {chain_id_text}"),
            )
        })?;

    let decimals_text = required("decimals", decimals)?;
    let decimals = json_uint(&decimals_text)
        .and_then(|v| u8::try_from(v).ok())
        .ok_or_else(|| {
            err(
                "decimals",
                format!("must be an integer from 0 to 255 (ERC-20 uint8), found {decimals_text}"),
            )
        })?;

    let token_raw = token.ok_or_else(|| err("token", "missing required field".to_string()))?;
    let token_text = json_string(token_raw).ok_or_else(|| {
        err(
            "token",
            format!("must be a string, found {}", token_raw.get()),
        )
    })?;
    let token = parse_address(&token_text).map_err(|m| err("token", m))?;

    let supply_raw =
        supply.ok_or_else(|| err("total_supply", "missing required field".to_string()))?;
    let supply_text = decimal_string(supply_raw).map_err(|m| err("total_supply", m))?;
    let supply = parse_uint(&supply_text).map_err(|m| err("total_supply", m))?;

    let (nav_text, nav_num, nav_scale) = match nav {
        None => ("1".to_string(), BigUint::one(), 0),
        Some(raw) => {
            let t = decimal_string(raw).map_err(|m| err("nav_usd", m))?;
            let (num, scale) = parse_nav(&t).map_err(|m| err("nav_usd", m))?;
            (t, num, scale)
        }
    };
    Ok(Parsed {
        chain_id,
        token,
        decimals,
        supply,
        nav_text,
        nav_num,
        exponent: u32::from(decimals) + nav_scale,
    })
}

/// A JSON integer literal, or `None` (fractions, exponents, negatives, strings).
fn json_uint(text: &str) -> Option<u128> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The trimmed contents of a JSON string holding a number. Numbers as JSON numbers are refused:
/// supplies exceed 2^53 routinely and many JSON tools would already have rounded them.
fn decimal_string(raw: &RawValue) -> Result<String, String> {
    match json_kind(raw) {
        JsonKind::String => Ok(json_string(raw)
            .unwrap_or_default()
            .trim_matches(|c: char| c.is_ascii_whitespace())
            .to_string()),
        JsonKind::Number => Err(format!(
            "must be a decimal string, e.g. \"{}\": JSON numbers lose precision in many tools",
            raw.get()
        )),
        _ => Err(format!("must be a decimal string, found {}", raw.get())),
    }
}

fn parse_uint(s: &str) -> Result<BigUint, String> {
    if s.is_empty() {
        return Err("is empty".to_string());
    }
    if s.contains(',') {
        return Err(format!(
            "{s:?} contains ','; write the number without separators"
        ));
    }
    if s.starts_with('-') {
        return Err(format!("must not be negative, found {s}"));
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "must be a whole number of token base units (digits only), found {s:?}"
        ));
    }
    BigUint::parse_bytes(s.as_bytes(), 10).ok_or_else(|| format!("is not a number: {s:?}"))
}

/// "1.0234" -> (10234, 4). Must be > 0.
fn parse_nav(s: &str) -> Result<(BigUint, u32), String> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || (s.contains('.') && frac.is_empty()) {
        return Err(format!(
            "must be a positive decimal such as \"1\" or \"1.0234\", found {s:?}"
        ));
    }
    let scale = u32::try_from(frac.len()).map_err(|_| "has too many decimal places".to_string())?;
    let all = format!("{int}{frac}");
    let num = BigUint::parse_bytes(all.as_bytes(), 10)
        .ok_or_else(|| format!("is not a number: {s:?}"))?;
    if num.is_zero() {
        return Err("must be greater than zero".to_string());
    }
    Ok((num, scale))
}

fn parse_address(s: &str) -> Result<[u8; 20], String> {
    let shape = || format!("must be 0x followed by 40 hex digits (a 20-byte address), found {s:?}");
    let hex = s.strip_prefix("0x").ok_or_else(shape)?;
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(shape());
    }
    let mut out = [0u8; 20];
    for (i, pair) in hex.as_bytes().chunks(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16).unwrap_or(0);
        let lo = (pair[1] as char).to_digit(16).unwrap_or(0);
        out[i] = (hi * 16 + lo) as u8;
    }
    if out == [0u8; 20] {
        return Err("is the zero address, which is not a token contract".to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const USDC_LIKE: &str = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48";
    const OTHER: &str = "0x1111111111111111111111111111111111111111";

    fn load(content: &str) -> Result<Liabilities, InputError> {
        let mut f = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
        f.write_all(content.as_bytes()).unwrap();
        f.flush().unwrap();
        load_liabilities(f.path())
    }

    fn load_err(content: &str) -> InputError {
        match load(content) {
            Ok(l) => panic!("expected an error, got {l:?}"),
            Err(e) => e,
        }
    }

    fn one(fields: &str) -> String {
        format!("{{\"deployments\": [{{{fields}}}]}}")
    }

    fn assert_err(e: &InputError, loc: Option<Location>, field: Option<&str>, needle: &str) {
        assert_eq!(e.location, loc, "{e}");
        assert_eq!(e.field.as_deref(), field, "{e}");
        assert!(
            e.message.contains(needle),
            "{e:?} should mention {needle:?}"
        );
    }

    #[test]
    fn simple_deployment() {
        let l = load(&one(&format!(
            r#""chain_id": 1, "token": "{USDC_LIKE}", "decimals": 6, "total_supply": "1234500000""#
        )))
        .unwrap();
        assert_eq!(l.total_cents, 123_450);
        assert_eq!(l.deployments.len(), 1);
        let d = &l.deployments[0];
        assert_eq!(d.chain_id, 1);
        assert_eq!(d.decimals, 6);
        assert_eq!(d.nav_usd, "1");
        assert_eq!(d.token_hex(), USDC_LIKE.to_ascii_lowercase());
        assert_eq!(l.per_deployment_cents(), vec![123_450]);
    }

    #[test]
    fn rounds_up() {
        // 1 base unit of a 6-decimal token is 0.0001 cents.
        let l = load(&one(&format!(
            r#""chain_id": 1, "token": "{OTHER}", "decimals": 6, "total_supply": "1""#
        )))
        .unwrap();
        assert_eq!(l.total_cents, 1);
        let l = load(&one(&format!(
            r#""chain_id": 1, "token": "{OTHER}", "decimals": 6, "total_supply": "0""#
        )))
        .unwrap();
        assert_eq!(l.total_cents, 0);
    }

    #[test]
    fn nav_above_one() {
        // 1000 tokens at $1.0234 = $1023.40 exactly.
        let l = load(&one(&format!(
            r#""chain_id": 1, "token": "{OTHER}", "decimals": 18, "total_supply": "1000000000000000000000", "nav_usd": "1.0234""#
        )))
        .unwrap();
        assert_eq!(l.total_cents, 102_340);
        // 1 token at $1.02345 = 102.345 cents -> 103.
        let l = load(&one(&format!(
            r#""chain_id": 1, "token": "{OTHER}", "decimals": 0, "total_supply": "1", "nav_usd": "1.02345""#
        )))
        .unwrap();
        assert_eq!(l.total_cents, 103);
    }

    #[test]
    fn two_deployments_summed_and_rounded_once() {
        // Each is 0.5 cents: separately they round to 1 + 1, the exact total is 1 cent.
        let text = format!(
            r#"{{"deployments": [
                {{"chain_id": 1, "token": "{OTHER}", "decimals": 6, "total_supply": "5000"}},
                {{"chain_id": 8453, "token": "{OTHER}", "decimals": 2, "total_supply": "1", "nav_usd": "0.5"}}
            ]}}"#
        );
        let l = load(&text).unwrap();
        assert_eq!(l.total_cents, 1);
        assert_eq!(l.per_deployment_cents(), vec![1, 1]);

        let text = format!(
            r#"{{"deployments": [
                {{"chain_id": 1, "token": "{USDC_LIKE}", "decimals": 6, "total_supply": "1234500000"}},
                {{"chain_id": 137, "token": "{USDC_LIKE}", "decimals": 18, "total_supply": "2000000000000000000", "nav_usd": "1.0234"}}
            ]}}"#
        );
        let l = load(&text).unwrap();
        assert_eq!(l.total_cents, 123_450 + 205);
    }

    #[test]
    fn bound_96_bits() {
        // 2^96 cents exactly, as whole tokens at $0.01 with 0 decimals.
        let max = (BigUint::one() << 96u32) - BigUint::one();
        let ok = one(&format!(
            r#""chain_id": 1, "token": "{OTHER}", "decimals": 0, "total_supply": "{max}", "nav_usd": "0.01""#
        ));
        assert_eq!(load(&ok).unwrap().total_cents, (1u128 << 96) - 1);
        let over = one(&format!(
            r#""chain_id": 1, "token": "{OTHER}", "decimals": 0, "total_supply": "{}", "nav_usd": "0.01""#,
            BigUint::one() << 96u32
        ));
        let e = load_err(&over);
        assert!(
            e.message
                .contains("liabilities exceed 2^96 cents, the circuit's bound"),
            "{e}"
        );
        let huge = one(&format!(
            r#""chain_id": 1, "token": "{OTHER}", "decimals": 6, "total_supply": "{}""#,
            "9".repeat(200)
        ));
        assert!(load_err(&huge).message.contains("2^96"));
    }

    #[test]
    fn field_errors() {
        let d1 = Some(Location::Deployment(1));
        let base = |extra: &str, skip: &str| {
            let mut parts = vec![];
            for (k, v) in [
                ("chain_id", "1".to_string()),
                ("token", format!("\"{OTHER}\"")),
                ("decimals", "6".to_string()),
                ("total_supply", "\"100\"".to_string()),
            ] {
                if k != skip {
                    parts.push(format!("\"{k}\": {v}"));
                }
            }
            if !extra.is_empty() {
                parts.push(extra.to_string());
            }
            one(&parts.join(", "))
        };
        for (extra, skip, field, needle) in [
            ("", "chain_id", "chain_id", "missing"),
            ("", "token", "token", "missing"),
            ("", "decimals", "decimals", "missing"),
            ("", "total_supply", "total_supply", "missing"),
            ("\"issuer\": \"x\"", "", "issuer", "unknown field"),
            (
                "\"chain_id\": 0",
                "chain_id",
                "chain_id",
                "positive integer",
            ),
            (
                "\"chain_id\": -1",
                "chain_id",
                "chain_id",
                "positive integer",
            ),
            (
                "\"chain_id\": \"1\"",
                "chain_id",
                "chain_id",
                "positive integer",
            ),
            ("\"decimals\": 256", "decimals", "decimals", "0 to 255"),
            ("\"decimals\": 6.5", "decimals", "decimals", "0 to 255"),
            ("\"token\": \"0x123\"", "token", "token", "40 hex digits"),
            (
                "\"token\": \"A0b86991c6218b36c1d19D4a2e9Eb0cE3606eB4800\"",
                "token",
                "token",
                "40 hex digits",
            ),
            (
                "\"token\": \"0xg0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48\"",
                "token",
                "token",
                "40 hex digits",
            ),
            (
                "\"token\": \"0x0000000000000000000000000000000000000000\"",
                "token",
                "token",
                "zero address",
            ),
            ("\"token\": 5", "token", "token", "must be a string"),
            (
                "\"total_supply\": 100",
                "total_supply",
                "total_supply",
                "decimal string",
            ),
            (
                "\"total_supply\": \"-100\"",
                "total_supply",
                "total_supply",
                "negative",
            ),
            (
                "\"total_supply\": \"1.5\"",
                "total_supply",
                "total_supply",
                "whole number",
            ),
            (
                "\"total_supply\": \"1,000\"",
                "total_supply",
                "total_supply",
                "','",
            ),
            (
                "\"total_supply\": \"\"",
                "total_supply",
                "total_supply",
                "empty",
            ),
            ("\"nav_usd\": \"0\"", "", "nav_usd", "greater than zero"),
            ("\"nav_usd\": \"0.000\"", "", "nav_usd", "greater than zero"),
            ("\"nav_usd\": \"-1\"", "", "nav_usd", "positive decimal"),
            ("\"nav_usd\": \"1.\"", "", "nav_usd", "positive decimal"),
            ("\"nav_usd\": \"abc\"", "", "nav_usd", "positive decimal"),
            ("\"nav_usd\": 1.02", "", "nav_usd", "decimal string"),
            ("\"nav_usd\": null", "", "nav_usd", "decimal string"),
            ("\"decimals\": 6", "", "decimals", "twice"),
        ] {
            let e = load_err(&base(extra, skip));
            assert_err(&e, d1, Some(field), needle);
        }
    }

    #[test]
    fn structure_errors() {
        let e = load_err("");
        assert_err(&e, None, None, "empty");
        let e = load_err("{\"deployments\": []}");
        assert_err(&e, None, Some("deployments"), "at least one");
        let e = load_err("{}");
        assert_err(&e, None, Some("deployments"), "missing");
        let e = load_err("{\"deployments\": {}}");
        assert_err(&e, None, Some("deployments"), "array");
        let e = load_err("{\"deployments\": [], \"as_of\": 1}");
        assert_err(&e, None, Some("as_of"), "unknown top-level field");
        let e = load_err("[]");
        assert_err(&e, None, None, "expected an object");
        let e = load_err("{\"deployments\": [1]}");
        assert_err(&e, Some(Location::Deployment(1)), None, "JSON object");
        let e = load_err("{\"deployments\": [\n");
        assert!(e.message.contains("invalid JSON"), "{e}");
        assert!(load_liabilities(Path::new("/nonexistent/l.json")).is_err());
    }

    #[test]
    fn duplicate_deployment() {
        let upper = USDC_LIKE.to_string();
        let lower = USDC_LIKE.to_ascii_lowercase();
        let text = format!(
            r#"{{"deployments": [
                {{"chain_id": 1, "token": "{upper}", "decimals": 6, "total_supply": "1"}},
                {{"chain_id": 10, "token": "{upper}", "decimals": 6, "total_supply": "1"}},
                {{"chain_id": 1, "token": "{lower}", "decimals": 6, "total_supply": "1"}}
            ]}}"#
        );
        let e = load_err(&text);
        assert_err(
            &e,
            Some(Location::Deployment(3)),
            Some("token"),
            "deployments 1 and 3",
        );
        let shown = e.to_string();
        assert!(shown.contains(": deployment 3: field 'token': "), "{shown}");
    }

    #[test]
    fn bom_accepted() {
        let text = format!(
            "\u{feff}{}\r\n",
            one(&format!(
                r#""chain_id": 1, "token": "{OTHER}", "decimals": 2, "total_supply": "150""#
            ))
        );
        assert_eq!(load(&text).unwrap().total_cents, 150);
    }
}
