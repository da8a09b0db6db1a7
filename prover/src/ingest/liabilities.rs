//! The liabilities: what the fund owes its shareholders, one line per place its shares live,
//! read into the attestation's deployments table.
//!
//! A line is a token deployment on a chain (`chain_id`, `token`, `registry`, `decimals`,
//! `total_supply`) or the shares held off-chain on the transfer agent's register
//! (`"book_entry": true`, `total_shares`, optional `register`); both have an optional `nav_usd`
//! (default "1"). Each line's value in cents is rounded up on its own, with exact arithmetic:
//! each chain's registry checks its own line against its live supply, so every line must cover
//! its deployment by itself, and any rounding is against the custodian. The total is the sum of
//! the lines, so it exceeds the exact value by less than one cent per line.

use std::collections::HashMap;
use std::path::Path;

use bondproof_circuits::statement::{book_entry_domain, domain_tag, fr_to_be_bytes, DEPLOYMENT_SLOTS, SUPPLY_BYTES};
use bondproof_circuits::{Deployment, Fr};
use num_bigint::BigUint;
use num_traits::ToPrimitive;
use serde_json::value::RawValue;

use super::error::{InputError, Location};
use super::json::{
    decimal_string, json_array, json_bool, json_members, json_string, json_uint, known_fields, parse_document,
    FieldError,
};
use super::money::{parse_whole, Decimal};
use super::read_text;

/// Where a line's shares live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineKind {
    /// A token on a chain, checked by that chain's registry.
    OnChain {
        chain_id: u64,
        /// The token contract.
        token: [u8; 20],
        /// The `ReserveRegistry` on this chain: with `chain_id`, the line's domain.
        registry: [u8; 20],
        decimals: u8,
        /// In token base units.
        total_supply: BigUint,
        /// The block the supply was read at (`liabilities snapshot`): its number and hash.
        /// Unproved provenance, carried into the bundle for anyone to re-read.
        block: Option<SourceBlock>,
    },
    /// Shares held off-chain, on the transfer agent's register number `register`.
    BookEntry { register: u64, total_shares: Decimal },
}

/// A block of a chain: its number and hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceBlock {
    pub number: u64,
    pub hash: [u8; 32],
}

/// One line of the liabilities file: one slot of the attestation's table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiabilityLine {
    pub kind: LineKind,
    /// USD value of one whole token or share (default 1).
    pub nav_usd: Decimal,
    /// This line's value in cents, rounded up on its own; below 2^96.
    pub supply_cents: u128,
}

impl LiabilityLine {
    /// The line's domain in the table: `domain_tag(chain_id, registry)` on a chain (what that
    /// registry computes for itself), `book_entry_domain(register)` for book-entry shares.
    pub fn domain(&self) -> Fr {
        match &self.kind {
            LineKind::OnChain { chain_id, registry, .. } => domain_tag(*chain_id, *registry),
            LineKind::BookEntry { register, .. } => book_entry_domain(*register),
        }
    }

    /// The table slot this line fills.
    pub fn deployment(&self) -> Deployment {
        Deployment { domain: self.domain(), supply_cents: self.supply_cents }
    }

    /// "chain 1 token 0x… registry 0x…" or "book entry, register 0", for summaries and errors.
    pub fn describe(&self) -> String {
        match &self.kind {
            LineKind::OnChain { chain_id, token, registry, .. } => {
                format!("chain {chain_id} token {} registry {}", hex_address(token), hex_address(registry))
            }
            LineKind::BookEntry { register, .. } => format!("book entry, register {register}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Liabilities {
    /// In file order; between 1 and [`DEPLOYMENT_SLOTS`] lines, each with its own domain.
    pub deployments: Vec<LiabilityLine>,
}

impl Liabilities {
    /// The liabilities the attestation covers: the sum of the lines' (rounded-up) values.
    pub fn total_cents(&self) -> u128 {
        // At most 16 lines below 2^96 each: the sum stays below 2^100.
        self.deployments.iter().map(|l| l.supply_cents).sum()
    }

    /// The statement's deployments table: the lines in file order, unused slots zero.
    ///
    /// # Panics
    /// If the value holds more than [`DEPLOYMENT_SLOTS`] lines, which [`load_liabilities`]
    /// refuses: dropping a line would understate the liabilities.
    pub fn table(&self) -> [Deployment; DEPLOYMENT_SLOTS] {
        assert!(
            self.deployments.len() <= DEPLOYMENT_SLOTS,
            "{} liability lines do not fit the {DEPLOYMENT_SLOTS}-slot table",
            self.deployments.len()
        );
        let mut table = [Deployment::default(); DEPLOYMENT_SLOTS];
        for (slot, line) in table.iter_mut().zip(&self.deployments) {
            *slot = line.deployment();
        }
        table
    }
}

/// Every field a line may have, in the order they are checked.
const FIELDS: [&str; 11] = [
    "chain_id",
    "token",
    "registry",
    "decimals",
    "total_supply",
    "book_entry",
    "total_shares",
    "register",
    "nav_usd",
    "block_number",
    "block_hash",
];
const ON_CHAIN_ONLY: [&str; 7] =
    ["chain_id", "token", "registry", "decimals", "total_supply", "block_number", "block_hash"];
const BOOK_ENTRY_ONLY: [&str; 2] = ["total_shares", "register"];
const EXPECTED: &str = "expected fields: chain_id, token, registry, decimals, total_supply, \
                        nav_usd, and block_number with block_hash when read from the chain (a token \
                        on a chain) or book_entry, total_shares, register, \
                        nav_usd (shares on the transfer agent's register)";

/// Loads and checks a liabilities file.
pub fn load_liabilities(path: &Path) -> Result<Liabilities, InputError> {
    parse_liabilities(path, &read_text(path)?)
}

/// Checks a liabilities file's text; `path` names it in errors.
pub fn parse_liabilities(path: &Path, text: &str) -> Result<Liabilities, InputError> {
    if text.trim().is_empty() {
        return Err(InputError::new(path, "the file is empty"));
    }
    let top = parse_document(path, text)?;
    let shape = "expected an object {\"deployments\": [...]}";
    let members = json_members(&top).ok_or_else(|| InputError::new(path, shape))?;
    let mut list = None;
    for (k, v) in members {
        if k != "deployments" {
            return Err(InputError::new(path, format!("unknown top-level field; {shape}")).field(k));
        }
        if list.is_some() {
            return Err(InputError::new(path, "appears twice").field("deployments"));
        }
        list = Some(v);
    }
    let list = list.ok_or_else(|| InputError::new(path, format!("missing; {shape}")).field("deployments"))?;
    let entries = json_array(&list).ok_or_else(|| InputError::new(path, "must be an array").field("deployments"))?;
    if entries.is_empty() {
        return Err(InputError::new(path, "at least one deployment is required").field("deployments"));
    }
    if entries.len() > DEPLOYMENT_SLOTS {
        return Err(InputError::new(
            path,
            format!(
                "the attestation's table has {DEPLOYMENT_SLOTS} slots, and this file lists {} \
                 deployments",
                entries.len()
            ),
        )
        .at(Location::Deployment(DEPLOYMENT_SLOTS + 1)));
    }

    let mut deployments = Vec::with_capacity(entries.len());
    let mut domains: HashMap<[u8; 32], usize> = HashMap::new();
    let mut tokens: HashMap<(u64, [u8; 20]), usize> = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        let n = i + 1;
        let loc = Location::Deployment(n);
        let line = parse_line(path, loc, entry)?;
        let twice = |field: &str, what: String, prev: usize, why: &str| {
            InputError::new(path, format!("{what} is listed twice (deployments {prev} and {n}){why}"))
                .at(loc)
                .field(field)
        };
        if let Some(prev) = domains.insert(fr_to_be_bytes(&line.domain()), n) {
            return Err(match &line.kind {
                LineKind::OnChain { chain_id, registry, .. } => twice(
                    "registry",
                    format!("chain {chain_id} registry {}", hex_address(registry)),
                    prev,
                    "; a registry checks exactly one line of the table",
                ),
                LineKind::BookEntry { register, .. } => {
                    twice("register", format!("book-entry register {register}"), prev, "")
                }
            });
        }
        if let LineKind::OnChain { chain_id, token, .. } = &line.kind {
            // Under two registries, one token's supply would be counted twice.
            if let Some(prev) = tokens.insert((*chain_id, *token), n) {
                return Err(twice("token", format!("chain {chain_id} token {}", hex_address(token)), prev, ""));
            }
        }
        deployments.push(line);
    }
    Ok(Liabilities { deployments })
}

fn parse_line(path: &Path, loc: Location, entry: &RawValue) -> Result<LiabilityLine, InputError> {
    let err = |field: &str, msg: String| InputError::new(path, msg).at(loc).field(field);
    let members = json_members(entry).ok_or_else(|| InputError::new(path, "must be a JSON object").at(loc))?;
    let fields = known_fields(&members, &FIELDS).map_err(|e| match e {
        FieldError::Unknown(k) => err(&k, format!("unknown field; {EXPECTED}")),
        FieldError::Twice(k) => err(&k, "appears twice".to_string()),
    })?;
    let get = |name: &str| FIELDS.iter().position(|f| *f == name).and_then(|i| fields[i]);
    let present = |names: &[&'static str]| names.iter().copied().find(|n| get(n).is_some());

    let book_entry = match get("book_entry") {
        None => false,
        Some(raw) => {
            json_bool(raw).ok_or_else(|| err("book_entry", format!("must be true or false, found {}", raw.get())))?
        }
    };

    let nav_usd = match get("nav_usd") {
        None => Decimal::one(),
        Some(raw) => decimal_string(raw).and_then(|t| Decimal::parse_positive(&t)).map_err(|m| err("nav_usd", m))?,
    };

    let (kind, amount_field, amount) = if book_entry {
        if let Some(name) = present(&ON_CHAIN_ONLY) {
            return Err(err(
                name,
                "a book-entry line has no token, chain_id, registry, decimals or total_supply: \
                 its shares are on the transfer agent's register (fields: book_entry, \
                 total_shares, register, nav_usd)"
                    .to_string(),
            ));
        }
        let shares_raw =
            get("total_shares").ok_or_else(|| err("total_shares", "missing required field".to_string()))?;
        let total_shares = decimal_string(shares_raw)
            .and_then(|t| Decimal::parse(&t, "shares"))
            .map_err(|m| err("total_shares", m))?;
        let register = match get("register") {
            None => 0,
            Some(raw) => json_uint(raw).and_then(|v| u64::try_from(v).ok()).ok_or_else(|| {
                err(
                    "register",
                    format!("must be an integer from 0 to 2^64-1 (the register's number), found {}", raw.get()),
                )
            })?,
        };
        let amount = total_shares.clone();
        (LineKind::BookEntry { register, total_shares }, "total_shares", amount)
    } else {
        if let Some(name) = present(&BOOK_ENTRY_ONLY) {
            return Err(err(
                name,
                "belongs to a book-entry line (\"book_entry\": true); a token on a chain has \
                 chain_id, token, registry, decimals and total_supply"
                    .to_string(),
            ));
        }
        let required = |name: &str| get(name).ok_or_else(|| err(name, "missing required field".to_string()));

        let chain_id_raw = required("chain_id")?;
        let chain_id = json_uint(chain_id_raw)
            .and_then(|v| u64::try_from(v).ok())
            .filter(|&v| v > 0)
            .ok_or_else(|| err("chain_id", format!("must be a positive integer, found {}", chain_id_raw.get())))?;

        let decimals_raw = required("decimals")?;
        let decimals = json_uint(decimals_raw).and_then(|v| u8::try_from(v).ok()).ok_or_else(|| {
            err("decimals", format!("must be an integer from 0 to 255 (ERC-20 uint8), found {}", decimals_raw.get()))
        })?;

        let address = |name: &str, what: &str| -> Result<[u8; 20], InputError> {
            let raw = get(name).ok_or_else(|| {
                err(
                    name,
                    if name == "registry" {
                        "missing required field: the address of this chain's ReserveRegistry, \
                         which checks this line against the token's live supply"
                            .to_string()
                    } else {
                        "missing required field".to_string()
                    },
                )
            })?;
            let text = json_string(raw).ok_or_else(|| err(name, format!("must be a string, found {}", raw.get())))?;
            let a = parse_address(&text).map_err(|m| err(name, m))?;
            if a == [0u8; 20] {
                return Err(err(name, format!("is the zero address, which is not a {what} contract")));
            }
            Ok(a)
        };
        let token = address("token", "token")?;
        let registry = address("registry", "registry")?;

        let supply_raw = required("total_supply")?;
        let total_supply =
            decimal_string(supply_raw).and_then(|t| parse_whole(&t)).map_err(|m| err("total_supply", m))?;
        let amount = Decimal::from_units(total_supply.clone(), decimals);
        let block = match (get("block_number"), get("block_hash")) {
            (None, None) => None,
            (Some(number), Some(hash)) => {
                let number = json_uint(number).and_then(|v| u64::try_from(v).ok()).ok_or_else(|| {
                    err("block_number", format!("must be an integer from 0 to 2^64-1, found {}", number.get()))
                })?;
                let text = json_string(hash)
                    .ok_or_else(|| err("block_hash", format!("must be a string, found {}", hash.get())))?;
                let hash = text
                    .strip_prefix("0x")
                    .and_then(|h| hex::decode(h).ok())
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or_else(|| {
                        err("block_hash", format!("must be 0x followed by 64 hex digits, found {text:?}"))
                    })?;
                Some(SourceBlock { number, hash })
            }
            (Some(_), None) => return Err(err("block_hash", "missing: block_number needs its block_hash".into())),
            (None, Some(_)) => return Err(err("block_number", "missing: block_hash needs its block_number".into())),
        };
        (LineKind::OnChain { chain_id, token, registry, decimals, total_supply, block }, "total_supply", amount)
    };

    let cents = amount.ceil_cents(&nav_usd);
    let max_bits = 8 * SUPPLY_BYTES as u64;
    let supply_cents = cents.to_u128().filter(|_| cents.bits() <= max_bits).ok_or_else(|| {
        err(
            amount_field,
            format!(
                "this deployment is worth {cents} cents, at or above 2^{max_bits} cents, the \
                     circuit's bound per deployment"
            ),
        )
    })?;
    Ok(LiabilityLine { kind, nav_usd, supply_cents })
}

/// The address as lowercase `0x…` hex.
pub fn hex_address(a: &[u8; 20]) -> String {
    format!("0x{}", hex::encode(a))
}

/// `0x` followed by 40 hex digits, in either case (a checksummed address is accepted, its
/// checksum not checked).
pub fn parse_address(s: &str) -> Result<[u8; 20], String> {
    let shape = || format!("must be 0x followed by 40 hex digits (a 20-byte address), found {s:?}");
    let digits = s.strip_prefix("0x").ok_or_else(shape)?;
    if digits.len() != 40 {
        return Err(shape());
    }
    let mut out = [0u8; 20];
    hex::decode_to_slice(digits, &mut out).map_err(|_| shape())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{assert_err, write};
    use super::*;
    use bondproof_circuits::statement::{domain_kind, DomainKind};
    use num_traits::One;

    const USDC_LIKE: &str = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48";
    const OTHER: &str = "0x1111111111111111111111111111111111111111";
    const REG: &str = "0x2222222222222222222222222222222222222222";
    const REG2: &str = "0x3333333333333333333333333333333333333333";

    #[test]
    fn a_snapshot_line_keeps_its_block_and_a_half_recorded_block_is_refused() {
        let hash = format!("0x{}", "ab".repeat(32));
        let line = format!(r#"{}, "block_number": 42, "block_hash": "{hash}""#, chain(1, USDC_LIKE, REG, 6, "100"));
        let l = load(&one(&line)).unwrap();
        let LineKind::OnChain { block, .. } = &l.deployments[0].kind else { panic!("an on-chain line") };
        assert_eq!(*block, Some(SourceBlock { number: 42, hash: [0xab; 32] }));
        let no_hash = format!(r#"{}, "block_number": 42"#, chain(1, USDC_LIKE, REG, 6, "100"));
        assert_err(&load_err(&one(&no_hash)), D1, Some("block_hash"), "block_number needs its block_hash");
        let short = format!(r#"{}, "block_number": 42, "block_hash": "0xab""#, chain(1, USDC_LIKE, REG, 6, "100"));
        assert_err(&load_err(&one(&short)), D1, Some("block_hash"), "64 hex digits");
        let on_book = format!(r#"{}, "block_number": 42"#, book("1"));
        assert_err(&load_err(&one(&on_book)), D1, Some("block_number"), "a book-entry line has no token");
    }

    fn load(content: &str) -> Result<Liabilities, InputError> {
        let f = write(".json", content.as_bytes());
        load_liabilities(f.path())
    }

    fn load_err(content: &str) -> InputError {
        match load(content) {
            Ok(l) => panic!("expected an error, got {l:?}"),
            Err(e) => e,
        }
    }

    fn lines(entries: &[String]) -> String {
        let body: Vec<String> = entries.iter().map(|e| format!("{{{e}}}")).collect();
        format!("{{\"deployments\": [{}]}}", body.join(",\n"))
    }

    fn one(fields: &str) -> String {
        lines(&[fields.to_string()])
    }

    /// An on-chain line on `chain` with `registry`, `decimals` and `supply`.
    fn chain(chain: u64, token: &str, registry: &str, decimals: u8, supply: &str) -> String {
        format!(
            r#""chain_id": {chain}, "token": "{token}", "registry": "{registry}", "decimals": {decimals}, "total_supply": "{supply}""#
        )
    }

    fn book(shares: &str) -> String {
        format!(r#""book_entry": true, "total_shares": "{shares}""#)
    }

    fn addr(s: &str) -> [u8; 20] {
        parse_address(s).unwrap()
    }

    const D1: Option<Location> = Some(Location::Deployment(1));

    #[test]
    fn simple_deployment() {
        let l = load(&one(&chain(1, USDC_LIKE, REG, 6, "1234500000"))).unwrap();
        assert_eq!(l.total_cents(), 123_450);
        assert_eq!(l.deployments.len(), 1);
        let d = &l.deployments[0];
        assert_eq!(
            d.kind,
            LineKind::OnChain {
                chain_id: 1,
                token: addr(USDC_LIKE),
                registry: addr(REG),
                decimals: 6,
                total_supply: BigUint::from(1_234_500_000u64),
                block: None,
            }
        );
        assert_eq!(d.nav_usd.to_string(), "1");
        assert_eq!(d.supply_cents, 123_450);
        assert_eq!(d.domain(), domain_tag(1, addr(REG)));
        assert_eq!(d.describe(), format!("chain 1 token {} registry {REG}", USDC_LIKE.to_ascii_lowercase()));
        let table = l.table();
        assert_eq!(table[0], Deployment { domain: domain_tag(1, addr(REG)), supply_cents: 123_450 });
        assert!(table[1..].iter().all(|s| *s == Deployment::default()));
    }

    #[test]
    fn rounds_up() {
        // 1 base unit of an 18-decimal token is 1e-16 cents: its line is 1 cent.
        let l = load(&one(&chain(1, OTHER, REG, 18, "1"))).unwrap();
        assert_eq!(l.total_cents(), 1);
        let l = load(&one(&chain(1, OTHER, REG, 6, "1"))).unwrap();
        assert_eq!(l.total_cents(), 1);
        let l = load(&one(&chain(1, OTHER, REG, 6, "0"))).unwrap();
        assert_eq!(l.total_cents(), 0);
        // 1 cent and one base unit more is 2 cents.
        let l = load(&one(&chain(1, OTHER, REG, 18, "10000000000000001"))).unwrap();
        assert_eq!(l.total_cents(), 2);
    }

    #[test]
    fn nav_above_one() {
        // 1000 tokens at $1.0234 = $1023.40 exactly.
        let l = load(&one(&format!("{}, \"nav_usd\": \"1.0234\"", chain(1, OTHER, REG, 18, "1000000000000000000000"))))
            .unwrap();
        assert_eq!(l.total_cents(), 102_340);
        assert_eq!(l.deployments[0].nav_usd.to_string(), "1.0234");
        // 1 token at $1.02345 = 102.345 cents -> 103.
        let l = load(&one(&format!("{}, \"nav_usd\": \"1.02345\"", chain(1, OTHER, REG, 0, "1")))).unwrap();
        assert_eq!(l.total_cents(), 103);
    }

    #[test]
    fn each_line_rounded_on_its_own() {
        // Each line is 0.5 cents: each rounds up to 1, so the total is 2 although the exact
        // sum is 1 cent. Each registry checks its own line, which must cover its own supply.
        let text = lines(&[
            chain(1, OTHER, REG, 6, "5000"),
            format!("{}, \"nav_usd\": \"0.5\"", chain(8453, OTHER, REG, 2, "1")),
            book("0.005"),
        ]);
        let l = load(&text).unwrap();
        let cents: Vec<u128> = l.deployments.iter().map(|d| d.supply_cents).collect();
        assert_eq!(cents, vec![1, 1, 1]);
        assert_eq!(l.total_cents(), 3);
        assert_eq!(l.table().iter().map(|d| d.supply_cents).sum::<u128>(), 3);
    }

    #[test]
    fn book_entry_line() {
        let text = lines(&[
            chain(1, OTHER, REG, 6, "1000000"),
            book("125000000.125"),
            format!("{}, \"register\": 7, \"nav_usd\": \"1.5\"", book("2")),
        ]);
        let l = load(&text).unwrap();
        assert_eq!(
            l.deployments[1].kind,
            LineKind::BookEntry { register: 0, total_shares: Decimal::parse("125000000.125", "shares").unwrap() }
        );
        // 12,500,000,012.5 cents, rounded up.
        assert_eq!(l.deployments[1].supply_cents, 12_500_000_013);
        assert_eq!(l.deployments[1].domain(), book_entry_domain(0));
        assert_eq!(l.deployments[1].describe(), "book entry, register 0");
        assert_eq!(l.deployments[2].supply_cents, 300);
        assert_eq!(domain_kind(&l.deployments[2].domain()), DomainKind::BookEntry { register: 7 });
        assert_eq!(l.total_cents(), 100 + 12_500_000_013 + 300);
        let table = l.table();
        assert_eq!(domain_kind(&table[0].domain), DomainKind::Chain { chain_id: 1, registry: addr(REG) });
        assert_eq!(table[1].domain, book_entry_domain(0));
        assert_eq!(table[2].domain, book_entry_domain(7));
        assert!(table[3..].iter().all(|s| *s == Deployment::default()));
        // "book_entry": false is an on-chain line.
        let l = load(&one(&format!("\"book_entry\": false, {}", chain(1, OTHER, REG, 0, "1")))).unwrap();
        assert!(matches!(l.deployments[0].kind, LineKind::OnChain { .. }));
    }

    #[test]
    fn bound_96_bits_per_line() {
        // 2^96 - 1 cents, as whole tokens at $0.01 with 0 decimals.
        let max = (BigUint::one() << 96u32) - BigUint::one();
        let at_max = format!("{}, \"nav_usd\": \"0.01\"", chain(1, OTHER, REG, 0, &max.to_string()));
        assert_eq!(load(&one(&at_max)).unwrap().total_cents(), (1u128 << 96) - 1);
        // Two lines just below the bound each: the total may exceed 2^96.
        let other = format!("{}, \"nav_usd\": \"0.01\"", chain(10, OTHER, REG, 0, &max.to_string()));
        assert_eq!(load(&lines(&[at_max, other])).unwrap().total_cents(), (1u128 << 97) - 2);
        let over =
            format!("{}, \"nav_usd\": \"0.01\"", chain(1, OTHER, REG, 0, &(BigUint::one() << 96u32).to_string()));
        let e = load_err(&one(&over));
        assert_err(&e, D1, Some("total_supply"), "at or above 2^96 cents, the circuit's bound");
        let huge = chain(1, OTHER, REG, 6, &"9".repeat(200));
        assert_err(&load_err(&one(&huge)), D1, Some("total_supply"), "2^96");
        let shares = lines(&[chain(1, OTHER, REG, 0, "1"), book(&(BigUint::one() << 90u32).to_string())]);
        assert_err(&load_err(&shares), Some(Location::Deployment(2)), Some("total_shares"), "2^96");
    }

    #[test]
    fn at_most_sixteen_lines() {
        let reg = |i: usize| format!("0x{:040x}", i + 1);
        let mut entries: Vec<String> = (0..DEPLOYMENT_SLOTS).map(|i| chain(1, &reg(i), &reg(i), 0, "1")).collect();
        let l = load(&lines(&entries)).unwrap();
        assert_eq!(l.table().iter().filter(|d| d.supply_cents == 100).count(), DEPLOYMENT_SLOTS);
        entries.push(book("1"));
        let e = load_err(&lines(&entries));
        assert_err(&e, Some(Location::Deployment(17)), None, "16 slots");
        assert!(e.message.contains("lists 17 deployments"), "{e}");
    }

    #[test]
    fn duplicate_domains() {
        // The same registry on two chains is two domains; twice on one chain is one.
        let ok = lines(&[chain(1, OTHER, REG, 6, "1"), chain(8453, OTHER, REG, 6, "1")]);
        assert_eq!(load(&ok).unwrap().deployments.len(), 2);
        let text = lines(&[
            chain(1, OTHER, REG, 6, "1"),
            chain(1, USDC_LIKE, &REG.to_ascii_uppercase().replace("0X", "0x"), 6, "1"),
        ]);
        let e = load_err(&text);
        assert_err(&e, Some(Location::Deployment(2)), Some("registry"), "deployments 1 and 2");
        assert!(e.message.contains(&format!("chain 1 registry {REG}")), "{e}");
        let text = lines(&[book("1"), chain(1, OTHER, REG, 6, "1"), format!("{}, \"register\": 0", book("2"))]);
        let e = load_err(&text);
        assert_err(
            &e,
            Some(Location::Deployment(3)),
            Some("register"),
            "book-entry register 0 is listed twice (deployments 1 and 3)",
        );
        let ok = lines(&[book("1"), format!("{}, \"register\": 1", book("2"))]);
        assert_eq!(load(&ok).unwrap().total_cents(), 300);
    }

    #[test]
    fn duplicate_token() {
        // One token under two registries of one chain: its supply would count twice.
        let upper = USDC_LIKE.to_string();
        let lower = USDC_LIKE.to_ascii_lowercase();
        let text =
            lines(&[chain(1, &upper, REG, 6, "1"), chain(10, &upper, REG, 6, "1"), chain(1, &lower, REG2, 6, "1")]);
        let e = load_err(&text);
        assert_err(&e, Some(Location::Deployment(3)), Some("token"), "deployments 1 and 3");
        let shown = e.to_string();
        assert!(shown.contains(": deployment 3: field 'token': chain 1 token 0xa0b8"), "{shown}");
    }

    #[test]
    fn on_chain_field_errors() {
        let base = |extra: &str, skip: &str| {
            let mut parts = vec![];
            for (k, v) in [
                ("chain_id", "1".to_string()),
                ("token", format!("\"{OTHER}\"")),
                ("registry", format!("\"{REG}\"")),
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
            ("", "registry", "registry", "missing required field: the address of this chain's ReserveRegistry"),
            ("", "decimals", "decimals", "missing"),
            ("", "total_supply", "total_supply", "missing"),
            ("\"issuer\": \"x\"", "", "issuer", "unknown field; expected fields: chain_id, token, registry"),
            ("\"chain_id\": 0", "chain_id", "chain_id", "positive integer"),
            ("\"chain_id\": -1", "chain_id", "chain_id", "positive integer"),
            ("\"chain_id\": \"1\"", "chain_id", "chain_id", "positive integer"),
            ("\"decimals\": 256", "decimals", "decimals", "0 to 255"),
            ("\"decimals\": 6.5", "decimals", "decimals", "0 to 255"),
            ("\"token\": \"0x123\"", "token", "token", "40 hex digits"),
            ("\"token\": \"A0b86991c6218b36c1d19D4a2e9Eb0cE3606eB4800\"", "token", "token", "40 hex digits"),
            ("\"token\": \"0xg0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48\"", "token", "token", "40 hex digits"),
            (
                "\"token\": \"0x0000000000000000000000000000000000000000\"",
                "token",
                "token",
                "zero address, which is not a token contract",
            ),
            ("\"token\": 5", "token", "token", "must be a string"),
            (
                "\"registry\": \"0x0000000000000000000000000000000000000000\"",
                "registry",
                "registry",
                "zero address, which is not a registry contract",
            ),
            ("\"registry\": \"0x22\"", "registry", "registry", "40 hex digits"),
            ("\"registry\": null", "registry", "registry", "must be a string"),
            ("\"total_supply\": 100", "total_supply", "total_supply", "decimal string"),
            ("\"total_supply\": \"-100\"", "total_supply", "total_supply", "negative"),
            ("\"total_supply\": \"1.5\"", "total_supply", "total_supply", "whole number"),
            ("\"total_supply\": \"1,000\"", "total_supply", "total_supply", "','"),
            ("\"total_supply\": \"\"", "total_supply", "total_supply", "empty"),
            ("\"nav_usd\": \"0\"", "", "nav_usd", "greater than zero"),
            ("\"nav_usd\": \"0.000\"", "", "nav_usd", "greater than zero"),
            ("\"nav_usd\": \"-1\"", "", "nav_usd", "positive decimal"),
            ("\"nav_usd\": \"1.\"", "", "nav_usd", "positive decimal"),
            ("\"nav_usd\": \"abc\"", "", "nav_usd", "positive decimal"),
            ("\"nav_usd\": 1.02", "", "nav_usd", "decimal string"),
            ("\"nav_usd\": null", "", "nav_usd", "decimal string"),
            ("\"decimals\": 6", "", "decimals", "twice"),
            ("\"total_shares\": \"1\"", "", "total_shares", "belongs to a book-entry line"),
            ("\"register\": 0", "", "register", "belongs to a book-entry line"),
            ("\"book_entry\": \"true\"", "", "book_entry", "true or false"),
            ("\"book_entry\": 1", "", "book_entry", "true or false"),
        ] {
            let e = load_err(&base(extra, skip));
            assert_err(&e, D1, Some(field), needle);
        }
    }

    #[test]
    fn book_entry_field_errors() {
        for (extra, field, needle) in [
            (format!("\"token\": \"{OTHER}\""), "token", "a book-entry line has no token"),
            ("\"chain_id\": 1".to_string(), "chain_id", "transfer agent's register"),
            (format!("\"registry\": \"{REG}\""), "registry", "has no token, chain_id, registry"),
            ("\"decimals\": 6".to_string(), "decimals", "book-entry line has no"),
            ("\"total_supply\": \"1\"".to_string(), "total_supply", "book-entry line has no"),
            ("\"register\": -1".to_string(), "register", "0 to 2^64-1"),
            ("\"register\": 1.5".to_string(), "register", "0 to 2^64-1"),
            ("\"register\": \"1\"".to_string(), "register", "0 to 2^64-1"),
            ("\"register\": 18446744073709551616".to_string(), "register", "0 to 2^64-1"),
            ("\"nav_usd\": \"0\"".to_string(), "nav_usd", "greater than zero"),
            ("\"shares\": \"1\"".to_string(), "shares", "unknown field"),
        ] {
            let e = load_err(&one(&format!("{}, {extra}", book("1"))));
            assert_err(&e, D1, Some(field), needle);
        }
        for (shares, needle) in [
            ("\"1.\"", "decimal number of shares"),
            ("\"-1\"", "negative"),
            ("\"1,000\"", "','"),
            ("\"\"", "empty"),
            ("100", "decimal string"),
        ] {
            let e = load_err(&one(&format!("\"book_entry\": true, \"total_shares\": {shares}")));
            assert_err(&e, D1, Some("total_shares"), needle);
        }
        let e = load_err(&one("\"book_entry\": true"));
        assert_err(&e, D1, Some("total_shares"), "missing required field");
        let e = load_err(&one("\"book_entry\": true, \"book_entry\": true, \"total_shares\": \"1\""));
        assert_err(&e, D1, Some("book_entry"), "twice");
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
        assert_err(&e, D1, None, "JSON object");
        let e = load_err("{\"deployments\": [\n");
        assert!(e.message.contains("invalid JSON"), "{e}");
        assert!(load_liabilities(Path::new("/nonexistent/l.json")).is_err());
    }

    #[test]
    fn bom_accepted() {
        let text = format!("\u{feff}{}\r\n", one(&chain(1, OTHER, REG, 2, "150")));
        assert_eq!(load(&text).unwrap().total_cents(), 150);
    }

    #[test]
    fn addresses() {
        assert_eq!(hex_address(&addr(USDC_LIKE)), USDC_LIKE.to_ascii_lowercase());
        assert_eq!(parse_address("0x0000000000000000000000000000000000000000"), Ok([0; 20]));
        assert!(parse_address("0X1111111111111111111111111111111111111111").is_err());
    }

    /// The shipped fixtures load, and their totals are the ones fixtures/README.md gives.
    #[test]
    fn fixtures() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
        let main = load_liabilities(&dir.join("liabilities.json")).unwrap();
        assert_eq!(main.total_cents(), 149_379_079_100);
        let kinds: Vec<&str> = main
            .deployments
            .iter()
            .map(|d| match d.kind {
                LineKind::OnChain { .. } => "chain",
                LineKind::BookEntry { .. } => "book",
            })
            .collect();
        assert_eq!(kinds, ["chain", "chain", "book"]);
        let under = load_liabilities(&dir.join("liabilities-undercovered.json")).unwrap();
        assert_eq!(under.total_cents(), 152_396_838_213);
        let mmf = load_liabilities(&dir.join("money-fund/liabilities.json")).unwrap();
        assert_eq!(mmf.total_cents(), 49_465_346_534);
    }
}
